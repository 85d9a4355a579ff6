"""Runtime dispatch and the loop thread pool: observable behaviour (speed is
measured by the benchmark, never asserted here)."""
import os
import subprocess
import sys

import numpy as np
import pytest

import pyactx


def test_dispatch_api():
    paths = pyactx.available_dispatch()
    assert paths[-1] == "baseline"
    assert pyactx.get_dispatch() in paths
    before = pyactx.get_dispatch()
    try:
        for p in paths:
            assert pyactx.set_dispatch(p) == p
            assert pyactx.get_dispatch() == p
        assert pyactx.set_dispatch("auto") == paths[0]
        with pytest.raises(ValueError, match="unknown dispatch"):
            pyactx.set_dispatch("sse9")
    finally:
        pyactx.set_dispatch(before)


def test_env_forces_path_and_bad_value_fails_import():
    code = "import pyactx; print(pyactx.get_dispatch())"
    r = subprocess.run([sys.executable, "-c", code], env={**os.environ, "PYACTX_DISPATCH": "baseline"},
                       capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout.strip() == "baseline", r.stderr
    r = subprocess.run([sys.executable, "-c", code], env={**os.environ, "PYACTX_DISPATCH": "nope"},
                       capture_output=True, text=True)
    assert r.returncode != 0 and "PYACTX_DISPATCH=nope" in r.stderr


def test_every_path_agrees_with_baseline_within_the_bound():
    """Paths may differ in the last bits (FMA, vector cores); each is bounded
    against mpmath by the accuracy suite, so two paths differ by <= 8 ULP."""
    x = np.concatenate([np.linspace(-30, 30, 10001), [-745.0, -1e-300, 0.0, 1e-300, 700.0]])
    before = pyactx.get_dispatch()
    try:
        pyactx.set_dispatch("baseline")
        want = {n: getattr(pyactx, n)(x) for n in ("sigmoid", "log_sigmoid", "tanh", "gelu", "silu")}
        for p in pyactx.available_dispatch():
            pyactx.set_dispatch(p)
            for n, w in want.items():
                np.testing.assert_array_max_ulp(getattr(pyactx, n)(x), w, maxulp=8)
    finally:
        pyactx.set_dispatch(before)


def test_num_threads_api():
    before = pyactx.get_num_threads()
    try:
        assert pyactx.set_num_threads(3) == 3
        assert pyactx.get_num_threads() == 3
        with pytest.raises(ValueError):
            pyactx.set_num_threads(0)
        assert pyactx.set_num_threads(10**6) == 64
    finally:
        pyactx.set_num_threads(before)


def test_env_sets_num_threads():
    r = subprocess.run([sys.executable, "-c", "import pyactx; print(pyactx.get_num_threads())"],
                       env={**os.environ, "PYACTX_NUM_THREADS": "5"}, capture_output=True, text=True)
    assert r.stdout.strip() == "5", r.stderr


@pytest.mark.parametrize("name", ["gelu", "sigmoid", "softplus", "glu", "softmax", "logsumexp",
                                  "softmax_vjp", "cross_entropy_grad"])
def test_results_bit_identical_for_any_thread_count(name):
    rng = np.random.default_rng(7)
    fn = getattr(pyactx, name)
    nin = fn.nin if hasattr(fn, "nin") else 1
    if name.startswith("cross_entropy"):
        args = (rng.standard_normal((300, 700)), rng.integers(0, 700, 300))
    elif name in ("softmax", "logsumexp", "softmax_vjp"):
        args = tuple(rng.standard_normal((300, 700)) for _ in range(nin))
    else:
        args = tuple(rng.standard_normal(300_001) * 10 for _ in range(nin))
    before = pyactx.get_num_threads()
    try:
        results = []
        for t in (1, 2, 3, 7):
            pyactx.set_num_threads(t)
            results.append(fn(*args))
    finally:
        pyactx.set_num_threads(before)
    for r in results[1:]:
        np.testing.assert_array_equal(r, results[0])


def test_flags_from_worker_threads_reach_numpy():
    x = np.full(1_000_000, 0.5)
    x[-1] = 2.0          # lands in the last chunk, computed on a worker
    before = pyactx.get_num_threads()
    try:
        pyactx.set_num_threads(2)
        with np.errstate(invalid="raise"):
            with pytest.raises(FloatingPointError, match="invalid"):
                pyactx.logit(x)
        with np.errstate(all="raise"):
            pyactx.logit(x[:-1])          # clean input: no flag from any thread
    finally:
        pyactx.set_num_threads(before)
