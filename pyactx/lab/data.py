"""Data sets that need no network access: scikit-learn's digits and a next-character task on
CPython's own help pages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

import numpy as np

from .activations import SEED


@dataclass
class Dataset:
    name: str
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    n_classes: int
    vocab: Optional[str] = None      # character data: token id -> character
    context: Optional[int] = None    # character data: characters of context

    @property
    def n_features(self) -> int:
        if self.vocab is not None:
            return self.context * len(self.vocab)
        return self.X_train.shape[1]


def load_digits(test_fraction: float = 0.25, seed: int = SEED, dtype=np.float64) -> Dataset:
    """scikit-learn's bundled 8x8 digits (1797 images, 10 classes; no download).

    Pixels are standardised with the training set's mean and standard deviation;
    the split is a fixed random permutation.
    """
    from sklearn.datasets import load_digits as _ld

    d = _ld()
    X, y = d.data.astype(np.float64), d.target.astype(np.int64)
    order = np.random.default_rng(seed).permutation(len(y))
    n_test = int(round(test_fraction * len(y)))
    te, tr = order[:n_test], order[n_test:]
    mu, sd = X[tr].mean(0), X[tr].std(0)
    sd[sd == 0] = 1.0
    X = ((X - mu) / sd).astype(dtype)
    return Dataset("digits", X[tr], y[tr], X[te], y[te], 10)


def binary_digits(a: int = 3, b: int = 8, test_fraction: float = 0.25, seed: int = SEED) -> Dataset:
    """Digits ``a`` (label 0) versus ``b`` (label 1) from :func:`load_digits`."""
    d = load_digits(test_fraction, seed)
    def pick(X, y):
        m = (y == a) | (y == b)
        return X[m], (y[m] == b).astype(np.int64)
    Xtr, ytr = pick(d.X_train, d.y_train)
    Xte, yte = pick(d.X_test, d.y_test)
    return Dataset(f"digits {a} vs {b}", Xtr, ytr, Xte, yte, 2)


#: Characters of the next-token data set; anything else becomes '#'.
CHAR_VOCAB = " abcdefghijklmnopqrstuvwxyz0123456789.,:;()[]'\"-_=*<>+#"


def char_corpus() -> str:
    """The text of CPython's ``pydoc_data.topics`` (the ``help()`` pages), normalised:
    topics in sorted order, lower case, reST underline rows dropped, whitespace runs collapsed
    to one space, characters outside :data:`CHAR_VOCAB` replaced by '#'."""
    from pydoc_data.topics import topics

    text = "\n".join(topics[k] for k in sorted(topics))
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"').replace("\u201d", '"')
    lines = [ln for ln in text.splitlines() if not re.fullmatch(r"\s*([-=*~^+#])\1{2,}\s*", ln)]
    text = " ".join(" ".join(lines).split()).lower()
    allowed = set(CHAR_VOCAB)
    return "".join(c if c in allowed else "#" for c in text)


def char_ids() -> np.ndarray:
    """:func:`char_corpus` as int64 token ids: positions in :data:`CHAR_VOCAB`."""
    lut = np.full(128, len(CHAR_VOCAB) - 1, dtype=np.int64)
    for i, c in enumerate(CHAR_VOCAB):
        lut[ord(c)] = i
    return lut[np.frombuffer(char_corpus().encode("ascii"), dtype=np.uint8)]


def load_chars(context: int = 8, n_train: int = 40_000, n_test: int = 5_000, block: int = 1000,
               test_every: int = 5) -> Dataset:
    """Next-character prediction on :func:`char_corpus`: the input is the previous
    ``context`` characters as token ids (n, context), the label the next character.

    The corpus is cut into consecutive blocks of ``block`` characters; every
    ``test_every``-th block is test text, the others training text, and every window lies
    inside one block.  So training and test text come from the same topics, yet no test
    window overlaps a training window.  Windows are taken in corpus order until ``n_train``
    and ``n_test`` are reached.
    """
    ids = char_ids()
    per_block = block - context
    starts = {True: [], False: []}
    for j in range(len(ids) // block):
        is_test = j % test_every == test_every - 1
        if len(starts[is_test]) * per_block < (n_test if is_test else n_train):
            starts[is_test].append(j * block + np.arange(per_block))
    have_train, have_test = len(starts[False]) * per_block, len(starts[True]) * per_block
    if have_train < n_train or have_test < n_test:
        raise ValueError(f"the corpus gives {have_train} training and {have_test} test windows; "
                         f"{n_train} and {n_test} requested")

    def windows(first, count):
        first = np.concatenate(first)[:count]
        return ids[first[:, None] + np.arange(context)], ids[first + context]

    Xtr, ytr = windows(starts[False], n_train)
    Xte, yte = windows(starts[True], n_test)
    return Dataset("pydoc chars", Xtr, ytr, Xte, yte, len(CHAR_VOCAB), vocab=CHAR_VOCAB, context=context)


def unigram_entropy(ds: Dataset) -> float:
    """Cross-entropy (nats) of predicting the test set with the training set's character
    frequencies: the loss a model that ignores its context can reach."""
    counts = np.bincount(ds.y_train, minlength=ds.n_classes) + 1.0
    p = counts / counts.sum()
    return float(-np.mean(np.log(p[ds.y_test])))
