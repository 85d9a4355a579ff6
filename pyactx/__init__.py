"""pyactx: every neural-network activation, its derivative and the numerically
stable softmax family, as NumPy ufuncs written in C.

    >>> import numpy as np, pyactx
    >>> pyactx.gelu(np.array([-1.0, 0.0, 1.0]))          # a numpy.ufunc
    >>> pyactx.leaky_relu(x, negative_slope=0.2)          # parameter as keyword
    >>> pyactx.softmax(logits, axis=1)                    # a generalized ufunc

Everything is declared once in ``pyactx._spec``; ``pyactx.ACTIVATIONS`` is the
registry built from it (formulas, parameters, properties a teacher would
tabulate), and ``pyactx.ufuncs`` holds the raw ufuncs.
"""
from __future__ import annotations

import math as _math
from dataclasses import dataclass
from typing import Callable, Mapping, Tuple

from . import _core, _spec, ufuncs

__version__ = "0.1.0"

__all__ = ["ACTIVATIONS", "BINARY", "SOFTMAX_FAMILY", "ActivationInfo", "ufuncs", "__version__",
           "get_dispatch", "set_dispatch", "available_dispatch", "get_num_threads",
           "set_num_threads"]

#: Name of the instruction-set path in use ("avx512", "avx2" or "baseline"),
#: chosen at import from the CPU or forced with PYACTX_DISPATCH=<name>.
get_dispatch = _core.get_dispatch
#: Switch every ufunc to another path at run time (used by the tests to run
#: the accuracy suite on each path); "auto" picks the best supported one.
set_dispatch = _core.set_dispatch
#: The paths this CPU supports, best first.
available_dispatch = _core.available_dispatch
#: Threads used inside the loops for large contiguous arrays (default: the CPUs
#: available to the process; PYACTX_NUM_THREADS overrides).  Any value gives
#: bit-identical results.
get_num_threads = _core.get_num_threads
set_num_threads = _core.set_num_threads


# ---------------------------------------------------------------------------
# Keyword wrappers for the parameterised functions.
# ---------------------------------------------------------------------------

def _call(ufunc, inputs, out, where, casting, order, dtype, subok):
    # Forward only what differs from NumPy's defaults, so that array-likes with
    # a partial __array_ufunc__ (Dask, xarray) see the plainest possible call.
    kw = {}
    if out is not None:
        kw["out"] = out
    if where is not True:
        kw["where"] = where
    if casting != "same_kind":
        kw["casting"] = casting
    if order != "K":
        kw["order"] = order
    if dtype is not None:
        kw["dtype"] = dtype
    if subok is not True:
        kw["subok"] = subok
    return ufunc(*inputs, **kw)


_WRAPPER_TEMPLATE = """\
def {fname}(x, {pname}={pdefault!r}, out=None, *, where=True, casting="same_kind",
        order="K", dtype=None, subok=True):
    return _call(_ufunc, (x, {pname}), out, where, casting, order, dtype, subok)
"""


def _param_wrapper(ufunc, fname: str, pname: str, pdefault: float, doc: str) -> Callable:
    """A plain function ``fname(x, pname=default, out=None, *, where=..., ...)``
    calling the two-input ufunc.  Generated from a template (as namedtuple
    does) so that its signature is real and its call costs one frame."""
    namespace = {"_call": _call, "_ufunc": ufunc}
    exec(_WRAPPER_TEMPLATE.format(fname=fname, pname=pname, pdefault=pdefault), namespace)
    fn = namespace[fname]
    body = doc.split("\n\n", 1)[-1]          # drop the ufunc's own signature line
    fn.__doc__ = (f"{fname}(x, {pname}={pdefault!r}, out=None, *, where=True, "
                  f"casting='same_kind', order='K', dtype=None, subok=True)\n\n{body}\n\n"
                  f"The raw ufunc is pyactx.ufuncs.{fname} (also {fname}.ufunc).")
    fn.__module__ = __name__
    fn.__qualname__ = fname
    fn.ufunc = ufunc
    return fn


# ---------------------------------------------------------------------------
# The registry.
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class ActivationInfo:
    """One activation: its callables and what a teacher would tabulate."""

    name: str
    title: str
    forward: Callable          # pyactx.<name>: the ufunc, or its keyword wrapper
    grad: Callable             # pyactx.<name>_grad
    ufunc: object              # raw numpy.ufunc of the forward
    grad_ufunc: object         # raw numpy.ufunc of the derivative
    params: Tuple[Tuple[str, float], ...]
    formula: str
    latex: str
    grad_formula: str
    grad_latex: str
    output_range: str
    zero_centred: str
    monotonic: bool
    smooth: bool
    bounded: str
    max_abs_grad: float
    kinks: str
    domain: str
    aliases: Tuple[str, ...]
    notes: str

    @property
    def defaults(self) -> dict:
        return dict(self.params)

    def __call__(self, x, **params):
        return self.forward(x, **params)


def _build():
    g = globals()
    activations = {}
    for act in _spec.ACTIVATION_TABLE:
        uf = getattr(_core, act.name)
        guf = getattr(_core, act.name + "_grad")
        if act.params:
            p = act.params[0]
            fwd = _param_wrapper(uf, act.name, p.name, p.default, uf.__doc__)
            grd = _param_wrapper(guf, act.name + "_grad", p.name, p.default, guf.__doc__)
        else:
            fwd, grd = uf, guf
        info = ActivationInfo(
            name=act.name, title=act.title, forward=fwd, grad=grd, ufunc=uf, grad_ufunc=guf,
            params=tuple((p.name, p.default) for p in act.params),
            formula=act.formula, latex=act.latex, grad_formula=act.grad_formula,
            grad_latex=act.grad_latex, output_range=act.output_range,
            zero_centred=act.zero_centred, monotonic=act.monotonic, smooth=act.smooth,
            bounded=act.bounded, max_abs_grad=act.max_abs_grad, kinks=act.kinks,
            domain=act.domain, aliases=act.aliases, notes=act.notes,
        )
        activations[act.name] = info
        for name in (act.name,) + act.aliases:
            g[name] = fwd
            g[name + "_grad"] = grd
            __all__.extend([name, name + "_grad"])
    binary = {}
    for b in _spec.BINARY_TABLE:
        binary[b.name] = b
        g[b.name] = getattr(_core, b.name)
        g[b.name + "_grad"] = getattr(_core, b.name + "_grad")
        __all__.extend([b.name, b.name + "_grad"])
    family = {}
    for gu in _spec.GUFUNC_TABLE:
        family[gu.name] = gu
        g[gu.name] = getattr(_core, gu.name)
        __all__.append(gu.name)
    return activations, binary, family


_activations, _binary, _family = _build()

#: name -> ActivationInfo for every elementwise activation (aliases not repeated).
ACTIVATIONS: Mapping[str, ActivationInfo] = _activations
#: name -> spec entry of the two-input functions (GLU-family gates, binary cross-entropy).
BINARY: Mapping[str, _spec.Binary] = _binary
#: name -> spec entry of the softmax-family gufuncs.
SOFTMAX_FAMILY: Mapping[str, _spec.GUFunc] = _family

del _activations, _binary, _family, _math, annotations, dataclass, Callable, Mapping, Tuple
