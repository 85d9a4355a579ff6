"""The benchmark harness runs in a tiny configuration and writes valid JSON.

No timing is asserted: this only checks that ``python -m pyactx bench`` (the
``pyactx.bench`` module) works with whatever peers are installed, skips the
missing ones with a note, and writes the files it promises.
"""
import json
import os
import sys

import pytest

import pyactx
from pyactx import bench


def _run(tmp_path, *extra):
    argv = ["--funcs", "sigmoid,softmax", "--sizes", "1e3", "--dtypes", "float32",
            "--threads", "1", "--repeats", "1", "--budget", "0", "--out", str(tmp_path),
            "--tag", "smoke", "--keep-openblas-env", *extra]
    assert bench.main(argv) == 0
    path = tmp_path / "bench-smoke.json"
    with open(path) as fh:
        return json.load(fh)


def test_tiny_run_writes_valid_json(tmp_path, capsys):
    res = _run(tmp_path, "--peers", "numpy,scipy,numexpr,floor")
    out = capsys.readouterr().out
    assert "pyactx benchmark" in out and "== All cases ==" in out
    assert res["schema"] == bench.SCHEMA
    assert (tmp_path / "bench-smoke.txt").read_text().startswith("pyactx benchmark")
    funcs = {c["func"] for c in res["cases"]}
    # sigmoid selects its derivative too; softmax adds the 1000x1000 axis=1 case
    assert {"sigmoid", "sigmoid_grad", "softmax", "softmax_1000x1000_axis1"} <= funcs
    for case in res["cases"]:
        assert case["ns_per_el"]["pyactx"] > 0
        assert case["ns_per_el"]["floor"] > 0
        for peer, ratio in case["speedup"].items():
            assert peer in bench.PEERS and ratio > 0
        assert not case.get("disagree"), case        # every mapping computes the same function
    m = res["machine"]
    assert m["numpy"] and m["cores_usable"] >= 1 and "env" in m
    assert m["pyactx"]["version"] == pyactx.__version__
    assert isinstance(res["summary"]["peers_faster_at_1e5_1e6"], dict)
    assert "sigmoid" in res["mappings"] and "numpy" in res["mappings"]["sigmoid"]


def test_every_peer_installed_or_noted(tmp_path):
    """Default peers: each one either ran or is reported as skipped."""
    pytest.importorskip("scipy")
    res = _run(tmp_path, "--funcs", "silu", "--no-plot")
    for peer, info in res["peers"].items():
        ran = any(peer in c["ns_per_el"] for c in res["cases"])
        if info["available"]:
            assert ran, peer
        else:
            assert not ran and any(peer in n for n in res["notes"]), peer


def test_every_registry_function_has_a_numpy_mapping():
    names = {f.name for f in bench.all_funcs(pyactx)}
    missing = sorted(n for n in names if "numpy" not in bench.MAPPINGS.get(n, {}))
    assert not missing
    assert not set(bench.MAPPINGS) - names      # no stale entries


def test_cli_rejects_unknown_function():
    with pytest.raises(SystemExit):
        bench.parse_args(["--funcs", "no_such_activation"])


@pytest.mark.skipif(sys.platform != "linux", reason="re-exec only matters where OpenBLAS env is set")
def test_openblas_env_is_not_touched_in_process(monkeypatch, tmp_path):
    """With --keep-openblas-env (as here) main() must never re-exec the test process."""
    monkeypatch.setenv("OPENBLAS_CORETYPE", "Haswell")
    monkeypatch.delenv(bench._CHILD_ENV, raising=False)
    called = []
    monkeypatch.setattr(os, "execve", lambda *a: called.append(a))
    _run(tmp_path, "--peers", "numpy,floor", "--funcs", "relu", "--no-plot")
    assert not called


def test_package_runs_as_a_module():
    """The OpenBLAS re-exec runs ``python -m pyactx.bench``: the package needs a __main__."""
    import importlib.util
    assert importlib.util.find_spec("pyactx.bench.__main__") is not None
