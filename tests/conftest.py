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
"""
import os
import sys

import pytest

import pyactx

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

PATHS = pyactx.available_dispatch()


@pytest.fixture(params=PATHS, ids=[f"isa={p}" for p in PATHS])
def each_dispatch(request):
    before = pyactx.get_dispatch()
    pyactx.set_dispatch(request.param)
    try:
        yield request.param
    finally:
        pyactx.set_dispatch(before)
