"""Every file derived from the spec (pyactx/_spec.py) is up to date: the C
registration table and loop instances, the constants, the type stubs, the
README's function tables, and reference data for every elementwise function.
`python tools/regenerate.py` rewrites them; this runs its --check."""
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_derived_files_are_up_to_date():
    r = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "regenerate.py"), "--check"],
                       cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


def test_setup_py_runs_no_generator():
    """The build only reads the source tree: setup.py neither imports nor runs
    a generator (they are run by hand, and checked above)."""
    with open(os.path.join(ROOT, "setup.py")) as f:
        text = f.read()
    code = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith(("#", "*")))
    for word in ("generate_", "regenerate", "runpy", "run_path", "subprocess", "open("):
        assert word not in code.split('"""')[-1], word


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
