"""pyactx.cross_entropy and pyactx.cross_entropy_grad: PyTorch's
``F.cross_entropy(..., reduction="none")`` (and its gradient w.r.t. the
logits) on top of the raw softmax-family gufuncs of the C core.

The raw gufuncs stay available as ``pyactx.ufuncs.cross_entropy`` /
``pyactx.ufuncs.cross_entropy_grad`` (and as ``.ufunc`` of these functions).

Design notes
------------
* The plain class-index loss (no label smoothing) is exactly the raw kernel
  ``ufuncs.cross_entropy`` (the accurate one: logsumexp(x) - x[label] in one
  pass), called with ``out=`` when given, so its bits are the gufunc's.
* Rows whose label is ``ignore_index`` get loss 0 and a zero gradient row, as
  in PyTorch.  Their label is mapped to 0 before the raw gufunc is called
  (the raw gufuncs refuse labels outside [0, n)), and the rows are zeroed
  afterwards.
* Plain NumPy labels (ndarrays and subclasses, lists, tuples, scalars,
  memoryviews) are checked in full before anything is computed or written:
  a label outside [0, n) that is not ``ignore_index`` is a ValueError naming
  the label, its position and the valid range, and ``out`` stays untouched.
  Labels with their own ``__array_ufunc__`` / ``__array_function__`` (Dask,
  ...) are not converted: the mapping and the fix-up use ``np.where`` and
  ``np.broadcast_to`` (which dispatch), and an out-of-range label is then
  reported by the raw gufunc when the chunk is computed.
* Floating-point targets with the logits' shape are class probabilities
  (PyTorch semantics); everything is free of spurious floating-point flags
  (0 * -inf where a probability is 0 and log_softmax is -inf, ...), so it
  runs under ``np.errstate(all="raise")``.
* A non-negative ``axis`` is turned into the equivalent negative one: the
  class axis is then at the same position from the right in the logits, the
  gradient and every intermediate, which keeps broadcasting of extra label
  batch dimensions consistent.
"""
from __future__ import annotations

import operator

import numpy as np

from . import _core

_CE = _core.cross_entropy
_CEG = _core.cross_entropy_grad
_LOG_SOFTMAX = _core.log_softmax
_SOFTMAX = _core.softmax

__all__ = ["cross_entropy", "cross_entropy_grad"]


def _is_plain(a) -> bool:
    """A NumPy array (subclasses too) or something NumPy converts itself
    (list, tuple, Python / NumPy scalar, memoryview, buffer): not a duck
    array with its own __array_ufunc__ / __array_function__."""
    if isinstance(a, (np.ndarray, np.generic)):
        return True
    t = type(a)
    return not (hasattr(t, "__array_ufunc__") or hasattr(t, "__array_function__"))


def _unwrap_out(out):
    if isinstance(out, tuple):
        if len(out) != 1:
            raise TypeError(f"out must be an array or a tuple of one array, got a tuple of {len(out)}")
        out = out[0]
    if out is not None and not isinstance(out, np.ndarray):
        raise TypeError(f"out must be a NumPy array or None, got {type(out).__name__}")
    return out


def _position(flat_index, shape):
    if not shape:
        return ""
    return f" at index {tuple(int(i) for i in np.unravel_index(flat_index, shape))}"


def _bad_label(fname, value, where, n, ignore_index):
    return ValueError(
        f"{fname}: label {value} out of range for {n} classes{where}: a class-index "
        f"label must be an integer with 0 <= label < {n}, or ignore_index ({ignore_index})")


def _check_plain_labels(fname, t, n, ignore_index):
    """Validate every label of the ndarray t (integer or object dtype) against
    [0, n) u {ignore_index}.  Returns (int64 labels with the ignored ones set
    to 0, boolean mask of the ignored labels or None if there are none)."""
    if t.dtype.kind == "O":
        flat = t.ravel()
        vals = []
        for k, v in enumerate(flat):
            if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, np.integer)):
                raise TypeError(f"{fname}: labels must be integer class indices or probability "
                                f"targets shaped like the logits; got the element {v!r}")
            v = int(v)
            if v == ignore_index:
                vals.append(0)
            elif 0 <= v < n:
                vals.append(v)
            else:
                raise _bad_label(fname, v, _position(k, t.shape), n, ignore_index)
        ign = np.array([int(v) == ignore_index for v in flat], dtype=bool).reshape(t.shape)
        return np.array(vals, dtype=np.int64).reshape(t.shape), (ign if ign.any() else None)
    ign = t == ignore_index
    any_ign = bool(ign.any())
    bad = (t >= n) if t.dtype.kind == "u" else ((t < 0) | (t >= n))
    if any_ign:
        bad &= ~ign
    if bad.any():
        k = int(np.argmax(bad.ravel()))
        raise _bad_label(fname, t.ravel()[k], _position(k, t.shape), n, ignore_index)
    if any_ign:
        t = np.where(ign, 0, t)
    # every value is now in [0, n): the cast to the loop's int64 cannot wrap
    return t.astype(np.int64, copy=False), (ign if any_ign else None)


