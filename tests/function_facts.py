"""Facts about single functions that the tests check, in one place.

``pyactx/_spec.py`` is the library's own declaration of every function
(formula, range, monotonic, smooth, max |f'|, the ``kinks`` sentence,
aliases, ...); the tests read it and nothing here repeats it.  What is here
are the *test-side* facts that used to be spread over several test files and
``reference.py``: the numbers a test compares with, stated independently of
the library so that a test can catch the library drifting from them.

``FACTS[name]`` is a dict with any of these keys (a missing key: no such fact):

``kinks``
    ``p -> ((x, f'(x)), ...)``: the derivative's value AT each point where
    ``f`` is not differentiable, as a function of the parameter ``p`` (None
    for the functions without one).  These are PyTorch's backward conventions
    (the ``kinks`` sentence of the spec says so in words); ``reference.py``
    writes the same conventions into its branch conditions.  The values are
    float64 numbers (exact, or the float64 rounding of the exact value).  Read
    by packaging/test_registry.py (the dense grid's points; the float64 values
    at the default parameter) and ufunc/test_robustness.py (hard_silu).
``depends``
    ``{output: inputs}`` for gate-gradient outputs that do not depend on one
    of the inputs (output 1 = d/da, 2 = d/db): a NaN in an ignored input may,
    but need not, give NaN.  Read by ``reference.DEPENDS`` (the mpmath
    reference, hence the data generator) and numerics/test_accuracy.py.
``spot``
    ``((output, x, approx), ...)``: float64 values quoted in the spec/README
    (tail values; output 0 = f, 1 = f'), checked against mpmath (within
    4 ULP) and against the quoted 3 digits.  numerics/test_accuracy.py.
``f64_working_bits``
    ``{output: 64}`` for float64 outputs whose kernels carry the cancelling sum
    near an interior root in extended precision (long double on x87, or
    double-double / a factored polynomial in their vector kernels): the
    accuracy test holds them to the relative bar much closer to the root
    (kappa_limit 4 * 2**11 instead of 4).  numerics/test_accuracy.py.
``param_refused``
    ``v -> bool``: the parameter values the keyword wrapper refuses with a
    ValueError (the raw ufunc takes them all, NumPy semantics).  NaN is
    refused for every parameterised function (``NAN_PARAM_REFUSED``).
    ufunc/test_conventions.py, ufunc/test_properties.py.
``torch_param_deviation``
    ``v -> bool``: where our refusal decision differs from PyTorch's
    (PyTorch computes on where we refuse).  ufunc/test_conventions.py.
``vs_torch``
    ``((label, x, p, ours, torch's), ...)``: values at +-0 / +-inf where
    pyactx deliberately differs from PyTorch (README "Special values"); ``p``
    None for the functions without a parameter.  ufunc/test_robustness.py.

Interior roots of the derivatives (e.g. silu' at x = -1.2785) are where the
accuracy test measures in ULPs of the term scale; the scale functions live in
``reference.TERM_SCALE`` (mpmath code, needed by the data generator).
"""
from __future__ import annotations

import math

INF = math.inf

#: selu_grad(0) = lambda * alpha (reference.py's SELU_LAMBDA * SELU_ALPHA,
#: 1.75809934084737685994...), rounded once to float64
SELU_LAMBDA_ALPHA = 1.7580993408473768


def _nan(v):
    return v != v


