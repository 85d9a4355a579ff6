"""benchmarks/peer_accuracy.py: the error measure and a small run.

The script measures pyactx and the benchmark's peers on the benchmark's own
inputs; these tests check its ULP measure on values whose error is known,
the cancellation rule next to a root, the join with a benchmark JSON, and
that a small run tells an accurate implementation from an inaccurate one.
"""
import importlib.util
import json
import os

import numpy as np
import pytest

import pyactx

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, os.pardir, os.pardir, "benchmarks", "peer_accuracy.py")


@pytest.fixture(scope="module")
def pa():
    spec = importlib.util.spec_from_file_location("peer_accuracy", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_ulp_error_on_known_values(pa):
    f32 = np.float32
    exact = np.array([1.0, 1.0, 2.0 ** -140, 3.0, np.inf, 1.0, 1.0, 1e39], np.float64)
    got = np.array([1.0, 1.0 + 2.0 ** -23, 2.0 ** -140 + 2.0 ** -149, 3.0 - 2.0 ** -21,
                    np.inf, np.nan, np.inf, np.inf], np.float64)
    err = pa.ulp_error(got.astype(f32), exact, f32)
    # 0; one ULP at 1; one subnormal step; 2 ULPs of [2, 4); inf = inf;
    # NaN and inf where the value is finite; 1e39 rounds to inf in float32
    assert err.tolist() == [0.0, 1.0, 1.0, 2.0, 0.0, np.inf, np.inf, 0.0]
    # float64 against a long double exact value: half an ULP
    if np.finfo(np.longdouble).nmant > 52:
        e = np.array([1 + np.longdouble(2.0) ** -53], np.longdouble)
        assert pa.ulp_error(np.array([1.0]), e, np.float64).tolist() == [0.5]


def test_root_error_uses_the_term_scale_beyond_the_limit(pa):
    # f = 2^-30 with terms of size S = 1: kappa = 2^30 > limit 4 -> ULPs of S
    exact = np.array([2.0 ** -30, 2.0 ** -30], np.longdouble)
    S = np.array([1.0, 2.0 ** -30])
    got = np.array([2.0 ** -30 + 2.0 ** -52, 2.0 ** -30 + 2.0 ** -82])
    err = pa.root_error(got, (exact, 4.0, S), np.float64)
    # the first: 2^-52 = 1 ULP of S = 1 (2^22 ULPs of f); the second has
    # kappa 1 and stays in ULPs of f: 2^-82 = one ULP of 2^-30
    assert err.tolist() == [1.0, 1.0]


def test_small_run_separates_accurate_from_inaccurate(pa):
    pytest.importorskip("scipy")
    pytest.importorskip("mpmath")
    rows = pa.measure(["gelu"], ["float32"], 2000, ["numpy"])
    got = {(r["func"], r["impl"]): r for r in rows}
    assert set(got) == {("gelu", "pyactx"), ("gelu", "numpy"), ("gelu_grad", "pyactx"),
                        ("gelu_grad", "numpy")}
    for name in ("gelu", "gelu_grad"):
        assert got[(name, "pyactx")]["max_ulp"] <= pa.BOUND
        assert got[(name, "pyactx")]["over_4_ulp"] == 0
    # x Phi(x) as x (1 + erf(x/sqrt 2))/2 cancels in the left tail: far off
    assert got[("gelu", "numpy")]["max_ulp"] > 1000
    assert got[("gelu", "numpy")]["over_4_ulp"] > 0.05


def test_softmax_vjp_is_measured_at_its_term_scale(pa):
    """softmax_vjp cancels wherever g_i ~ sum y g: measured in ULPs of its
    term scale (as tests/softmax measures it), pyactx's float64 rows stay
    within the 4-ULP bar; in ULPs of the value itself they would not."""
    if pa.wide_dtype(np.float64) is None:
        pytest.skip("long double is double here: no float64 reference")
    (row,) = pa.measure(["softmax_vjp"], ["float64"], 4000, [])
    assert row["impl"] == "pyactx" and row["max_ulp"] <= pa.BOUND
    from pyactx.bench.libs import Libs
    c, w = pa.twin_contexts("float64", 4000, Libs([]))
    got = pyactx.softmax_vjp(c.X, c.G).reshape(-1)
    exact = pyactx.softmax_vjp(w.X, w.G).reshape(-1)
    assert pa.ulp_error(got, exact, np.float64).max() > 100     # the plain measure


def test_losses_lists_the_faster_peers_with_their_error(pa, tmp_path):
    rows = [{"func": "gelu", "dtype": "float32", "impl": "torch", "max_ulp": 1e7,
             "over_4_ulp": 0.3, "p99_9_ulp": 1e7, "worst_index": 0},
            {"func": "gelu", "dtype": "float32", "impl": "pyactx", "max_ulp": 0.5,
             "over_4_ulp": 0.0, "p99_9_ulp": 0.5, "worst_index": 0},
            {"func": "glu", "dtype": "float32", "impl": "torch", "max_ulp": 2.2,
             "over_4_ulp": 0.0, "p99_9_ulp": 2.0, "worst_index": 0}]
    cases = [{"func": "gelu", "dtype": "float32", "size": 10**5, "nthreads": 1,
              "speedup": {"torch": 0.3, "numpy": 9.0}},
             {"func": "glu", "dtype": "float32", "size": 10**6, "nthreads": 1,
              "speedup": {"torch": 0.9}},
             {"func": "glu", "dtype": "float32", "size": 10**7, "nthreads": 1,
              "speedup": {"torch": 0.5}},          # not a 1e5/1e6 case
             {"func": "relu", "dtype": "float32", "size": 10**5, "nthreads": 2,
              "speedup": {"torch": 0.5}}]          # not 1 thread
    path = tmp_path / "bench.json"
    path.write_text(json.dumps({"cases": cases}))
    head, body = pa.losses(rows, str(path))
    assert head.startswith("cases where a peer is faster (threads=1, 1e5 and 1e6): 2;")
    assert "within 4 ULP on every input in 1, exceeds it in 1" in head
    lines = body.splitlines()[2:]
    assert len(lines) == 2
    assert lines[0].startswith("| glu | float32 | 1e+06 | torch | 0.90 | 2.2 |")
    assert lines[1].startswith("| gelu | float32 | 1e+05 | torch | 0.30 | 1.00e+07 | 30 % | 0.5 |")


def test_wide_format(pa):
    assert pa.wide_dtype(np.float32) == np.float64
    ld = pa.wide_dtype(np.float64)
    assert ld is None or np.finfo(ld).nmant > 52
