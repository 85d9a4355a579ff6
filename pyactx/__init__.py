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
import sys as _sys
import warnings as _warnings
from dataclasses import dataclass
from typing import Callable, Mapping, Tuple

import numpy as _np

from . import _core, _losses, _spec, ufuncs

__version__ = "0.1.0"

__all__ = ["ACTIVATIONS", "BINARY", "SOFTMAX_FAMILY", "ActivationInfo", "ufuncs", "__version__",
           "get_dispatch", "set_dispatch", "available_dispatch", "get_num_threads",
           "set_num_threads", "BFLOAT16"]

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


#: numpy.dtype of ml_dtypes.bfloat16 once its loops are registered, else None
BFLOAT16 = None
_BF16_BOX = [None]          # the same, read by the keyword wrappers at each call


def _register_bfloat16(ml_dtypes):
    """bfloat16 loops on every ufunc (csrc/_coremodule.c): they keep the
    dtype, computing in float32 and rounding once."""
    global BFLOAT16
    dt = _np.dtype(ml_dtypes.bfloat16)
    _core._register_bfloat16(dt.num)
    BFLOAT16 = _BF16_BOX[0] = dt


class _AfterMlDtypesImport:
    """A meta path finder that registers the bfloat16 loops right after
    ml_dtypes (optional: the ``bfloat16`` extra) is imported.  Importing it
    here instead would cost every ``import pyactx`` ~0.55 s (measured: the
    ml_dtypes extension's own initialisation); and no bfloat16 array can
    exist before ml_dtypes is imported (by the user, or by JAX)."""

    def find_spec(self, name, path=None, target=None):
        if name != "ml_dtypes":
            return None
        import importlib.machinery
        _sys.meta_path.remove(self)         # find the real module, once
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is None or spec.loader is None:
            return spec
        exec_module = spec.loader.exec_module

        def exec_then_register(module):
            exec_module(module)
            _register_bfloat16(module)
        spec.loader.exec_module = exec_then_register
        return spec


if "ml_dtypes" in _sys.modules:
    _register_bfloat16(_sys.modules["ml_dtypes"])
else:
    _sys.meta_path.insert(0, _AfterMlDtypesImport())


# ---------------------------------------------------------------------------
# Keyword wrappers for the parameterised functions.
# ---------------------------------------------------------------------------

def _kw(out, where, casting, order, dtype, subok):
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
    return kw


def _bad_out(fname, pname, out):
    raise TypeError(
        f"{fname}: out must be an array (or a tuple of one array) or None, got "
        f"{type(out).__name__} {out!r}; did you mean a parameter? The signature is "
        f"{fname}(x, {pname}=..., out=None, *, where=..., ...): pass the parameter as "
        f"{pname}=... (only one parameter exists)")


# ----- parameter validation (the wrappers only; pyactx.ufuncs keeps NumPy semantics)
#
# What a parameter refuses is declared in the spec (Param.refuse: condition,
# message; Param.accepts: the docstring sentence).  Each condition becomes a
# predicate, true where the value is refused, that takes a float, a NumPy
# scalar or a float ndarray; NaN is refused for every parameter (a test added
# in _make_check).  The same tests are also inlined into the wrapper as a
# scalar expression ({p} is the parameter) for a Python float, the common
# case, so that a valid float costs one comparison or two.
_CONDITIONS = {
    "< 0": (lambda v: v < 0, " or {p} < 0.0"),
    "== 0": (lambda v: v == 0, " or {p} == 0.0"),
    "== inf": (lambda v: v == _math.inf, " or {p} == _inf"),
}


def _rules(param):
    """(predicates with messages, fast-path test, docstring note) of a Param."""
    tests = tuple((_CONDITIONS[cond][0], msg) for cond, msg in param.refuse)
    fast = "".join(_CONDITIONS[cond][1] for cond, _ in param.refuse)
    return tests, fast, param.accepts


#: NumPy scalar types checked directly (no array conversion)
_NP_SCALARS = frozenset(_np.dtype(c).type for c in "efdgbhilqBHILQ")


def _is_plain(a):
    """An ndarray or a NumPy / Python scalar, list, tuple, memoryview: not a
    duck array with its own __array_ufunc__ / __array_function__."""
    if isinstance(a, (_np.ndarray, _np.generic)):
        return True
    t = type(a)
    return not (hasattr(t, "__array_ufunc__") or hasattr(t, "__array_function__"))


