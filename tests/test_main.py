"""The command-line entry points of the README: the tour, info, and the main
job (`python -m pyactx demo`, here in its --quick form) run and produce output."""
import os
import subprocess
import sys


def _run(args, **kw):
    return subprocess.run([sys.executable, "-m", "pyactx", *args], capture_output=True, text=True,
                          timeout=600, **kw)


def test_tour_lists_every_function():
    import pyactx
    r = _run([])
    assert r.returncode == 0, r.stderr
    for name in pyactx.ACTIVATIONS:
        assert name in r.stdout
    assert "softmax" in r.stdout and "[[" in r.stdout


def test_info():
    r = _run(["info"])
    assert r.returncode == 0, r.stderr
    assert "pyactx" in r.stdout and "numpy" in r.stdout and "dispatch" in r.stdout


def test_demo_quick_writes_figures(tmp_path):
    out = tmp_path / "figs"
    env = {**os.environ, "MPLBACKEND": "Agg"}
    r = _run(["demo", "--quick", "--out", str(out)], env=env)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    pngs = list(out.glob("*.png"))
    assert len(pngs) >= 10, pngs
    assert all(p.stat().st_size > 5000 for p in pngs)
