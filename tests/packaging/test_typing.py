"""Type stubs: pyactx/__init__.pyi and pyactx/ufuncs.pyi (+ py.typed).

* the committed stubs are what tools/generate_stubs.py makes from the spec;
* they name exactly the runtime's public objects, with the wrappers' real
  parameter names;
* mypy (through its API, one run, ~5 s) accepts ordinary calls and rejects
  nonsense: a wrong keyword (``leaky_relu(x, slope=0.2)``), too many
  positional arguments (``gelu("abc", 3, 4, 5)``), a string input, where=
  on a gufunc, axis= on softmax_jacobian, a float label.
"""
from __future__ import annotations

import ast
import inspect
import os
import re
import runpy
import sys
import textwrap

import numpy as np
import pytest

import pyactx

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PKG = os.path.join(ROOT, "pyactx")
STUB_INIT = os.path.join(PKG, "__init__.pyi")
STUB_UFUNCS = os.path.join(PKG, "ufuncs.pyi")

pytestmark = pytest.mark.skipif(not os.path.exists(STUB_INIT),
                                reason="no source tree beside the tests (installed package)")


def _stub_names(path):
    tree = ast.parse(open(path, encoding="utf-8").read(), path)
    names = set()
    for node in tree.body:
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.ImportFrom):
            # in a stub only `import a as a` re-exports
            names.update(a.asname for a in node.names if a.asname == a.name)
    return names, tree


def test_py_typed_marker_present():
    assert os.path.exists(os.path.join(PKG, "py.typed"))


def test_stubs_are_up_to_date():
    gen = runpy.run_path(os.path.join(ROOT, "tools", "generate_stubs.py"), run_name="gen_stubs")
    assert gen["main"](["--check"]) == 0, "run: python tools/generate_stubs.py"


def test_stubs_name_every_public_object():
    names, _ = _stub_names(STUB_INIT)
    missing = sorted(n for n in pyactx.__all__ if n not in names)
    assert not missing, f"pyactx.__all__ names missing from __init__.pyi: {missing}"
    unames, _ = _stub_names(STUB_UFUNCS)
    missing = sorted(n for n in pyactx.ufuncs.__all__ if n not in unames)
    assert not missing, f"pyactx.ufuncs names missing from ufuncs.pyi: {missing}"
    # and nothing public in the stubs that the runtime lacks
    extra = sorted(n for n in names if not n.startswith("_") and not hasattr(pyactx, n))
    assert not extra, f"__init__.pyi names absent at run time: {extra}"


def test_wrapper_protocols_match_runtime_signatures():
    _, tree = _stub_names(STUB_INIT)
    protos = {n.name: n for n in tree.body if isinstance(n, ast.ClassDef) and n.name.endswith("_fn")}
    for info in pyactx.ACTIVATIONS.values():
        if not info.params:
            continue
        for fn in (info.forward, info.grad):
            proto = protos[f"_{fn.__name__}_fn"]
            calls = [f for f in proto.body if isinstance(f, ast.FunctionDef) and f.name == "__call__"]
            runtime = inspect.signature(fn)
            for c in calls:
                stub_params = [a.arg for a in c.args.args[1:]] + [a.arg for a in c.args.kwonlyargs]
                assert stub_params == list(runtime.parameters), (fn.__name__, stub_params)


OK_SNIPPET = """
    import numpy as np
    import pyactx
    from pyactx import ufuncs

    x = np.linspace(-1.0, 1.0, 5)
    m = np.ones((2, 3))
    a = pyactx.softmax(x, axis=0)
    b = pyactx.leaky_relu(x, negative_slope=0.2)
    c = pyactx.gelu(x)
    d = float(pyactx.logsumexp(m, axis=1, keepdims=True).sum())
    e = pyactx.cross_entropy(m, np.array([0, 1]))
    ga, gb = pyactx.glu_grad(x, x)
    f = ufuncs.leaky_relu(x, 0.1, out=np.empty(5))
    g = pyactx.leaky_relu.ufunc(x, 0.3)
    h = pyactx.gelu(1.0)
    i = pyactx.softmax_jacobian(x, axes=[(0,), (0, 1)])
    j = pyactx.ACTIVATIONS["gelu"].formula.upper()
    k = pyactx.gelu(x, out=np.empty(5), where=x > 0, casting="same_kind")
    n = pyactx.set_num_threads(2) + pyactx.get_num_threads()
    o = pyactx.softmax_vjp(m, m, axis=-1)
    p = pyactx.elu_grad(x, alpha=np.float32(0.5), dtype=np.float32)
    q = pyactx.hard_swish(x)
    r: np.ufunc = pyactx.softplus.ufunc
    s: np.ufunc = pyactx.softmax
    t = [pyactx.gelu, pyactx.tanh][0](x)
    u = pyactx.ACTIVATIONS["elu"].defaults["alpha"] + 1.0
    v = pyactx.SOFTMAX_FAMILY["softmax"].signature.split(",")
"""