def _zero_rows(res, ign, out_given, grad_axis=None):
    """Set the entries of res that belong to ignored rows to 0 (in place for
    ndarrays, with np.where for scalars and duck arrays)."""
    if grad_axis is not None:
        nd = np.ndim(res)
        loop_shape = tuple(res.shape[:nd + grad_axis]) + tuple(res.shape[nd + grad_axis + 1:])
        ign = np.expand_dims(np.broadcast_to(ign, loop_shape), grad_axis)
    if isinstance(res, np.ndarray) and (res.ndim > 0 or out_given):
        np.copyto(res, 0, where=ign)
        return res
    r = np.where(ign, 0, res)
    if isinstance(r, np.ndarray) and r.ndim == 0 and not isinstance(res, np.ndarray):
        return r[()]                      # a NumPy scalar in, a NumPy scalar out
    return r


def _deliver(res, out):
    if out is None:
        return res
    np.copyto(out, res, casting="same_kind")
    return out


def _is_bfloat16(x) -> bool:
    """ml_dtypes' bfloat16 logits: the label gufuncs have no bfloat16 loop
    (their raw ufuncs compute and return float32), so the wrappers compute in
    float32 and round the result once to bfloat16, as the other ufuncs'
    bfloat16 loops do."""
    return isinstance(x, np.ndarray) and x.dtype.name == "bfloat16"


def _via_float32(fn, logits, target, axis, ignore_index, label_smoothing, out):
    res = fn(logits.astype(np.float32), target, axis, ignore_index=ignore_index,
             label_smoothing=label_smoothing)
    with np.errstate(over="ignore"):      # (a finite float32 beyond bfloat16's range: inf)
        res = np.asarray(res).astype(logits.dtype)
    return _deliver(res[()] if res.ndim == 0 else res, _unwrap_out(out))


def _common(fname, logits, target, axis, ignore_index, label_smoothing, out, dtype):
    ax = operator.index(axis)
    ignore_index = operator.index(ignore_index)
    eps = float(label_smoothing)
    if not 0.0 <= eps <= 1.0:            # NaN fails too
        raise ValueError(f"{fname}: label_smoothing must be in [0, 1], got {label_smoothing!r}")
    out = _unwrap_out(out)

    x = logits
    if _is_plain(x) and not isinstance(x, np.ndarray):
        x = np.asarray(x)
    if dtype is not None:
        x = x.astype(dtype, copy=False) if isinstance(x, np.ndarray) else x.astype(dtype)
    shape = tuple(x.shape)
    nd = len(shape)
    if not -nd <= ax < nd:
        raise np.exceptions.AxisError(ax, nd, f"{fname}: axis")
    ax = ax - nd if ax >= 0 else ax
    n = shape[ax]

    t = target
    plain_t = _is_plain(t)
    if plain_t:
        empty_seq = isinstance(t, (list, tuple)) and len(t) == 0
        t = np.asarray(t)
        if empty_seq:
            t = t.astype(np.int64)
    elif getattr(t, "dtype", None) is None:
        t = np.asarray(t)
        plain_t = True
    kind = np.dtype(t.dtype).kind
    if kind == "f" and tuple(t.shape) == shape:
        return ("prob", x, t, ax, n, eps, out, None)
    if kind not in "iu" and not (kind == "O" and plain_t):
        raise TypeError(
            f"{fname}: labels must be integer class indices or probability targets shaped like "
            f"the logits; got {np.dtype(t.dtype)} labels of shape {tuple(t.shape)} for logits of "
            f"shape {shape}")
    if plain_t:
        t, ign = _check_plain_labels(fname, t, n, ignore_index)
    else:
        ign = t == ignore_index
        t = np.where(ign, 0, t)
        if kind == "u" and np.dtype(t.dtype).itemsize >= 8:
            # no wrap: anything >= n stays out of range (the raw gufunc reports it)
            t = np.minimum(t, n).astype(np.int64)
    return ("index", x, t, ax, n, eps, out, ign)


