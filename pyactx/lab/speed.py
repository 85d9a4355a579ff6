"""Speed: pyactx against NumPy, SciPy and PyTorch, ns per element on one thread (timed through
:func:`pyactx.bench.timing.time_call`), and the machine it ran on.
"""

from __future__ import annotations

import importlib
import math
import os
import platform
from typing import Callable, Dict, List, Optional, Sequence

import numpy as np

import pyactx
from pyactx.bench.timing import time_call

from .activations import SEED
from .text import format_table


def machine_info() -> Dict[str, str]:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    info = {"cpu": cpu, "logical cpus": str(os.cpu_count()), "os": platform.platform(),
            "python": platform.python_version(), "numpy": np.__version__,
            "pyactx": getattr(pyactx, "__version__", "?")}
    for mod in ("scipy", "torch"):
        m = _optional(mod)
        info[mod] = m.__version__ if m is not None else "not installed"
    return info


def _optional(name: str):
    try:
        return importlib.import_module(name)
    except Exception:
        return None


def _peers(x: np.ndarray, rows: np.ndarray):
    """(function, implementation, callable) for every implementation available here."""
    sp = _optional("scipy.special")
    torch = _optional("torch")
    s2 = math.sqrt(2.0)
    out = [
        ("sigmoid", "pyactx", lambda: pyactx.sigmoid(x)),
        ("sigmoid", "numpy 1/(1+exp(-x))", lambda: 1 / (1 + np.exp(-x))),
        ("sigmoid_grad", "pyactx", lambda: pyactx.sigmoid_grad(x)),
        ("sigmoid_grad", "numpy s*(1-s)", lambda: (lambda s: s * (1 - s))(1 / (1 + np.exp(-x)))),
        ("tanh", "pyactx", lambda: pyactx.tanh(x)),
        ("tanh", "numpy np.tanh", lambda: np.tanh(x)),
        ("relu", "pyactx", lambda: pyactx.relu(x)),
        ("relu", "numpy np.maximum(x, 0)", lambda: np.maximum(x, 0)),
        ("gelu", "pyactx", lambda: pyactx.gelu(x)),
        ("silu", "pyactx", lambda: pyactx.silu(x)),
        ("silu", "numpy x/(1+exp(-x))", lambda: x / (1 + np.exp(-x))),
        ("softplus", "pyactx", lambda: pyactx.softplus(x)),
        ("softplus", "numpy logaddexp(0, x)", lambda: np.logaddexp(0, x)),
        ("softmax (1000 x 1000)", "pyactx", lambda: pyactx.softmax(rows)),
        ("softmax (1000 x 1000)", "numpy (stable, 4 passes)",
         lambda: (lambda e: e / e.sum(-1, keepdims=True))(np.exp(rows - rows.max(-1, keepdims=True)))),
        ("log_softmax (1000 x 1000)", "pyactx", lambda: pyactx.log_softmax(rows)),
        ("logsumexp (1000 x 1000)", "pyactx", lambda: pyactx.logsumexp(rows)),
    ]
    if sp is not None:
        out += [
            ("sigmoid", "scipy expit", lambda: sp.expit(x)),
            ("gelu", "scipy 0.5*x*erfc(-x/sqrt2)", lambda: 0.5 * x * sp.erfc(-x / s2)),
            ("softmax (1000 x 1000)", "scipy softmax", lambda: sp.softmax(rows, axis=-1)),
            ("log_softmax (1000 x 1000)", "scipy log_softmax", lambda: sp.log_softmax(rows, axis=-1)),
            ("logsumexp (1000 x 1000)", "scipy logsumexp", lambda: sp.logsumexp(rows, axis=-1)),
        ]
    if torch is not None:
        tx, tr = torch.from_numpy(x), torch.from_numpy(rows)
        F = torch.nn.functional
        out += [
            ("sigmoid", "torch", lambda: torch.sigmoid(tx)),
            ("tanh", "torch", lambda: torch.tanh(tx)),
            ("relu", "torch", lambda: torch.relu(tx)),
            ("gelu", "torch", lambda: F.gelu(tx)),
            ("silu", "torch", lambda: F.silu(tx)),
            ("softplus", "torch", lambda: F.softplus(tx)),
            ("softmax (1000 x 1000)", "torch", lambda: torch.softmax(tr, -1)),
            ("log_softmax (1000 x 1000)", "torch", lambda: torch.log_softmax(tr, -1)),
            ("logsumexp (1000 x 1000)", "torch", lambda: torch.logsumexp(tr, -1)),
        ]
    order = {}
    for fn, _, _ in out:
        order.setdefault(fn, len(order))
    return sorted(out, key=lambda r: (order[r[0]], r[1] != "pyactx"))


def speed_table(n: int = 1_000_000, dtypes=(np.float32, np.float64), repeat: int = 7,
                min_time: float = 0.02, seed: int = SEED, functions: Optional[Sequence[str]] = None,
                progress: Optional[Callable[[], None]] = None) -> List[dict]:
    """Time pyactx and every available peer on ``n`` N(0, 3) values (rows: a 1000 x 1000
    array scaled to ``n``) and return rows with ns per element and the ratio to pyactx.

    Every implementation runs on one thread: PyTorch (when installed) and pyactx (if it
    offers ``set_num_threads``) are set to one thread for the measurement and restored after.
    """
    torch = _optional("torch")
    threads = ours = None
    if torch is not None:
        threads = torch.get_num_threads()
        torch.set_num_threads(1)
    if hasattr(pyactx, "set_num_threads") and hasattr(pyactx, "get_num_threads"):
        ours = pyactx.get_num_threads()
        pyactx.set_num_threads(1)
    rng = np.random.default_rng(seed)
    rows_out = []
    try:
        for dt in dtypes:
            x = (rng.standard_normal(n) * 3).astype(dt)
            side = int(round(math.sqrt(n)))
            rows = (rng.standard_normal((side, side)) * 3).astype(dt)
            base = {}
            for fname, impl, fn in _peers(x, rows):
                if functions is not None and fname.split(" ")[0] not in functions:
                    continue
                label = fname.replace("1000 x 1000", f"{side} x {side}")
                with np.errstate(all="ignore"):
                    sec = time_call(fn, repeat=repeat, min_time=min_time)
                ns = sec * 1e9 / (rows.size if "(" in fname else x.size)
                if impl == "pyactx":
                    base[fname] = ns
                rows_out.append({"function": label, "implementation": impl, "dtype": np.dtype(dt).name,
                                 "ns_per_element": ns, "vs_pyactx": ns / base.get(fname, float("nan"))})
                if progress:
                    progress()
    finally:
        if threads is not None:
            torch.set_num_threads(threads)
        if ours is not None:
            pyactx.set_num_threads(ours)
    return rows_out


def speed_text(rows: List[dict]) -> str:
    return format_table([[r["function"], r["implementation"], r["dtype"], r["ns_per_element"],
                          r["vs_pyactx"]] for r in rows],
                        ["function", "implementation", "dtype", "ns/element", "time / pyactx"])