# each line must be reported by mypy
BAD_LINES = [
    "pyactx.leaky_relu(x, slope=0.2)",
    'pyactx.gelu("abc", 3, 4, 5)',
    'pyactx.gelu("abc")',
    "pyactx.softmax(x, where=x > 0)",
    "pyactx.softmax_jacobian(x, axis=0)",
    "pyactx.gelu(x, axis=0)",
    "pyactx.cross_entropy(x, 0.5)",
    "pyactx.elu(x, beta=1.0)",
    "pyactx.glu(x)",
    "pyactx.softplus(x, 1.0, 2.0, 3.0)",
    'pyactx.gelu(x, casting="sometimes")',
    "pyactx.not_an_activation(x)",
    "pyactx.ACTIVATIONS['gelu'].nonexistent_field",
    "pyactx.set_num_threads('four')",
]


def test_mypy_accepts_good_and_rejects_nonsense(tmp_path):
    api = pytest.importorskip("mypy.api")
    ok = tmp_path / "snippet_ok.py"
    ok.write_text(textwrap.dedent(OK_SNIPPET))
    bad = tmp_path / "snippet_bad.py"
    bad.write_text("import numpy as np\nimport pyactx\nx = np.linspace(-1.0, 1.0, 5)\n"
                   + "\n".join(BAD_LINES) + "\n")
    first_bad = 4
    cwd = os.getcwd()
    os.chdir(ROOT)                        # mypy finds ./pyactx (the stubs) first
    try:
        stdout, stderr, status = api.run([
            "--no-incremental", "--cache-dir", str(tmp_path / "cache"), "--hide-error-context",
            "--no-pretty", "--no-error-summary", "--follow-imports=silent",
            "--python-executable", sys.executable,
            str(ok), str(bad), STUB_INIT, STUB_UFUNCS])
    finally:
        os.chdir(cwd)
    errors = [line for line in stdout.splitlines() if ": error:" in line]
    ok_errors = [e for e in errors if "snippet_ok.py" in e]
    stub_errors = [e for e in errors if ".pyi" in e]
    assert not stub_errors, "\n".join(stub_errors)
    assert not ok_errors, "\n".join(ok_errors)
    flagged = {int(m.group(1)) for e in errors if "snippet_bad.py" in e
               for m in [re.search(r"snippet_bad\.py:(\d+):", e)] if m}
    for k, line in enumerate(BAD_LINES):
        assert first_bad + k in flagged, f"mypy accepted: {line}\n{stdout}"
    assert status == 1, stderr


def test_runtime_agrees_with_the_stub_on_rejections():
    """what the stub rejects also fails at run time (the stub is not stricter
    than the code in ways that matter)"""
    x = np.linspace(-1.0, 1.0, 5)
    with pytest.raises(TypeError):
        pyactx.leaky_relu(x, slope=0.2)
    with pytest.raises(TypeError):
        pyactx.gelu("abc", 3, 4, 5)
    with pytest.raises(TypeError):
        pyactx.gelu("abc")
    with pytest.raises(TypeError):
        pyactx.softmax(x, where=x > 0)
    with pytest.raises(TypeError):
        pyactx.gelu(x, axis=0)
    with pytest.raises(TypeError):
        pyactx.cross_entropy(x, 0.5)
    with pytest.raises(TypeError):
        pyactx.elu(x, beta=1.0)
    with pytest.raises(ValueError):
        pyactx.gelu(x, casting="sometimes")
