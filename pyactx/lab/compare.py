"""Comparing models on a task: :func:`tuned_comparison` (a learning rate per model, paired
seeds, training to convergence) and the simpler :func:`compare_models` (one shared setting).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np

import pyactx

from .activations import CORE
from .data import Dataset
from .models import MLP, GatedMLP, n_parameters
from .optim import make_optimizer
from .text import format_table
from .training import fit, split_validation, train


# ---------------------------------------------------------------------------
# A fair comparison: per-model learning rate, paired seeds, training to convergence
# ---------------------------------------------------------------------------

def _mean_std(v) -> Tuple[float, float]:
    v = np.asarray(v, dtype=float)
    return float(np.mean(v)), float(np.std(v, ddof=1)) if v.size > 1 else 0.0


def _pm(v, digits: int = 4, scale: float = 1.0) -> str:
    m, s = _mean_std(np.asarray(v) * scale)
    return f"{m:.{digits}f} ± {s:.{digits}f}"


@dataclass
class TunedComparison:
    """Result of :func:`tuned_comparison`.  Arrays are indexed [learning rate, seed] (``grid_*``)
    or [seed] (the runs at the chosen rate)."""
    dataset: str
    names: List[str]
    lrs: np.ndarray
    seeds: Tuple[int, ...]
    tune_seeds: Tuple[int, ...]
    epochs: int
    grid_val_loss: Dict[str, np.ndarray]      # final validation loss, [lr, tune seed]
    chosen_lr: Dict[str, float]
    runs: Dict[str, List[dict]]               # fit() histories at the chosen rate, one per seed
    n_params: Dict[str, int]
    seconds: float
    reference: Optional[str] = None

    def values(self, name: str, key: str = "test_loss") -> np.ndarray:
        return np.array([float(r[key]) for r in self.runs[name]])

    def curve(self, name: str, key: str = "val_loss") -> np.ndarray:
        return np.stack([r[key] for r in self.runs[name]])

    def flatness(self, name: str, key: str = "val_loss", tail: float = 0.2) -> np.ndarray:
        """Per seed: relative change of ``key`` over the last ``tail`` of the epochs,
        (value at the end - value at epoch (1 - tail) * epochs) / value at that epoch."""
        r0 = self.runs[name][0]
        ep = r0["epoch"] if key.startswith("val") else np.arange(len(r0["train_loss"]))
        i0 = int(np.searchsorted(ep, (1 - tail) * self.epochs))
        c = self.curve(name, key)
        return (c[:, -1] - c[:, i0]) / c[:, i0]

    def paired_diff(self, name: str, key: str = "test_loss", ref: Optional[str] = None) -> np.ndarray:
        """Per seed: ``key`` of ``name`` minus ``key`` of ``ref`` (same seed, same batches)."""
        return self.values(name, key) - self.values(ref or self.reference, key)

    def concentration(self, name: str, X, y, k: int = 5) -> Dict[str, np.ndarray]:
        """Per seed, for the model trained at the chosen rate: see :func:`loss_concentration`."""
        rows = [loss_concentration(r["model"], X, y, k) for r in self.runs[name]]
        return {key: np.array([r[key] for r in rows]) for key in rows[0]}

    def lr_table(self) -> str:
        rows = []
        for n in self.names:
            m = self.grid_val_loss[n].mean(axis=1)
            rows.append([n] + [float(v) for v in m] + [f"{self.chosen_lr[n]:g}"])
        return format_table(rows, ["model"] + [f"lr {lr:g}" for lr in self.lrs] + ["chosen"])

    def table(self) -> str:
        ref = self.reference
        rows = []
        for n in self.names:
            row = [n, n_params_str(self.n_params[n]), f"{self.chosen_lr[n]:g}",
                   _pm(self.values(n, "final_train_loss")), _pm(self.values(n, "test_loss")),
                   _pm(self.values(n, "test_acc"), 2, 100.0)]
            if ref:
                row += ["-" if n == ref else _pm(self.paired_diff(n, "test_loss"), 4),
                        "-" if n == ref else _pm(self.paired_diff(n, "test_acc"), 2, 100.0)]
            row.append(f"{100 * np.mean(self.flatness(n)):+.2f}")
            rows.append(row)
        head = ["model", "params", "lr", "train loss", "test loss", "test acc %"]
        if ref:
            head += [f"Δ test loss vs {ref}", f"Δ acc vs {ref} (pts)"]
        head.append("val-loss change, last 20% (%)")
        return format_table(rows, head)

    def ranking(self, key: str = "test_loss") -> List[str]:
        sign = -1.0 if key.endswith("acc") else 1.0
        return sorted(self.names, key=lambda n: sign * float(np.mean(self.values(n, key))))

    def sentences(self, key: str = "test_loss") -> List[str]:
        """Statements generated from the numbers: ranking, paired differences against the
        reference (a difference counts as clear when its mean is more than two standard errors
        from 0), the chosen rates and whether the curves have flattened."""
        what = key.replace("_", " ")
        pct = key.endswith("acc")
        fmt = (lambda v: f"{100 * v:.2f}%") if pct else (lambda v: f"{v:.4f}")
        rank = self.ranking(key)
        out = [f"{self.dataset}: final {what} over {len(self.seeds)} paired seeds, best first: "
               + ", ".join(f"{n} {fmt(np.mean(self.values(n, key)))}" for n in rank) + "."]
        ref = self.reference
        if ref:
            better, worse, tied = [], [], []
            for n in self.names:
                if n == ref:
                    continue
                d = self.paired_diff(n, key)
                m, s = _mean_std(d)
                se = s / math.sqrt(len(d))
                good = (m > 0) if pct else (m < 0)
                txt = f"{n} ({'+' if m >= 0 else ''}{fmt(m)} ± {fmt(s)})"
                if abs(m) > 2 * se:
                    (better if good else worse).append(txt)
                else:
                    tied.append(txt)
            out.append(f"Paired differences of {what} against {ref} (mean ± std over seeds): "
                       + "; ".join(x for x in (
                           ("clearly better than " + ref + ": " + ", ".join(better)) if better else "",
                           ("clearly worse: " + ", ".join(worse)) if worse else "",
                           ("not distinguishable from " + ref + " (|mean| ≤ 2 standard errors): "
                            + ", ".join(tied)) if tied else "") if x) + ".")
        edge = [n for n in self.names if self.chosen_lr[n] in (self.lrs[0], self.lrs[-1])]
        out.append("Chosen learning rates: " + ", ".join(f"{n} {self.chosen_lr[n]:g}" for n in self.names)
                   + (f"; at the edge of the grid for {', '.join(edge)}." if edge else
                      "; none at the edge of the grid."))
        fl = {n: 100 * float(np.max(np.abs(self.flatness(n)))) for n in self.names}
        worst = max(fl, key=fl.get)
        out.append(f"Over the last 20% of the {self.epochs} epochs the validation loss changes by at most "
                   f"{fl[worst]:.2f}% (largest: {worst}), so the runs have flattened out"
                   if fl[worst] < 5 else
                   f"Over the last 20% of the {self.epochs} epochs the validation loss of {worst} still "
                   f"changes by {fl[worst]:.1f}%: not converged")
        out[-1] += "."
        return out


def loss_concentration(model, X, y, k: int = 5) -> Dict[str, float]:
    """How a mean cross-entropy is made up: ``mean_loss``, ``top_share`` (the share of the summed
    loss that comes from the ``k`` worst examples), ``max_loss`` and ``max_abs_logit``."""
    X = np.asarray(X, dtype=model.params[0].dtype)
    cache = getattr(model, "_cache", None)
    with np.errstate(over="ignore"):
        logits = model.forward(X)
    model._cache = cache
    per = np.asarray(pyactx.cross_entropy(logits, np.asarray(y, dtype=np.int64)), dtype=float)
    worst = np.sort(per)[::-1]
    return {"mean_loss": float(per.mean()), "top_share": float(worst[:k].sum() / per.sum()),
            "max_loss": float(worst[0]), "max_abs_logit": float(np.max(np.abs(logits)))}


def n_params_str(n: int) -> str:
    return f"{n:,}"


def tuned_comparison(ds: Dataset, factories: Dict[str, Callable[[int], object]], *,
                     lrs: Sequence[float] = (1e-3, 3e-3, 1e-2, 3e-2), seeds: Sequence[int] = (0, 1, 2, 3, 4),
                     tune_seeds: Optional[Sequence[int]] = None, epochs: int = 50, batch_size: int = 128,
                     val_fraction: float = 0.25, reference: Optional[str] = None, schedule: str = "cosine",
                     dtype=np.float32, progress: Optional[Callable[[], None]] = None) -> TunedComparison:
    """Tune and compare ``factories[name](seed)`` fairly on ``ds``.

    A fixed ``val_fraction`` of the training set becomes a validation set.  Every model is
    trained (:func:`fit`: Adam, cosine decay) at every learning rate of ``lrs`` with each of
    ``tune_seeds`` (default: all ``seeds``); its rate is the one with the lowest mean final
    validation loss.  Then it runs at that rate with every seed in ``seeds`` (runs already done
    are reused).  The seed fixes the initial weights and the batch order, identically for every
    model.  The test set is used only for the final numbers.
    """
    t0 = time.perf_counter()
    Xf, yf, Xv, yv = split_validation(ds.X_train, ds.y_train, val_fraction)
    Xf, Xv, Xt = (np.asarray(a, dtype=dtype) for a in (Xf, Xv, ds.X_test))
    seeds = tuple(seeds)
    tune_seeds = tuple(tune_seeds) if tune_seeds is not None else seeds
    lrs = np.asarray(lrs, dtype=float)
    grid, chosen, runs, nparams = {}, {}, {}, {}

    def run(make, lr, s):
        model = make(s)
        nparams[name] = n_parameters(model)
        r = fit(model, Xf, yf, lr=float(lr), epochs=epochs, batch_size=batch_size, seed=s,
                schedule=schedule, X_val=Xv, y_val=yv, X_test=Xt, y_test=ds.y_test)
        r["model"] = model
        if progress:
            progress()
        return r

    for name, make in factories.items():
        done = {}
        g = np.empty((len(lrs), len(tune_seeds)))
        for i, lr in enumerate(lrs):
            for j, s in enumerate(tune_seeds):
                r = run(make, lr, s)
                done[(i, s)] = r
                v = r["val_loss"][-1] if not r["diverged"] else np.inf
                g[i, j] = v if np.isfinite(v) else np.inf
        grid[name] = g
        best = int(np.argmin(g.mean(axis=1)))
        chosen[name] = float(lrs[best])
        runs[name] = [done[(best, s)] if (best, s) in done else run(make, lrs[best], s) for s in seeds]
    return TunedComparison(ds.name, list(factories), lrs, seeds, tune_seeds, epochs, grid, chosen, runs,
                           nparams, time.perf_counter() - t0, reference)


def tuned_activations(ds: Dataset, names: Sequence[str] = CORE, *, hidden: Sequence[int] = (64, 64),
                      reference: Optional[str] = "relu", dtype=np.float32, **kw) -> TunedComparison:
    """:func:`tuned_comparison` of the same MLP (``hidden`` sizes, each activation's
    :func:`default_init`) with each activation in ``names``."""
    factories = {n: (lambda s, n=n: MLP([ds.n_features, *hidden, ds.n_classes], n, seed=s, dtype=dtype))
                 for n in names}
    return tuned_comparison(ds, factories, reference=reference if reference in names else None,
                            dtype=dtype, **kw)


def tuned_gates(ds: Dataset, gates: Sequence[str] = ("glu", "swiglu", "geglu"), *, hidden: int = 32,
                baseline: Optional[str] = "relu", dtype=np.float32, **kw) -> TunedComparison:
    """:func:`tuned_comparison` of one gated block of width ``hidden`` per gate and (``baseline``)
    a plain one-hidden-layer MLP whose width is chosen to match the gated block's parameter
    count as closely as possible."""
    d, c = ds.n_features, ds.n_classes
    factories = {g: (lambda s, g=g: GatedMLP(d, hidden, c, g, seed=s, dtype=dtype)) for g in gates}
    ref = None
    if baseline:
        n_gated = 2 * (d + 1) * hidden + (hidden + 1) * c
        width = int(round((n_gated - c) / (d + 1 + c)))
        ref = f"{baseline} MLP"
        factories[ref] = lambda s: MLP([d, width, c], baseline, seed=s, dtype=dtype)
    return tuned_comparison(ds, factories, reference=ref, dtype=dtype, **kw)


# ---------------------------------------------------------------------------
# Comparing activations on a task (one shared setting)
# ---------------------------------------------------------------------------

@dataclass
class Comparison:
    dataset: str
    optimizer: str
    epochs: int
    seeds: Tuple[int, ...]
    curves: Dict[str, Dict[str, np.ndarray]]   # activation -> key -> (seeds, epochs + 1)
    seconds: Dict[str, float]

    def final(self, name: str, key: str = "test_loss") -> Tuple[float, float]:
        v = self.curves[name][key][:, -1]
        return float(v.mean()), float(v.std())

    def table(self) -> str:
        rows = []
        for name, c in self.curves.items():
            tl, ta = c["train_loss"][:, -1], c["test_loss"][:, -1]
            acc = c["test_acc"][:, -1]
            rows.append([name, f"{tl.mean():.4f} ± {tl.std():.4f}", f"{ta.mean():.4f} ± {ta.std():.4f}",
                         f"{100 * acc.mean():.2f} ± {100 * acc.std():.2f}"])
        return format_table(rows, ["activation", "train loss", "test loss", "test acc %"])

    def ranking(self, key: str = "test_loss") -> List[str]:
        """Names from best to worst by the final mean of ``key`` (accuracy: highest first)."""
        sign = -1.0 if key.endswith("acc") else 1.0
        return sorted(self.curves, key=lambda n: sign * self.final(n, key)[0])

    def summary(self, key: str = "test_loss") -> str:
        """Sentences generated from the numbers: ranking, gap and which runs overlap the best."""
        rank = self.ranking(key)
        what = key.replace("_", " ")
        pct = key.endswith("acc")
        fmt = (lambda v: f"{100 * v:.2f}%") if pct else (lambda v: f"{v:.4f}")
        (mb, sb), (mw, sw) = self.final(rank[0], key), self.final(rank[-1], key)
        close = [n for n in rank[1:] if abs(self.final(n, key)[0] - mb) <= sb + self.final(n, key)[1]]
        lines = [
            f"{self.dataset}, {self.optimizer}, {self.epochs} epochs, {len(self.seeds)} seed(s), final {what} "
            f"(best first): " + ", ".join(f"{n} {fmt(self.final(n, key)[0])}" for n in rank) + ".",
            f"Best {rank[0]} ({fmt(mb)} ± {fmt(sb)}), worst {rank[-1]} ({fmt(mw)} ± {fmt(sw)}).",
        ]
        if close:
            lines.append("Within one standard deviation (summed) of the best: " + ", ".join(close) + ".")
        else:
            lines.append(f"No other run is within one standard deviation of {rank[0]}.")
        return "\n".join(lines)


def compare_models(ds: Dataset, factories: Dict[str, Callable[[int], object]], *,
                   seeds: Sequence[int] = (0, 1, 2), epochs: int = 10, batch_size: int = 64,
                   optimizer: str = "adam", lr: Optional[float] = None, head: str = "softmax",
                   progress: Optional[Callable[[], None]] = None) -> Comparison:
    """Train ``factories[name](seed)`` for every name and seed on ``ds``; collect the curves.

    The seed fixes the initial weights and the order of the mini-batches, so with the same
    seed every model sees the batches in the same order.
    """
    curves, seconds = {}, {}
    for name, make in factories.items():
        runs = []
        t0 = time.perf_counter()
        for s in seeds:
            opt = make_optimizer(optimizer, **({} if lr is None else {"lr": lr}))
            runs.append(train(make(s), ds.X_train, ds.y_train, epochs=epochs, batch_size=batch_size,
                              optimizer=opt, seed=s, X_test=ds.X_test, y_test=ds.y_test, head=head,
                              progress=progress))
        seconds[name] = time.perf_counter() - t0
        curves[name] = {k: np.stack([r[k] for r in runs]) for k in runs[0]}
    return Comparison(ds.name, optimizer, epochs, tuple(seeds), curves, seconds)


def compare_activations(ds: Dataset, names: Sequence[str] = CORE, *, hidden: Sequence[int] = (64, 64),
                        seeds: Sequence[int] = (0, 1, 2), epochs: int = 10, batch_size: int = 64,
                        optimizer: str = "adam", lr: Optional[float] = None, dtype=np.float32,
                        progress: Optional[Callable[[], None]] = None) -> Comparison:
    """The same MLP (``hidden`` layer sizes, each activation's :func:`default_init`) trained
    with each activation in ``names`` and each seed.  Trained in float32, as networks
    are (the gradient checks of the tests use float64 models)."""
    vocab = len(ds.vocab) if ds.vocab else None
    factories = {name: (lambda s, name=name: MLP([ds.n_features, *hidden, ds.n_classes], name, seed=s,
                                                 dtype=dtype, onehot_vocab=vocab))
                 for name in names}
    return compare_models(ds, factories, seeds=seeds, epochs=epochs, batch_size=batch_size,
                          optimizer=optimizer, lr=lr, progress=progress)


def compare_gates(ds: Dataset, gates: Sequence[str] = ("glu", "swiglu", "geglu"), *, hidden: int = 32,
                  baseline: Optional[str] = "relu", seeds: Sequence[int] = (0, 1, 2), epochs: int = 10,
                  batch_size: int = 64, optimizer: str = "adam", lr: Optional[float] = None,
                  progress: Optional[Callable[[], None]] = None) -> Comparison:
    """One gated block of width ``hidden`` per gate, plus (``baseline``) a plain MLP with one
    hidden layer of ``2 * hidden`` units, which has about the same number of weights."""
    factories = {g: (lambda s, g=g: GatedMLP(ds.n_features, hidden, ds.n_classes, g, seed=s)) for g in gates}
    if baseline:
        factories[f"{baseline} MLP"] = lambda s: MLP([ds.n_features, 2 * hidden, ds.n_classes], baseline,
                                                     seed=s)
    return compare_models(ds, factories, seeds=seeds, epochs=epochs, batch_size=batch_size,
                          optimizer=optimizer, lr=lr, progress=progress)
