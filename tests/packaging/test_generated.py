"""Every file derived from the spec (pyactx/_spec.py) is up to date: the C
registration table and loop instances, the constants, the type stubs, the
README's function tables, and reference data for every elementwise function.
`python tools/regenerate.py` rewrites them; this runs its --check."""
import ast
import os
import shutil
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_derived_files_are_up_to_date():
    r = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "regenerate.py"), "--check"],
                       cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


def _setup_py_tree():
    with open(os.path.join(ROOT, "setup.py")) as f:
        return ast.parse(f.read())


def test_setup_py_runs_no_generator():
    """The build only reads the source tree: setup.py neither imports nor runs
    a generator (they are run by hand, and checked above).  Its one use of
    subprocess is the compiler probe, _gcc_flags, which runs the C compiler."""
    tree = _setup_py_tree()
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    names |= {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
    imported = {a.name for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))
                for a in n.names}
    for word in ("runpy", "run_path", "open", "exec", "eval"):
        assert word not in names | imported, word
    assert not any(n.startswith(("generate_", "regenerate")) for n in names | imported)
    for func in ast.walk(tree):
        if isinstance(func, ast.FunctionDef) and func.name != "_gcc_flags":
            used = {n.value.id for n in ast.walk(func)
                    if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name)}
            assert "subprocess" not in used, func.name
    top = [n for n in tree.body if not isinstance(n, (ast.FunctionDef, ast.ClassDef))]
    assert not any(isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name)
                   and n.value.id == "subprocess" for t in top for n in ast.walk(t))


def _gcc_flags():
    """setup.py's _gcc_flags, taken out of the file (setup.py runs setup() when
    imported)."""
    func = next(n for n in _setup_py_tree().body
                if isinstance(n, ast.FunctionDef) and n.name == "_gcc_flags")
    ns = {"os": os, "subprocess": subprocess}
    exec(compile(ast.Module(body=[func], type_ignores=[]), "setup.py", "exec"), ns)
    return ns["_gcc_flags"]


PARAM = ["--param=vect-epilogues-nomask=0"]


@pytest.mark.skipif(shutil.which("gcc") is None, reason="needs gcc")
def test_setup_py_gives_gcc_its_param_and_nothing_it_rejects():
    """The AVX2 table's --param (setup.py, GCC_LOOP_FLAGS) reaches GCC, with
    the compiler's own flags in the command; a param GCC does not know is
    dropped, not passed on to fail the build."""
    gcc_flags = _gcc_flags()
    assert gcc_flags(["gcc", "-O3", "-fPIC"], PARAM) == PARAM
    assert gcc_flags(["gcc"], ["--param=pyactx-no-such-param=0"]) == []
    assert gcc_flags(["gcc"], []) == []


@pytest.mark.skipif(shutil.which("clang") is None, reason="needs clang")
def test_setup_py_gives_clang_no_gcc_param():
    """clang takes a --param with a warning and ignores it: it gets none."""
    assert _gcc_flags()(["clang", "-O3"], PARAM) == []


def test_setup_py_without_a_compiler_gives_no_param():
    assert _gcc_flags()(["pyactx-no-such-compiler"], PARAM) == []


def test_readme_accuracy_table_is_what_the_kernels_measure():
    """README.md's accuracy table is `python tools/accuracy_report.py --readme`
    run on the path it names: a kernel whose error moved makes this fail until
    the table is rewritten (the measurement is deterministic on a path)."""
    import re

    import pytest

    import pyactx
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as f:
        readme = f.read()
    block = readme.split("<!-- BEGIN ACCURACY TABLE -->\n", 1)[1].split("<!-- END ACCURACY TABLE -->", 1)[0]
    path = re.search(r"max error, path (\w+)", block).group(1)
    if path not in pyactx.available_dispatch():
        pytest.skip(f"the README's table was measured on the {path} path, which this CPU lacks")
    r = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "accuracy_report.py"), "--path", path],
                       cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    # Every column is pyactx's own arithmetic, the same bits on every x86
    # CPU, but the long double kernels' libm (expl, log1pl, ...), whose x87
    # transcendental instructions round differently on AMD and Intel cores:
    # celu_grad's long double maximum is 0.78 ULP on the Intel Xeon and 0.73
    # on the AMD EPYC of this project's sessions, same code, same data.  So
    # that column, and the long double figure of the last line, may differ
    # by up to 0.1 ULP; everything else must match exactly.
    got, want = r.stdout.strip().splitlines(), block.strip().splitlines()
    stale = "README.md's accuracy table is stale; run `python tools/accuracy_report.py --readme`"
    assert len(got) == len(want), stale
    for g, w in zip(got, want):
        if g == w:
            continue
        if g.startswith("| `"):
            gc, wc = g.split("|"), w.split("|")
            ld = 4                              # | output | float64 | float32 | longdouble |
            assert len(gc) == len(wc) and gc[:ld] + gc[ld + 1:] == wc[:ld] + wc[ld + 1:], (stale, g, w)
            assert abs(float(gc[ld]) - float(wc[ld])) <= 0.1, (stale, g, w)
        else:
            pat = re.compile(r"longdouble ([0-9.]+) ULP")
            mg, mw = pat.search(g), pat.search(w)
            assert mg and mw and pat.sub("", g) == pat.sub("", w), (stale, g, w)
            assert abs(float(mg.group(1)) - float(mw.group(1))) <= 0.1, (stale, g, w)