def _make_check(fname, pname, tests):
    """The full check of one wrapper's parameter: raises ValueError naming the
    function, the parameter, the rule and the value."""
    tests = ((lambda v: v != v, f"{pname} must not be NaN"),) + tuple(tests)

    def fail(msg, got):
        raise ValueError(f"{fname}: {msg}; got {got}")

    def scalar(v, shown):
        for pred, msg in tests:
            if pred(v):
                fail(msg, repr(shown))

    def check(p):
        tp = type(p)
        if tp is float or tp is int or tp in _NP_SCALARS:
            scalar(p, p)
            return
        if tp is bool or not _is_plain(p):
            return                          # Dask, xarray, ...: NumPy semantics, no look
        a = _np.asarray(p)
        if a.dtype.kind not in "biuf":
            return                          # the ufunc raises its own TypeError
        if a.ndim == 0:
            scalar(a[()], p)
            return
        with _np.errstate(all="ignore"):
            for pred, msg in tests:
                bad = pred(a)
                if _np.any(bad):
                    fail(msg, f"an array containing {a[bad].ravel()[0].item()!r}")
    return check


# ----- RuntimeWarnings at the caller's line
#
# NumPy issues its RuntimeWarning ('invalid value encountered in ...') from C
# with stacklevel 1, i.e. at the innermost Python frame: the wrapper.  For the
# categories whose mode is 'warn', the wrapper switches them to 'call' for the
# duration of the ufunc call, with a relay that issues the same warning at
# the frame that called the wrapper.  Modes 'raise', 'ignore', 'print', 'log'
# and 'call' are untouched ('call' and 'log' go on to the user's callback).
# The modified error state is built once per error state (NumPy 2 keeps it
# in a context variable: a new object whenever np.errstate / np.seterr changes
# it) and cached, so a call costs a context-variable get / set / reset.
_CATEGORIES = ("divide", "over", "under", "invalid")
_CATEGORY_OF = {"divide by zero": "divide", "overflow": "over", "underflow": "under",
                "invalid value": "invalid"}
try:
    from numpy._core.umath import _extobj_contextvar as _ERRSTATE_VAR
    from numpy._core.umath import _get_extobj_dict, _make_extobj
except ImportError:                         # pragma: no cover - other NumPy layout
    _ERRSTATE_VAR = None


class _WarnRelay:
    __slots__ = ("name", "modes", "user", "code")

    def __init__(self, name, modes, code):
        self.name, self.modes, self.user, self.code = name, modes, modes.get("call"), code

    def __call__(self, err, flag):
        cat = _CATEGORY_OF.get(err)
        if cat is not None and self.modes.get(cat) == "call" and self.user is not None:
            return self.user(err, flag)
        # stacklevel: 1 is this frame; the wrapper's caller is one above the wrapper
        level, f = 1, _sys._getframe(0)
        while f is not None and f.f_code is not self.code:
            f, level = f.f_back, level + 1
        _warnings.warn(f"{err} encountered in {self.name}", RuntimeWarning,
                       stacklevel=level + 1 if f is not None else 2)

    def write(self, msg):                   # 'log' mode of another category
        return self.user.write(msg)


def _make_errstate(name, cache, code_box):
    def prepare(state):
        modes = _get_extobj_dict()          # ``state`` is the current one
        warn = {k: "call" for k in _CATEGORIES if modes.get(k) == "warn"}
        m = _make_extobj(call=_WarnRelay(name, modes, code_box[0]), **warn) if warn else state
        if len(cache) >= 32:
            cache.clear()
        cache[state] = m
        return m
    return prepare


_WRAPPER_TEMPLATE = """\
def {fname}(x, {pname}={pdefault!r}, out=None, *, where=True, casting="same_kind",
        order="K", dtype=None, subok=True):
    if {pname} is not _default:
        if type({pname}) is not float or {pname} != {pname}{scalar_test}:
            _check({pname})
    if _bf16_box[0] is not None and type(x) is _ndarray and x.dtype == _bf16_box[0] \\
            and type({pname}) in (float, int):
        {pname} = _asarray({pname}, x.dtype)   # a weak scalar keeps bfloat16, as for float16
    if out is None and where is True and dtype is None and casting == "same_kind" \\
            and order == "K" and subok is True:
        state = _var_get()
        m = _cache.get(state) or _prepare(state)
        if m is state:
            return _ufunc(x, {pname})
        token = _var_set(m)
        try:
            return _ufunc(x, {pname})
        finally:
            _var_reset(token)
    if out is not None and not isinstance(out, (_ndarray, tuple)):
        _bad_out({fname!r}, {pname!r}, out)
    kw = _kw(out, where, casting, order, dtype, subok)
    state = _var_get()
    m = _cache.get(state) or _prepare(state)
    if m is state:
        return _ufunc(x, {pname}, **kw)
    token = _var_set(m)
    try:
        return _ufunc(x, {pname}, **kw)
    finally:
        _var_reset(token)
"""