FACTS = {
    # ---- unary ----------------------------------------------------------
    "sigmoid": {
        "spot": ((0, -100.0, 3.72e-44), (1, 40.0, 4.25e-18)),
    },
    "log_sigmoid": {
        "spot": ((0, 50.0, -1.93e-22),),
    },
    "relu": {
        "kinks": lambda p: ((0.0, 0.0),),
        "vs_torch": (("relu(-0.0)", [-0.0], None, [0.0], [-0.0]),),
    },
    "relu6": {
        "kinks": lambda p: ((0.0, 0.0), (6.0, 0.0)),
    },
    "selu": {
        # the x <= 0 branch: lambda * alpha * exp(0)
        "kinks": lambda p: ((0.0, SELU_LAMBDA_ALPHA),),
    },
    "gelu": {
        "spot": ((0, -10.0, -7.62e-23),),
        "f64_working_bits": {1: 64},
    },
    "gelu_tanh": {
        "f64_working_bits": {1: 64},
    },
    "silu": {
        "f64_working_bits": {1: 64},
    },
    # mish: its derivative's double-double sum meets the 53-bit limit (4), not
    # the 64-bit one (measured 5.7 ULP at x = -1.196, kappa ~ 10^3): no entry.
    "hard_sigmoid": {
        "kinks": lambda p: ((-3.0, 0.0), (3.0, 0.0)),
    },
    "hard_silu": {
        # PyTorch: autograd and aten.hardswish_backward
        "kinks": lambda p: ((-3.0, 0.0), (3.0, 1.0)),
    },
    "hard_tanh": {
        "kinks": lambda p: ((-1.0, 0.0), (1.0, 0.0)),
    },
    "tanhshrink": {
        "spot": ((0, 1e-3, 3.33e-10),),
    },
    # ---- one parameter ----------------------------------------------------
    "leaky_relu": {
        "kinks": lambda p: ((0.0, p),),
        "param_refused": lambda v: False,
        "vs_torch": (("leaky_relu(-inf, negative_slope=0)", [-INF], 0.0, [-0.0], [math.nan]),),
    },
    "elu": {
        "kinks": lambda p: ((0.0, p),),
        "param_refused": lambda v: False,
        "vs_torch": (("elu(+-0, alpha=inf)", [0.0, -0.0], INF, [math.nan, math.nan], [0.0, -0.0]),),
    },
    "celu": {
        "kinks": lambda p: ((0.0, 1.0),),
        "param_refused": lambda v: v == 0,                   # PyTorch: ZeroDivisionError
    },
    "swish": {
        "param_refused": lambda v: False,
        "f64_working_bits": {1: 64},
    },
    "softplus": {
        "param_refused": lambda v: False,
        "vs_torch": (("softplus(+-0, beta=inf)", [0.0, -0.0], INF, [0.0, 0.0], [math.nan, math.nan]),),
    },
    "softshrink": {
        "kinks": lambda p: ((-p, 0.0), (p, 0.0)),
        "param_refused": lambda v: v < 0 or v == INF,        # PyTorch: lambd in [0, max]
    },
    "hardshrink": {
        "kinks": lambda p: ((-p, 0.0), (p, 0.0)),             # (f itself jumps there)
        "param_refused": lambda v: v < 0,
        # PyTorch accepts lambd < 0 (and returns x unchanged)
        "torch_param_deviation": lambda v: v < 0,
    },
    "squareplus": {
        # b = 0 is relu with squareplus_grad(0) = 1/2; smooth for b > 0
        "kinks": lambda p: ((0.0, 0.5),) if p == 0 else (),
        "param_refused": lambda v: v < 0,
    },
    # ---- two inputs ---------------------------------------------------------
    "glu": {
        "depends": {1: (1,)},            # d/da a sigmoid(b) = sigmoid(b)
    },
    "swiglu": {
        "depends": {2: (0,)},            # d/db silu(a) b = silu(a)
        "f64_working_bits": {1: 64},
    },
    "geglu": {
        "depends": {2: (0,)},            # d/db gelu(a) b = gelu(a)
        "f64_working_bits": {1: 64},     # d/da: the cancelling sum in long double (x87)
    },
}

#: NaN is refused as the parameter of every parameterised function; PyTorch
#: computes on with a NaN parameter, except softshrink (which refuses it too).
NAN_PARAM_REFUSED = True
TORCH_REFUSES_NAN_PARAM = {"softshrink"}


# ---------------------------------------------------------------------------
# Accessors (what the tests call)
# ---------------------------------------------------------------------------

def fact(name, key, default=None):
    return FACTS.get(name, {}).get(key, default)


def kinks(name, p=None):
    """((x, f'(x)), ...) at the kinks of ``name`` for parameter ``p``."""
    k = fact(name, "kinks")
    return () if k is None else tuple(k(p))


def kink_points(names):
    """The kink positions of the parameterless functions among ``names``."""
    return sorted({x for n in names for x, _ in kinks(n)})


def depends():
    """{(name, output): inputs it depends on} over every function."""
    return {(n, o): ins for n, f in FACTS.items() for o, ins in f.get("depends", {}).items()}


def spot_values():
    """[(name, output, x, approx), ...]."""
    return [(n, o, x, a) for n, f in FACTS.items() for o, x, a in f.get("spot", ())]


def f64_extended_working():
    """{(name, output)} of the float64 outputs held to the 64-bit limit."""
    return {(n, o) for n, f in FACTS.items() for o, b in f.get("f64_working_bits", {}).items()
            if b == 64}


def param_refused(name, v):
    """Does the keyword wrapper of ``name`` refuse parameter value ``v``?"""
    if _nan(v):
        return NAN_PARAM_REFUSED
    if "param_refused" not in FACTS.get(name, {}):
        raise KeyError(f"tests/function_facts.py: FACTS[{name!r}] needs a 'param_refused' "
                       f"entry (which parameter values the keyword wrapper refuses)")
    return bool(FACTS[name]["param_refused"](v))


def torch_param_deviation(name, v):
    """Where we refuse ``v`` but PyTorch computes on (documented deviations)."""
    if _nan(v):
        return name not in TORCH_REFUSES_NAN_PARAM
    dev = fact(name, "torch_param_deviation")
    return bool(dev(v)) if dev is not None else False


def vs_torch():
    """[(label, name, x, p, ours, torch's), ...]."""
    return [(lab, n, x, p, ours, theirs) for n, f in FACTS.items()
            for lab, x, p, ours, theirs in f.get("vs_torch", ())]
