"""Thread speed-up at 1e7 elements: min of 7 calls with pyactx.set_num_threads(1) and (2),
interleaved, in one process.  python benchmarks/threads.py"""
import time, numpy as np, pyactx
rng = np.random.default_rng(0)
for name, dt in (("gelu", np.float64), ("gelu_grad", np.float64), ("sigmoid", np.float32), ("silu", np.float32)):
    x = rng.standard_normal(10**7).astype(dt); y = np.empty_like(x); f = getattr(pyactx, name)
    best = {}
    for rep in range(7):
        for t in (1, 2):
            pyactx.set_num_threads(t); t0 = time.perf_counter(); f(x, out=y); dt_ = time.perf_counter() - t0
            best[t] = min(best.get(t, 1e9), dt_)
    print(f"{name:10s} {np.dtype(dt).name} 1e7: 1 thread {best[1]*1e9/1e7:.3f} ns/el, 2 threads {best[2]*1e9/1e7:.3f} ns/el, speed-up {best[1]/best[2]:.2f}x")
pyactx.set_num_threads(1)