def _empty_class_axis(x, t, ax, out, grad):
    """n == 0 and every label ignored (else validation raised): zeros."""
    loop = tuple(x.shape[:len(x.shape) + ax]) + tuple(x.shape[len(x.shape) + ax + 1:])
    shape = np.broadcast_shapes(loop, np.shape(t))
    if grad:
        nd = len(shape) + 1
        k = nd + ax
        shape = shape[:k] + (0,) + shape[k:]
    res = np.zeros(shape, dtype=_LOG_SOFTMAX(x, axis=ax).dtype)
    return _deliver(res, out)


def cross_entropy(logits, target, axis=-1, *, ignore_index=-100, label_smoothing=0.0,
                  out=None, dtype=None):
    """cross_entropy(logits, target, axis=-1, *, ignore_index=-100, label_smoothing=0.0,
    out=None, dtype=None)

    Cross-entropy of logits and targets per row, without reduction: PyTorch's
    ``F.cross_entropy(logits, target, reduction="none", ignore_index=...,
    label_smoothing=...)`` with the classes along ``axis``.

    target
        * integer class indices (any signed or unsigned integer type; shape of
          the logits without the class axis, broadcastable): the loss is
          ``logsumexp(x) - x[label]``; a row whose label equals ``ignore_index``
          gives 0.  Any other label outside ``[0, n)`` (negative ones too) is a
          ValueError naming the label, raised before anything is written to
          ``out``.  uint64 labels are converted without wrapping.
        * floating-point class probabilities with exactly the logits' shape:
          ``-sum_c t_c log_softmax(x)_c`` (``ignore_index`` does not apply).
          They are cast to the dtype of the computation.  A term with
          ``t_c == 0`` is 0 even where the logit is -inf (PyTorch: 0 * -inf =
          NaN), so such rows are finite and raise no 'invalid' flag.
        Any other target (a float array of another shape, bool, complex, ...)
        is a TypeError.
    label_smoothing
        eps in [0, 1]: the target distribution becomes ``(1 - eps) * onehot +
        eps / n`` (probabilities: ``(1 - eps) * t + eps / n``), i.e. for class
        indices ``(1 - eps) * CE + eps * mean_c(-log_softmax(x)_c)``.  Ignored
        rows stay 0.
    dtype
        compute in this dtype (the logits are cast to it first).
    out
        an ndarray for the per-row losses (a tuple of one array is accepted).

    Plain NumPy inputs are validated up front; arrays with their own
    ``__array_ufunc__`` / ``__array_function__`` (Dask) stay lazy.  The raw
    gufunc is ``pyactx.ufuncs.cross_entropy`` (``cross_entropy.ufunc``),
    signature ``(n),()->()``.

    Example
    -------
    >>> x = np.array([[2.0, 1.0, 0.1], [0.5, 2.5, 0.3]])
    >>> pyactx.cross_entropy(x, np.array([0, -100]))
    array([0.41703002, 0.        ])
    """
    if dtype is None and _is_bfloat16(logits):
        return _via_float32(cross_entropy, logits, target, axis, ignore_index, label_smoothing, out)
    kind, x, t, ax, n, eps, out, ign = _common("cross_entropy", logits, target, axis,
                                                ignore_index, label_smoothing, out, dtype)
    if kind == "prob":
        ls = _LOG_SOFTMAX(x, axis=ax)
        with np.errstate(under="ignore"):   # (negligible products of tiny values)
            t = _probs(t, ls, eps, n)
            # -sum_c t_c ls_c, with 0 (not 0 * -inf) where t_c == 0
            prod = t * np.where(t != 0, ls, 0)
            return _deliver(-np.sum(prod, axis=ax), out)
    if n == 0 and isinstance(x, np.ndarray):
        return _empty_class_axis(x, t, ax, out, grad=False)
    if eps == 0.0:
        res = _CE(x, t, axis=ax) if out is None else _CE(x, t, axis=ax, out=out)
        if ign is not None:
            res = _zero_rows(res, ign, out is not None)
        return res
    ls = _LOG_SOFTMAX(x, axis=ax)
    with np.errstate(under="ignore"):
        # mean_c(-log_softmax_c) as sum(ls / n): a sum of n finite log-probabilities
        # can overflow where their mean does not (logits ~ 1e308); underflow of
        # ls / n only loses terms below the smallest normal number
        smooth = -np.sum(ls * (1.0 / n), axis=ax)
        res = eps * smooth
    if eps != 1.0:                          # (no 0 * inf when eps == 1)
        res = (1.0 - eps) * _CE(x, t, axis=ax) + res
    res = res.astype(ls.dtype, copy=False) if hasattr(res, "astype") else res
    if ign is not None:
        res = np.where(ign, 0, res)
        if isinstance(res, np.ndarray) and res.ndim == 0:
            res = res[()]
    return _deliver(res, out)


