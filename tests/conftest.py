"""Shared fixtures.

`each_dispatch`: runs a test once per instruction-set path this CPU supports
(pyactx.available_dispatch(): avx512, avx2, baseline on a modern x86-64), so
that the accuracy and special-value suites check every compiled loop table.
Use it with `pytestmark = pytest.mark.usefixtures("each_dispatch")`.

Layout: the tests live in subfolders by subject (numerics/, ufunc/, softmax/,
teaching/, notebooks/, packaging/); the helpers every group shares stay here in
tests/ (reference.py, reference_softmax.py, _ulp.py, function_facts.py, data/),
and this directory is put on sys.path so that any test can `import _ulp`,
`import reference`, `import function_facts`.

The fast subset: `python -m pytest -m "not slow"` (~70 s on the shared 2-core
machine, about 95 % of the tests; the whole suite takes ~17-25 min there).  A test is `slow` when it is listed
in SLOW below (measured with --durations: seconds or more each, or a module
whose tests share a costly fixture) or carries the `notebooks` marker; the
mark is applied here so that no test file needs to change for it.
"""
import os
import sys

import pytest

import pyactx

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

PATHS = pyactx.available_dispatch()

#: Slow tests, relative to tests/: a module ("dir/test_x.py") or one test
#: function ("dir/test_x.py::test_name", every parametrization of it).
#: Seconds measured on the 2-core machine, whole suite run once.
SLOW = frozenset({
    "notebooks/test_notebooks.py::test_notebook_runs",       # ~500 s (also `notebooks`)
    "packaging/test_packaging.py",                           # ~440 s: builds sdist + wheel, venvs
    "packaging/test_sanitizers.py",                          # ~290 s: ASan build + valgrind
    "numerics/test_c_core.py",                               # ~11 s a compiler: make -C csrc test
    "numerics/test_other_builds.py",                         # ~2 min each: aarch64 (qemu), clang
    "ufunc/test_robustness.py::test_overlapping_out_unary",  # ~27 s
    "ufunc/test_robustness.py::test_overlapping_out_two_inputs",  # ~12 s
    "ufunc/test_robustness.py::test_overlapping_out_gate_grads",  # ~12 s
    "ufunc/test_robustness.py::test_c_core_tests_pass_at_O0",     # ~6 s: make at -O0
    "softmax/test_softmax_family.py::test_long_rows_sum_to_one",  # ~17 s
    "teaching/test_main.py::test_demo_quick_writes_figures",      # ~19 s: the demo, --quick
    "teaching/test_figures.py",                              # ~19 s: one demo --quick run shared
    "teaching/test_transformer.py::test_backward_matches_central_differences",  # ~6 s
})


@pytest.hookimpl(tryfirst=True)      # before -m deselects by marker
def pytest_collection_modifyitems(config, items):
    for item in items:
        rel = os.path.relpath(str(item.path), HERE).replace(os.sep, "/")
        name = getattr(item, "originalname", None) or item.name.split("[")[0]
        if (rel in SLOW or f"{rel}::{name}" in SLOW
                or item.get_closest_marker("notebooks") is not None):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(params=PATHS, ids=[f"isa={p}" for p in PATHS])
def each_dispatch(request):
    before = pyactx.get_dispatch()
    pyactx.set_dispatch(request.param)
    try:
        yield request.param
    finally:
        pyactx.set_dispatch(before)
