"""What the JSON records about the machine, the libraries and the pyactx build."""
from __future__ import annotations

import json
import os
import platform
import time

import numpy as np

_CHILD_ENV = "_PYACTX_BENCH_CHILD"
_OPENBLAS_ENV = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


def machine_info(libs, pyactx) -> dict:
    info = {"platform": platform.platform(), "python": platform.python_version(),
            "numpy": np.__version__, "cores_os": os.cpu_count()}
    try:
        info["cores_usable"] = len(os.sched_getaffinity(0))
    except AttributeError:
        info["cores_usable"] = os.cpu_count()
    try:
        with open("/proc/cpuinfo") as fh:
            txt = fh.read()
        for line in txt.splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
        for line in txt.splitlines():
            if line.startswith("flags"):
                flags = set(line.split(":", 1)[1].split())
                info["cpu_flags"] = sorted(flags & {"avx2", "fma", "f16c", "avx512f", "avx512dq",
                                                    "avx512vl", "avx512bw", "avx512_fp16"})
                break
        for line in txt.splitlines():
            if line.startswith("cpu MHz"):
                info["cpu_mhz"] = float(line.split(":", 1)[1])
                break
    except OSError:
        info["cpu"] = platform.processor() or platform.machine()
    try:
        with open("/proc/meminfo") as fh:
            info["mem_total_gib"] = round(int(fh.readline().split()[1]) / 2**20, 1)
    except (OSError, ValueError, IndexError):
        pass
    try:
        info["loadavg_start"] = list(os.getloadavg())
    except OSError:
        pass
    try:
        from numpy._core import _multiarray_umath as mu
        info["numpy_simd"] = {"baseline": list(mu.__cpu_baseline__),
                              "dispatch_usable": [k for k in mu.__cpu_dispatch__
                                                  if mu.__cpu_features__.get(k)]}
    except Exception:
        pass
    env = {k: os.environ.get(k) for k in _OPENBLAS_ENV + ("OMP_NUM_THREADS", "MKL_NUM_THREADS",
                                                          "OPENBLAS_NUM_THREADS", "XLA_FLAGS")}
    info["env"] = env
    unset = os.environ.get(_CHILD_ENV)
    info["openblas_env_unset_for_benchmark"] = json.loads(unset) if unset else None
    try:
        import threadpoolctl
        info["threadpools"] = [{k: d.get(k) for k in ("internal_api", "version", "num_threads",
                                                      "architecture", "threading_layer")}
                               for d in threadpoolctl.threadpool_info()]
    except Exception:
        pass
    info["pyactx"] = {"version": pyactx.__version__, "path": os.path.dirname(pyactx.__file__),
                      "set_num_threads": hasattr(pyactx, "set_num_threads")}
    for key, fname in (("dispatch", "get_dispatch"), ("num_threads", "get_num_threads"),
                       ("available_dispatch", "available_dispatch")):
        fn = getattr(pyactx, fname, None)
        if fn is not None:
            try:
                info["pyactx"][key] = fn()
            except Exception as e:
                info["pyactx"][key] = repr(e)
    if libs is not None:
        info.update({k: v for k, v in libs.info.items()})
    try:
        import matplotlib
        info["matplotlib"] = matplotlib.__version__
    except ImportError:
        pass
    return info


def _so_fingerprint(pyactx):
    """Size, mtime and a hash of the compiled extension: a rebuild during the
    run (several people share a tree) shows up as a change."""
    import hashlib
    path = getattr(pyactx._core, "__file__", None)
    try:
        st = os.stat(path)
        with open(path, "rb") as fh:
            digest = hashlib.sha256(fh.read()).hexdigest()[:16]
        return {"path": path, "size": st.st_size,
                "mtime": time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(st.st_mtime)),
                "sha256_16": digest}
    except (OSError, TypeError):
        return {"path": path}