class _NoContextVar:
    """Stand-in where NumPy's error state is not the expected context
    variable: the wrappers then call the ufunc plainly (warnings at the
    wrapper's line, as before)."""
    @staticmethod
    def get():
        return None


def _param_wrapper(ufunc, fname: str, param, doc: str) -> Callable:
    """A plain function ``fname(x, pname=default, out=None, *, where=..., ...)``
    calling the two-input ufunc.  Generated from a template (as namedtuple
    does) so that its signature is real and its call costs one frame.

    On top of the raw ufunc it (1) validates the parameter (the spec's
    ``Param.refuse``),
    (2) refuses an ``out`` that is not an array with a TypeError that names
    the likely mistake (a second parameter passed positionally), and
    (3) issues NumPy's RuntimeWarnings at the caller's line."""
    pname, pdefault = param.name, param.default
    tests, scalar_test, rule_doc = _rules(param)
    cache: dict = {}
    code_box: list = [None]
    var = _ERRSTATE_VAR
    if var is not None:
        prepare = _make_errstate(fname, cache, code_box)
    else:
        var = _NoContextVar

        def prepare(state):
            return state
    namespace = {"_kw": _kw, "_bad_out": _bad_out, "_ufunc": ufunc, "_default": pdefault,
                 "_check": _make_check(fname, pname, tests), "_inf": _math.inf,
                 "_ndarray": _np.ndarray, "_cache": cache, "_prepare": prepare,
                 "_bf16_box": _BF16_BOX, "_asarray": _np.asarray,
                 "_var_get": var.get, "_var_set": getattr(var, "set", None),
                 "_var_reset": getattr(var, "reset", None)}
    src = _WRAPPER_TEMPLATE.format(fname=fname, pname=pname, pdefault=pdefault,
                                   scalar_test=scalar_test.format(p=pname))
    exec(compile(src, f"<pyactx wrapper {fname}>", "exec"), namespace)
    fn = namespace[fname]
    code_box[0] = fn.__code__
    body = doc.split("\n\n", 1)[-1]          # drop the ufunc's own signature line
    fn.__doc__ = (f"{fname}(x, {pname}={pdefault!r}, out=None, *, where=True, "
                  f"casting='same_kind', order='K', dtype=None, subok=True)\n\n{body}\n\n"
                  f"Parameter check (this keyword wrapper only; the raw ufunc "
                  f"pyactx.ufuncs.{fname} keeps NumPy semantics): {pname} = NaN is a "
                  f"ValueError; {rule_doc} A scalar parameter is checked; an array "
                  f"parameter is checked elementwise when it is a NumPy array, list or "
                  f"tuple (Dask / xarray parameters are passed through unchecked).\n\n"
                  f"The second positional argument is {pname} "
                  f"({fname}(x, 2.0) means {pname}=2.0); out must be an array: anything "
                  f"else is a TypeError.  RuntimeWarnings (mode 'warn') are reported at the "
                  f"caller's line.\n\n"
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
            fwd = _param_wrapper(uf, act.name, p, uf.__doc__)
            grd = _param_wrapper(guf, act.name + "_grad", p, guf.__doc__)
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
        # cross_entropy / cross_entropy_grad: the Python functions of _losses
        # (PyTorch semantics: ignore_index, label_smoothing, probabilities);
        # the raw gufuncs stay in pyactx.ufuncs and as their .ufunc
        fn = getattr(_losses, gu.name, None)
        if fn is not None:
            fn.__module__ = __name__
        g[gu.name] = fn if fn is not None else getattr(_core, gu.name)
        __all__.append(gu.name)
    return activations, binary, family


_activations, _binary, _family = _build()

#: name -> ActivationInfo for every elementwise activation (aliases not repeated).
ACTIVATIONS: Mapping[str, ActivationInfo] = _activations
#: name -> spec entry of the two-input functions (GLU-family gates, binary cross-entropy).
BINARY: Mapping[str, _spec.Binary] = _binary
#: name -> spec entry of the softmax-family gufuncs.
SOFTMAX_FAMILY: Mapping[str, _spec.GUFunc] = _family

del _activations, _binary, _family, annotations, dataclass, Callable, Mapping, Tuple
