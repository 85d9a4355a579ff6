"""Depth: plain MLPs against residual + LayerNorm networks, each at its own learning rate.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np

from .activations import CORE, SEED
from .data import Dataset
from .models import make_mlp
from .text import format_table
from .training import fit, split_validation


@dataclass
class DepthSweep:
    dataset: str
    names: List[str]
    depths: Tuple[int, ...]
    seeds: Tuple[int, ...]
    lrs: Dict
    epochs: int
    width: int
    # (architecture, activation) -> key -> array [depth, seed]; architecture "plain" or "residual+LN"
    results: Dict[Tuple[str, str], Dict[str, np.ndarray]]
    seconds: float
    chance_loss: float

    ARCHS = ("plain", "residual+LN")

    def mean(self, arch: str, name: str, key: str = "test_acc") -> np.ndarray:
        return np.nanmean(self.results[(arch, name)][key], axis=1)

    def trains(self, arch: str, name: str, frac: float = 0.5) -> np.ndarray:
        """Per depth: does the mean final training loss fall below ``frac`` times the chance
        loss ln(classes)?"""
        v = self.results[(arch, name)]["final_train_loss"]
        m = np.array([np.nanmean(r) if np.any(np.isfinite(r)) else np.inf for r in v])
        return m < frac * self.chance_loss

    def table(self, key: str = "test_acc") -> str:
        pct = key.endswith("acc")
        rows = []
        for arch in self.ARCHS:
            for n in self.names:
                r = self.results[(arch, n)][key]
                rows.append([arch, n] + [f"{100 * np.nanmean(v):.1f}" if pct else f"{np.nanmean(v):.3f}"
                                         for v in r])
        return format_table(rows, ["network", "activation"] + [f"depth {d}" for d in self.depths])

    def status(self, arch: str, name: str) -> List[str]:
        """Per depth: "trains" (mean final training loss below a quarter of the chance loss
        ln(classes)), "chance" (above 90% of it) or "partly" (in between)."""
        v = self.results[(arch, name)]["final_train_loss"]
        out = []
        for r in v:
            m = np.nanmean(r) if np.any(np.isfinite(r)) else np.inf
            out.append("trains" if m < 0.25 * self.chance_loss else
                       "chance" if m > 0.9 * self.chance_loss else "partly")
        return out

    def sentences(self) -> List[str]:
        out = [f"Criterion: a network 'trains' when its mean final training loss is below a quarter of "
               f"the chance loss ln {int(round(math.exp(self.chance_loss)))} = {self.chance_loss:.2f}, and is "
               f"'at chance' above 90% of it."]
        for arch in self.ARCHS:
            parts = []
            for n in self.names:
                st = self.status(arch, n)
                ok = [d for d, x in zip(self.depths, st) if x == "trains"]
                ch = [d for d, x in zip(self.depths, st) if x == "chance"]
                if len(ok) == len(self.depths):
                    parts.append(f"{n} trains at every depth")
                    continue
                txt = f"{n} trains up to depth {ok[-1]}" if ok and ok == list(self.depths[:len(ok)]) else \
                    (f"{n} trains at depths {', '.join(map(str, ok))}" if ok else f"{n} trains at no depth")
                if ch:
                    txt += f", at chance from depth {ch[0]}" if ch == list(self.depths[-len(ch):]) else \
                        f", at chance at depths {', '.join(map(str, ch))}"
                parts.append(txt)
            out.append(f"{arch}: " + "; ".join(parts) + ".")
        deepest = self.depths[-1]
        acc = {(a, n): 100 * self.mean(a, n)[-1] for a in self.ARCHS for n in self.names}
        out.append(f"At depth {deepest}, test accuracy plain → residual+LN: " +
                   ", ".join(f"{n} {acc[('plain', n)]:.1f}% → {acc[('residual+LN', n)]:.1f}%" for n in self.names)
                   + ".")
        return out


def tune_depth_lrs(ds: Dataset, names: Sequence[str] = CORE, depth: int = 4, *,
                   lrs: Sequence[float] = (3e-3, 1e-2, 3e-2), width: int = 32, seed: int = SEED,
                   epochs: int = 12, batch_size: int = 256, archs: Sequence[str] = ("plain", "residual+LN"),
                   val_fraction: float = 0.25, dtype=np.float32,
                   progress: Optional[Callable[[], None]] = None) -> Tuple[Dict, Dict]:
    """One learning rate per (architecture, activation) for :func:`depth_sweep`: the rate of
    ``lrs`` with the lowest final validation loss at depth ``depth`` (one seed, the sweep's
    budget).  Returns ``(chosen, val_loss)``, both keyed by (arch, name); ``val_loss`` holds
    one value per rate (inf where training diverged)."""
    Xf, yf, Xv, yv = split_validation(ds.X_train, ds.y_train, val_fraction)
    Xf, Xv = np.asarray(Xf, dtype=dtype), np.asarray(Xv, dtype=dtype)
    chosen, losses = {}, {}
    for arch in archs:
        for n in names:
            v = []
            for lr in lrs:
                model = make_mlp(ds.n_features, width, depth, ds.n_classes, n, residual=(arch != "plain"),
                                 seed=seed, dtype=dtype)
                r = fit(model, Xf, yf, lr=float(lr), epochs=epochs, batch_size=batch_size, seed=seed,
                        X_val=Xv, y_val=yv, eval_every=epochs)
                loss = r["val_loss"][-1] if not r["diverged"] else np.inf
                v.append(loss if np.isfinite(loss) else np.inf)
                if progress:
                    progress()
            losses[(arch, n)] = np.array(v)
            chosen[(arch, n)] = float(lrs[int(np.argmin(v))])
    return chosen, losses


def depth_sweep(ds: Dataset, names: Sequence[str] = CORE, depths: Sequence[int] = (2, 4, 8, 16, 32), *,
                lrs: Dict[str, float], width: int = 32, seeds: Sequence[int] = (0, 1, 2), epochs: int = 20,
                batch_size: int = 128, archs: Sequence[str] = ("plain", "residual+LN"), dtype=np.float32,
                progress: Optional[Callable[[], None]] = None) -> DepthSweep:
    """Final training loss, test loss and test accuracy of plain MLPs (``depth`` hidden layers
    of ``width``) and pre-LN residual networks (``depth`` blocks) trained with :func:`fit`
    (Adam, cosine decay) at ``lrs[(arch, name)]`` (or ``lrs[name]``), for every activation, depth
    and seed.  Trained on the whole training set; no learning rate is chosen here (see
    :func:`tune_depth_lrs`)."""
    t0 = time.perf_counter()
    X, Xt = np.asarray(ds.X_train, dtype=dtype), np.asarray(ds.X_test, dtype=dtype)
    keys = ("final_train_loss", "final_train_acc", "test_loss", "test_acc")
    results = {}
    for arch in archs:
        for n in names:
            res = {k: np.full((len(depths), len(seeds)), np.nan) for k in keys}
            for i, d in enumerate(depths):
                for j, s in enumerate(seeds):
                    model = make_mlp(ds.n_features, width, d, ds.n_classes, n, residual=(arch != "plain"),
                                     seed=s, dtype=dtype)
                    lr = lrs[(arch, n)] if (arch, n) in lrs else lrs[n]
                    r = fit(model, X, ds.y_train, lr=lr, epochs=epochs, batch_size=batch_size, seed=s,
                            X_test=Xt, y_test=ds.y_test)
                    for k in keys:
                        res[k][i, j] = r[k]
                    if progress:
                        progress()
            results[(arch, n)] = res
    return DepthSweep(ds.name, list(names), tuple(depths), tuple(seeds), dict(lrs), epochs, width, results,
                      time.perf_counter() - t0, math.log(ds.n_classes))