def cross_entropy_grad(logits, target, axis=-1, *, ignore_index=-100, label_smoothing=0.0,
                       out=None, dtype=None):
    """cross_entropy_grad(logits, target, axis=-1, *, ignore_index=-100,
    label_smoothing=0.0, out=None, dtype=None)

    Gradient of ``pyactx.cross_entropy`` (per row, no reduction) with respect
    to the logits, shaped like them: PyTorch's gradient of
    ``F.cross_entropy(..., reduction="none")`` for an upstream gradient of 1.

    * class indices: ``softmax(x) - onehot(label)``; with label smoothing eps
      ``softmax(x) - (1 - eps) * onehot(label) - eps / n``; rows whose label
      is ``ignore_index`` are all 0.
    * probabilities t (float, the logits' shape), smoothed to t' when eps > 0:
      ``softmax(x) * sum_c t'_c - t'``.

    Parameters, validation and errors as for ``pyactx.cross_entropy``.  The raw
    gufunc is ``pyactx.ufuncs.cross_entropy_grad`` (``cross_entropy_grad.ufunc``),
    signature ``(n),()->(n)``.

    Example
    -------
    >>> x = np.array([[2.0, 1.0, 0.1], [0.5, 2.5, 0.3]])
    >>> pyactx.cross_entropy_grad(x, np.array([0, -100]))
    array([[-0.34099886,  0.24243297,  0.09856589],
           [ 0.        ,  0.        ,  0.        ]])
    """
    if dtype is None and _is_bfloat16(logits):
        return _via_float32(cross_entropy_grad, logits, target, axis, ignore_index,
                            label_smoothing, out)
    kind, x, t, ax, n, eps, out, ign = _common("cross_entropy_grad", logits, target, axis,
                                                ignore_index, label_smoothing, out, dtype)
    if kind == "prob":
        y = _SOFTMAX(x, axis=ax)
        with np.errstate(under="ignore"):
            t = _probs(t, y, eps, n)
            return _deliver(y * np.sum(t, axis=ax, keepdims=True) - t, out)
    if n == 0 and isinstance(x, np.ndarray):
        return _empty_class_axis(x, t, ax, out, grad=True)
    if eps == 0.0:
        res = _CEG(x, t, axis=ax) if out is None else _CEG(x, t, axis=ax, out=out)
        if ign is not None:
            res = _zero_rows(res, ign, out is not None, grad_axis=ax)
        return res
    y = _SOFTMAX(x, axis=ax)
    with np.errstate(under="ignore"):
        res = eps * (y - 1.0 / n)
    if eps != 1.0:
        res = (1.0 - eps) * _CEG(x, t, axis=ax) + res
    res = res.astype(y.dtype, copy=False)
    if ign is not None:
        res = _zero_rows(res, ign, False, grad_axis=ax)
    return _deliver(res, out)


def _probs(t, like, eps, n):
    """Probability targets in the dtype of the computation, smoothed."""
    dt = like.dtype
    t = t.astype(dt, copy=False) if isinstance(t, np.ndarray) else t.astype(dt)
    if eps != 0.0:
        t = (1.0 - eps) * t + eps / n
        t = t.astype(dt, copy=False) if isinstance(t, np.ndarray) else t.astype(dt)
    return t


cross_entropy.ufunc = _CE
cross_entropy_grad.ufunc = _CEG
