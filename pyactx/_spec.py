"""The single source of truth: every function pyactx provides, declared once.

This module is plain data and must stay importable without NumPy and without
the compiled extension: ``tools/generate_table.py`` executes it (by path) to
generate the C that registers and loops over every function
(``csrc/include/pyactx/table.inc``, ``csrc/loops/loop_instances.inc``), the Python package
builds its registry (``pyactx.ACTIVATIONS``) and its keyword wrappers from it,
and the tests, the README table and the notebooks iterate over it.

Adding an activation means one entry here (its ``family`` names the file)
plus its kernels in that family's file under ``csrc/include/pyactx/kernels/``;
CONTRIBUTING.md has the recipe.

Naming contract with the C core (see ``csrc/include/pyactx/pyactx.h``):

* ``unary``  : ``T pyactx_<name>_<s>(T x)`` and ``T pyactx_<name>_grad_<s>(T x)``
* ``param``  : ``T pyactx_<name>_<s>(T x, T p)`` and the same for ``_grad``
* ``gate``   : ``T pyactx_<name>_<s>(T a, T b)`` and
  ``void pyactx_<name>_grad_<s>(T a, T b, T *da, T *db)``
* ``pair``   : ``T pyactx_<name>_<s>(T x, T t)`` and the same for ``_grad``

where ``<s>`` is ``d`` (double) or ``l`` (long double), and ``f`` (float: the
double kernel, rounded once).  Vectorisable kernels ``pyactx_<name>_v_<s>``
(``s`` = ``f``, ``d``) serve the loops that ``simd`` names.  float16 loops
convert blocks to float32 and run the float32 loop's kernels.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional, Tuple

INF = float("inf")

#: Which loops run a vectorisable kernel (the ``simd`` and ``vhard`` fields):
#: the float32 loop (and the float16 loop, which runs the float32 kernels on
#: converted blocks) through the native-float vector kernel ``<name>_v_f``
#: (float arithmetic, twice the lanes of double; used where it keeps the
#: 4-ULP bar) ...
F32 = "float32"
#: ... or through the double vector kernel ``<name>_v_d``, rounded once ...
F32_VIA_F64 = "float32 via float64"
#: ... and the float64 loop through ``<name>_v_d``.
F64 = "float64"
SIMD_CHOICES = (F32, F32_VIA_F64, F64)
#: In ``vhard`` / ``vhard_grad`` only, beside F32 and F64 (and only in a
#: Binary's): the float32 kernel's hard lanes are common enough in real data
#: to matter (geglu: a < -12.5, 6 % of N(0, 8^2) inputs) and are recomputed,
#: a vector at a time, by the float64 vector kernel rounded once; only the
#: lanes hard for that one too get the scalar kernel (elementwise.inc,
#: fixw_2_1).
F32_HARD_VIA_F64 = "float32 hard lanes via float64"


@dataclass(frozen=True)
class Param:
    name: str
    default: float
    doc: str
    #: a second value that the mpmath reference data (tests/data) also covers
    alt: Optional[float] = None
    #: values the keyword wrapper refuses with a ValueError (NaN always is):
    #: (condition, message) pairs, condition one of REFUSE_CONDITIONS
    refuse: Tuple[Tuple[str, str], ...] = ()
    #: what the wrapper's docstring says about the values it accepts
    accepts: str = "any other value is accepted."


#: the conditions a Param can refuse (the wrapper tests them, scalar or array)
REFUSE_CONDITIONS = ("< 0", "== 0", "== inf")


#: The kernel families, in the order csrc/include/pyactx/kernels/families.inc
#: (generated) includes them: each is one file ``kernels/<family>.inc``
#: holding the scalar and vector kernels of the functions whose ``family``
#: names it.  Order matters only for what a family uses from another (gates
#: builds on sigmoid, swish and gelu, and so comes after them); a new family
#: is a new file and a line here.
FAMILIES: Tuple[Tuple[str, str], ...] = (
    ("sigmoid", "the logistic family and its loss"),
    ("swish", "x times a sigmoid-like gate"),
    ("tanh", "the hyperbolic tangent and what is built on it"),
    ("gelu", "the Gaussian error linear units"),
    ("gates", "two-input gated linear units (after sigmoid, swish, gelu)"),
    ("piecewise", "piecewise-linear functions"),
    ("exp_linear", "exponential linear units"),
    ("algebraic", "square-root and rational functions"),
)
_FAMILY_NAMES = tuple(f for f, _ in FAMILIES)


def _check_family(entry) -> None:
    if entry.family not in _FAMILY_NAMES:
        raise ValueError(f"{entry.name}: family {entry.family!r} is not one of FAMILIES "
                         f"{_FAMILY_NAMES}")


def _check_interleave(entry) -> None:
    for flags in (entry.interleave, entry.interleave_grad):
        seen = set()
        for e in flags.split():
            if (len(e) != 3 or e[0] not in "fd" or e[0] in seen
                    or e[1] not in "124" or e[2] not in "124"):
                raise ValueError(f"{entry.name}: interleave entries are '<f|d><1|2|4><1|2|4>' "
                                 f"(AVX-512, AVX2), once per dtype: {flags!r}")
            seen.add(e[0])


@dataclass(frozen=True)
class Activation:
    """An elementwise function ``f(x[, p])`` with its derivative ``f_grad``."""

    name: str
    title: str
    formula: str            # plain text, evaluable reading
    latex: str
    grad_formula: str
    grad_latex: str
    output_range: str
    zero_centred: str       # "yes", "no", "roughly"
    monotonic: bool
    smooth: bool            # continuously differentiable everywhere (C^1)
    bounded: str            # "both", "below", "above", "neither"
    max_abs_grad: float     # sup |f'(x)| at the default parameter (inf if unbounded)
    kinks: str              # derivative convention at non-differentiable points
    notes: str = ""
    params: Tuple[Param, ...] = ()
    aliases: Tuple[str, ...] = ()
    domain: str = "all real x"
    kind: str = field(default="unary")
    #: the kernel file ``csrc/include/pyactx/kernels/<family>.inc`` that
    #: holds ``NAME(<name>)`` and ``NAME(<name>_grad)`` (one of FAMILIES)
    family: str = ""
    #: exact points where the function or its derivative is not smooth or
    #: changes form: the reference data (tools/generate_reference.py) walks
    #: the neighbours of each.  Numbers, or "p" / "-p" for the parameter.
    kink_points: Tuple = ()
    #: an approximate interior root of the derivative (an expression in p,
    #: the parameter), refined with mpmath and walked like a kink: the
    #: derivative there is a cancellation (silu' at -1.28)
    grad_root: Optional[str] = None
    #: what the docstring example (``example_call``) prints, for the function
    #: and its derivative: written once, by hand, and checked as a doctest
    #: (tests/packaging/test_docs.py)
    example: str = ""
    grad_example: str = ""
    #: loops that use a vectorisable kernel ``<name>_v`` (in the function's
    #: family file, csrc/include/pyactx/kernels/) instead of the scalar one,
    #: as a tuple of SIMD_CHOICES (F32, F32_VIA_F64, F64; see there).  The
    #: loops not named use the scalar kernels.
    simd: Tuple[str, ...] = ()
    simd_grad: Tuple[str, ...] = ()
    #: those of ``simd`` / ``simd_grad`` whose vector kernel comes with a
    #: predicate ``<name>_vhard`` marking the lanes it does not handle (rare
    #: inputs: cancellation near a root, subnormal results, ...): the loop
    #: recomputes exactly those elements with the accurate scalar kernel.
    vhard: Tuple[str, ...] = ()
    vhard_grad: Tuple[str, ...] = ()
    #: (a function with one parameter) the vectorised loops of the function
    #: and its derivative have kernels at parameter 1 -- ``<name>_v1(x)``,
    #: ``<name>_grad_v1(x)`` and, where ``vhard`` / ``vhard_grad`` name the
    #: loop, the predicates ``<name>[_grad]_vhard1(x)`` -- that give the bits
    #: of ``<name>_v(x, 1)`` without the exact product p x that the general
    #: kernel forms (swish at beta = 1 is silu's kernel).  The loops use
    #: them when the parameter is the scalar 1, its default
    #: (elementwise.inc, range_2_1); tests/ufunc/test_unit_param.py checks
    #: the bits against the general kernel.
    unit_param: bool = False
    #: the loops ("f" float32, "d" float64) of the function / of its
    #: derivative that write outputs of 32 MiB and more with streaming
    #: stores (loops.inc, pyactx_stream_range: each 4 KiB tile computed
    #: into a buffer in L1, then copied to y): only for kernels so cheap
    #: that the loop is bound by memory -- those that set it measured
    #: 1.1-1.5x faster at 1e7 float32 / 5e6 float64 elements, 1 and 2
    #: threads, while kernels with more arithmetic measured 0.87-1.17x
    #: (hard_sigmoid 0.98-1.17, hard_silu 0.89-1.10, softsign 0.96-1.14,
    #: sigmoid 0.87, tanh 0.90) -- AMD EPYC Zen 4
    stream: str = ""
    stream_grad: str = ""
    #: the loops that take the same tiled path only when the call runs on
    #: one thread.  Loops with much arithmetic that write y as they read x
    #: ran at a speed that depended on the relative alignment of x and y:
    #: float32 softplus at 1e7, 1 thread, Intel Xeon, 0.95-1.10 ns/el with
    #: (y - x) mod 4096 in [256, 1536], 1.4-2.2 elsewhere -- NumPy's large
    #: allocations sit at the same offset in their pages, a slow case --
    #: and 1.05-1.13 at every offset through the tile.  Chosen by
    #: measurement (1e7 elements, N(0, 3^2), median of 5 alternating
    #: rounds, Intel Xeon, two sweeps): the loops marked gained 1.01-1.79x
    #: on one thread; the lighter ones gained nothing or lost (float32
    #: sigmoid 0.97, silu 1.00, float64 sigmoid 0.77, silu 0.91, softplus
    #: 0.92).  With two threads the plain loop was faster in most cases
    #: (tiled 0.72-1.40x, float64 selu 0.72, tanh 0.80), so it stays.
    #: float64 tanh left the list when its kernel halved (tanh_v, issue 12):
    #: 1e7, 1 thread, 1.24-1.26 ns/el plain, 1.48-1.50 tiled.  float64 gelu
    #: is `stream` instead (the tile on any number of threads): 1e7, 2
    #: threads, 3.50-3.64 ns/el plain, 2.91-3.23 tiled (three alternating
    #: runs; 1 thread 5.2-5.5 either way), so two threads gain 1.72-1.86x
    #: over one, not 1.48-1.54x.
    tiled: str = ""
    tiled_grad: str = ""
    #: how many consecutive elements an iteration of the vectorised loop
    #: of the function / of its derivative takes (1, 2 or 4), per loop and
    #: instruction set: entries "<dtype letter><AVX-512><AVX2>" ("f"
    #: float32, "d" float64), e.g. "f42 d44"; a loop not named takes 1, as
    #: do the SSE2 and non-x86 loops.  A kernel whose dependency chains are
    #: long runs several vectors side by side (elementwise.inc,
    #: PYACTX_ILV_EACH); a short one gains nothing and can lose (register
    #: pressure, and 0.89x for float32 selu' on AVX-512).  Chosen by
    #: measurement: tools/interleave_survey.py (1e5 elements, 1 thread,
    #: every loop at 1, 2 and 4 in alternating rounds) proposed the values
    #: on AMD EPYC Zen 4 (2026-12-07), and an entry stayed only where the
    #: built kernel then measured at least 1.04x its interleaving-1 time,
    #: side by side with the previous build in 5 (AVX-512) or 3 (AVX2)
    #: alternating rounds (README, speed section).  An entry costs code
    #: (the wheel's 3 MiB limit, tests/packaging): see elementwise.inc.
    interleave: str = ""
    interleave_grad: str = ""

    def __post_init__(self):
        for flags in (self.stream, self.stream_grad, self.tiled, self.tiled_grad):
            if not set(flags) <= {"f", "d"}:
                raise ValueError(f"{self.name}: stream / tiled flags are dtype letters 'f' and 'd'")
        _check_interleave(self)
        if self.unit_param and len(self.params) != 1:
            raise ValueError(f"{self.name}: unit_param needs exactly one parameter")
        if self.params and self.kind == "unary":
            object.__setattr__(self, "kind", "param")
        _check_family(self)


@dataclass(frozen=True)
class Binary:
    """A two-input elementwise function (GLU-family gate or a loss on logits)."""

    name: str
    title: str
    inputs: Tuple[str, str]
    formula: str
    latex: str
    grad_formula: str
    grad_latex: str
    kind: str               # "gate" (grad has 2 outputs) or "pair" (1 output)
    notes: str = ""
    family: str = ""        # the kernel file, as for Activation
    #: vectorised loops, as for Activation (``simd``: the function, kernel
    #: ``<name>_v(a, b)``; ``simd_grad``: the gradient, kernel ``<name>_grad_v(a, b)``
    #: for a pair, ``<name>_grad_v(a, b, &da, &db)`` for a gate), with hard-lane
    #: predicates ``<name>[_grad]_vhard(a, b)`` where ``vhard`` / ``vhard_grad``
    #: say so (kernels/gates.inc and sigmoid.inc).
    simd: Tuple[str, ...] = ()
    simd_grad: Tuple[str, ...] = ()
    vhard: Tuple[str, ...] = ()
    vhard_grad: Tuple[str, ...] = ()
    #: the forward (``nan2_hard``) or gradient (``nan2_hard_grad``) vector
    #: kernel's hard-lane predicate marks every lane where both inputs are NaN
    #: (glu, swiglu, swiglu': every NaN a; geglu': every non-finite a; glu':
    #: every NaN b), so those lanes are recomputed by the scalar kernel and
    #: the two-NaN wrapper (pyactx_nan2_*, csrc/loops/loops.inc) is needed
    #: around that one only, not around the vector kernel
    #: (tools/generate_table.py, nan2_wrap).  Where float32's hard lanes go
    #: to the float64 vector kernel first (F32_HARD_VIA_F64: geglu'), the
    #: float64 predicate must mark them too.  Measured, AVX-512 loops:
    #: float32 glu 50 -> 42 vector instructions per 16 floats (with its
    #: selects), glu' 52 -> 45, swiglu' 139 -> 107 (with its own selects)
    nan2_hard: bool = False
    nan2_hard_grad: bool = False
    #: the loops' interleaving, as for Activation
    interleave: str = ""
    interleave_grad: str = ""

    def __post_init__(self):
        _check_family(self)
        _check_interleave(self)


@dataclass(frozen=True)
class GUFunc:
    """A member of the softmax family, registered as a generalized ufunc."""

    name: str
    title: str
    signature: str
    inputs: Tuple[str, ...]
    formula: str
    latex: str
    notes: str = ""
    label_input: Optional[int] = None   # index of an integer (class label) input


_S2PI = "sqrt(2/pi)"

ACTIVATION_TABLE: Tuple[Activation, ...] = (
    Activation(
        name="sigmoid", interleave="f14 d14", interleave_grad="f24 d14", family="sigmoid", simd=(F32, F64), simd_grad=(F32, F64), tiled_grad="d", title="Logistic sigmoid",
        formula="1 / (1 + exp(-x))", latex=r"\sigma(x)=\frac{1}{1+e^{-x}}",
        grad_formula="exp(-|x|) / (1 + exp(-|x|))**2  (= s*(1-s), computed without cancellation)",
        grad_latex=r"\sigma'(x)=\sigma(x)\,\sigma(-x)",
        output_range="(0, 1)", zero_centred="no", monotonic=True, smooth=True,
        bounded="both", max_abs_grad=0.25, kinks="none (smooth)",
        notes="Saturates: sigmoid_grad <= 0.25 everywhere and ~exp(-|x|) in the tails.",
        example='array([0.26894142, 0.5       , 0.88079708])',
        grad_example='array([0.19661193, 0.25      , 0.10499359])',
    ),
    Activation(
        name="log_sigmoid", interleave="f14 d44", interleave_grad="f24 d14", family="sigmoid", simd=(F32, F64), vhard=(F32, F64), simd_grad=(F32, F64), tiled="d", title="Log-sigmoid",
        formula="min(x, 0) - log1p(exp(-|x|))", latex=r"\log\sigma(x)=-\operatorname{softplus}(-x)",
        grad_formula="sigmoid(-x)", grad_latex=r"\sigma(-x)",
        output_range="(-inf, 0)", zero_centred="no", monotonic=True, smooth=True,
        bounded="above", max_abs_grad=1.0, kinks="none (smooth)",
        example='array([-1.31326169, -0.69314718, -0.12692801])',
        grad_example='array([0.73105858, 0.5       , 0.11920292])',
    ),
    Activation(
        name="tanh", interleave="f14 d14", interleave_grad="d44", family="tanh", simd=(F32, F64), simd_grad=(F32, F64), vhard_grad=(F32,), tiled_grad="d", title="Hyperbolic tangent",
        formula="tanh(x)", latex=r"\tanh x",
        grad_formula="1 - tanh(x)**2 = 4 e / (1 + e)**2 with e = exp(-2|x|)",
        grad_latex=r"\operatorname{sech}^2 x",
        output_range="(-1, 1)", zero_centred="yes", monotonic=True, smooth=True,
        bounded="both", max_abs_grad=1.0, kinks="none (smooth)",
        example='array([-0.76159416,  0.        ,  0.96402758])',
        grad_example='array([0.41997434, 1.        , 0.07065082])',
    ),
    Activation(
        name="relu", interleave_grad="d21", family="piecewise", simd=(F32, F64), simd_grad=(F32, F64), stream="fd", stream_grad="fd", title="Rectified linear unit",
        formula="max(x, 0)", latex=r"\max(x,0)",
        grad_formula="1 if x > 0 else 0", grad_latex=r"[x>0]",
        output_range="[0, inf)", zero_centred="no", monotonic=True, smooth=False,
        bounded="below", max_abs_grad=1.0, kinks="relu_grad(0) = 0 (PyTorch convention)",
        kink_points=(0,),
        example='array([0., 0., 2.])',
        grad_example='array([0., 0., 1.])',
    ),
    Activation(
        name="relu6", family="piecewise", simd=(F32, F64), simd_grad=(F32, F64), stream="fd", stream_grad="fd", title="ReLU capped at 6",
        formula="min(max(x, 0), 6)", latex=r"\min(\max(x,0),6)",
        grad_formula="1 if 0 < x < 6 else 0", grad_latex=r"[0<x<6]",
        output_range="[0, 6]", zero_centred="no", monotonic=True, smooth=False,
        bounded="both", max_abs_grad=1.0, kinks="relu6_grad(0) = relu6_grad(6) = 0 (PyTorch convention)",
        kink_points=(0, 6),
        example='array([0., 0., 2.])',
        grad_example='array([0., 0., 1.])',
    ),
    Activation(
        name="selu", interleave="f14 d14", interleave_grad="d12", family="exp_linear", simd=(F32, F64), simd_grad=(F32, F64), vhard_grad=(F32, F64), tiled="fd", title="Scaled exponential linear unit",
        formula="lambda * (x if x > 0 else alpha * expm1(x)),  "
                "alpha = 1.6732632423543772848170429916717, lambda = 1.0507009873554804934193349852946",
        latex=r"\lambda\begin{cases}x & x>0\\ \alpha(e^x-1) & x\le 0\end{cases}",
        grad_formula="lambda if x > 0 else lambda * alpha * exp(x)",
        grad_latex=r"\lambda\begin{cases}1 & x>0\\ \alpha e^x & x\le 0\end{cases}",
        output_range="(-1.7580993408473766, inf)", zero_centred="roughly", monotonic=True,
        smooth=False, bounded="below", max_abs_grad=1.7580993408473766,
        kinks="selu_grad(0) = lambda*alpha (PyTorch convention: the x <= 0 branch)",
        notes="Self-normalising: keeps zero mean and unit variance through depth for N(0,1) inputs.",
        kink_points=(0,),
        example='array([-1.11133074,  0.        ,  2.10140197])',
        grad_example='array([0.6467686 , 1.75809934, 1.05070099])',
    ),
    Activation(
        name="gelu", interleave="f14 d44", interleave_grad="f24 d44", family="gelu", simd=(F32, F64), simd_grad=(F32, F64), stream="d", tiled="f", tiled_grad="f",
        title="Gaussian error linear unit (exact)",
        formula="x * Phi(x) = 0.5 * x * erfc(-x / sqrt(2))",
        latex=r"x\,\Phi(x)=\tfrac{x}{2}\operatorname{erfc}\!\left(-\tfrac{x}{\sqrt2}\right)",
        grad_formula="Phi(x) + x * phi(x),  phi(x) = exp(-x**2/2) / sqrt(2*pi)",
        grad_latex=r"\Phi(x)+x\,\varphi(x)",
        output_range="[-0.16997120..., inf)", zero_centred="roughly", monotonic=False,
        smooth=True, bounded="below", max_abs_grad=1.1289041451851547, kinks="none (smooth)",
        notes="For x << 0 it is evaluated through erfc, so gelu(-10) = -7.62e-23, not 0.",
        grad_root='-0.75',
        example='array([-0.15865525,  0.        ,  1.95449974])',
        grad_example='array([-0.08331547,  0.5       ,  1.0852318 ])',
    ),
    Activation(
        name="gelu_tanh", interleave="f44 d44", interleave_grad="f14 d44", family="gelu", simd=(F32, F64), simd_grad=(F32, F64), tiled="fd", tiled_grad="f",
        title="GELU, tanh approximation",
        formula="0.5 * x * (1 + tanh(u)) = x * sigmoid(2u),  u = sqrt(2/pi) * (x + 0.044715 * x**3)",
        latex=r"\tfrac{x}{2}\left(1+\tanh\!\left(\sqrt{2/\pi}\,(x+0.044715x^3)\right)\right)",
        grad_formula="s + x * s * (1 - s) * 2u',  s = sigmoid(2u), u' = sqrt(2/pi) * (1 + 3*0.044715*x**2)",
        grad_latex=r"\sigma(2u)+x\,\sigma(2u)\,\sigma(-2u)\,2u'(x)",
        output_range="[-0.17004075..., inf)", zero_centred="roughly", monotonic=False,
        smooth=True, bounded="below", max_abs_grad=1.128993068658772, kinks="none (smooth)",
        notes="The constant 0.044715 is taken as the exact decimal; the tails use double-double arguments.",
        grad_root='-0.75',
        example='array([-0.15880801,  0.        ,  1.95459769])',
        grad_example='array([-0.08296408,  0.5       ,  1.08609926])',
    ),
    Activation(
        name="silu", interleave_grad="f22 d22", family="swish", simd=(F32, F64), vhard=(F32, F64), simd_grad=(F32, F64), vhard_grad=(F32, F64), tiled_grad="f", title="Sigmoid linear unit (swish with beta = 1)",
        formula="x * sigmoid(x)", latex=r"x\,\sigma(x)",
        grad_formula="sigmoid(x) * (1 + x * sigmoid(-x))",
        grad_latex=r"\sigma(x)\left(1+x\,\sigma(-x)\right)",
        output_range="[-0.27846454276107380, inf)", zero_centred="roughly", monotonic=False,
        smooth=True, bounded="below", max_abs_grad=1.099839320128867, kinks="none (smooth)",
        grad_root='-1.28',
        example='array([-0.26894142,  0.        ,  1.76159416])',
        grad_example='array([0.07232949, 0.5       , 1.09078425])',
    ),
    Activation(
        name="mish", interleave="f44 d22", interleave_grad="f22 d22", family="swish", simd=(F32, F64), vhard=(F32, F64), simd_grad=(F32_VIA_F64, F64), vhard_grad=(F32_VIA_F64, F64), tiled="f", title="Mish",
        formula="x * tanh(softplus(x))", latex=r"x\tanh(\ln(1+e^x))",
        grad_formula="tanh(sp) + x * sech(sp)**2 * sigmoid(x),  sp = softplus(x)",
        grad_latex=r"\tanh(\mathrm{sp}(x))+x\,\operatorname{sech}^2(\mathrm{sp}(x))\,\sigma(x)",
        output_range="[-0.30884341..., inf)", zero_centred="roughly", monotonic=False,
        smooth=True, bounded="below", max_abs_grad=1.088498161251728, kinks="none (smooth)",
        grad_root='-1.19',
        example='array([-0.30340146,  0.        ,  1.94395896])',
        grad_example='array([0.05921676, 0.6       , 1.06931793])',
    ),
    Activation(
        name="softsign", interleave_grad="f41", family="algebraic", simd=(F32, F64), simd_grad=(F32, F64), tiled="fd", tiled_grad="d", title="Softsign",
        formula="x / (1 + |x|)", latex=r"\frac{x}{1+|x|}",
        grad_formula="1 / (1 + |x|)**2", grad_latex=r"\frac{1}{(1+|x|)^2}",
        output_range="(-1, 1)", zero_centred="yes", monotonic=True, smooth=True,
        bounded="both", max_abs_grad=1.0, kinks="none (C^1; the second derivative jumps at 0)",
        kink_points=(0,),
        example='array([-0.5       ,  0.        ,  0.66666667])',
        grad_example='array([0.25      , 1.        , 0.11111111])',
    ),
    Activation(
        name="hard_sigmoid", interleave_grad="d21", family="piecewise", simd=(F32, F64), simd_grad=(F32, F64), stream_grad="fd", title="Hard sigmoid",
        formula="relu6(x + 3) / 6", latex=r"\frac{\min(\max(x+3,0),6)}{6}",
        grad_formula="1/6 if -3 < x < 3 else 0", grad_latex=r"\tfrac16[-3<x<3]",
        output_range="[0, 1]", zero_centred="no", monotonic=True, smooth=False,
        bounded="both", max_abs_grad=1.0 / 6.0,
        kinks="hard_sigmoid_grad(-3) = hard_sigmoid_grad(3) = 0 (PyTorch convention)",
        notes="PyTorch/JAX/Keras-3 definition; Keras 2 used clip(0.2x + 0.5, 0, 1).",
        kink_points=(-3, 3),
        example='array([0.33333333, 0.5       , 0.83333333])',
        grad_example='array([0.16666667, 0.16666667, 0.16666667])',
    ),
    Activation(
        name="hard_silu", family="piecewise", simd=(F32, F64), simd_grad=(F32, F64), title="Hard SiLU (hard swish)",
        formula="x * relu6(x + 3) / 6", latex=r"x\,\frac{\min(\max(x+3,0),6)}{6}",
        grad_formula="0 if x <= -3 else (x/3 + 1/2 if x < 3 else 1)",
        grad_latex=r"\begin{cases}0&x\le-3\\ x/3+1/2&-3<x<3\\ 1&x\ge3\end{cases}",
        output_range="[-0.375, inf)", zero_centred="no", monotonic=False, smooth=False,
        bounded="below", max_abs_grad=1.5,
        kinks="hard_silu_grad(-3) = 0, hard_silu_grad(3) = 1 (PyTorch convention: autograd and aten.hardswish_backward)",
        aliases=("hard_swish",),
        kink_points=(-3, 3, -1.5),
        example='array([-0.33333333,  0.        ,  1.66666667])',
        grad_example='array([0.16666667, 0.5       , 1.16666667])',
    ),
    Activation(
        name="hard_tanh", interleave_grad="f41", family="piecewise", simd=(F32, F64), simd_grad=(F32, F64), stream="fd", stream_grad="fd", title="Hard tanh",
        formula="min(max(x, -1), 1)", latex=r"\min(\max(x,-1),1)",
        grad_formula="1 if -1 < x < 1 else 0", grad_latex=r"[-1<x<1]",
        output_range="[-1, 1]", zero_centred="yes", monotonic=True, smooth=False,
        bounded="both", max_abs_grad=1.0,
        kinks="hard_tanh_grad(-1) = hard_tanh_grad(1) = 0 (PyTorch convention)",
        kink_points=(-1, 1),
        example='array([-1.,  0.,  1.])',
        grad_example='array([0., 1., 0.])',
    ),
    Activation(
        name="tanhshrink", interleave="d14", interleave_grad="f24 d24", family="tanh", simd=(F32, F64), simd_grad=(F32, F64), tiled="fd", tiled_grad="fd", title="Tanhshrink",
        formula="x - tanh(x)", latex=r"x-\tanh x",
        grad_formula="tanh(x)**2", grad_latex=r"\tanh^2 x",
        output_range="(-inf, inf)", zero_centred="yes", monotonic=True, smooth=True,
        bounded="neither", max_abs_grad=1.0, kinks="none (smooth)",
        notes="Near 0 it is evaluated by a continued fraction, so tanhshrink(1e-3) = 3.33e-10 "
              "has no cancellation.",
        example='array([-0.23840584,  0.        ,  1.03597242])',
        grad_example='array([0.58002566, 0.        , 0.92934918])',
    ),
    Activation(
        name="logit", family="sigmoid", simd=(F32, F64), simd_grad=(F32, F64), vhard=(F32, F64), title="Logit (inverse of the sigmoid)",
        formula="log(p / (1 - p))", latex=r"\ln\frac{p}{1-p}",
        grad_formula="1 / (p * (1 - p))", grad_latex=r"\frac{1}{p(1-p)}",
        output_range="(-inf, inf)", zero_centred="yes (odd about p = 1/2)", monotonic=True,
        smooth=True, bounded="neither", max_abs_grad=INF,
        kinks="none on (0, 1); poles at 0 and 1 (divide-by-zero, +-inf); NaN with "
              "invalid outside [0, 1]",
        domain="0 <= p <= 1",
        kink_points=(0, 1, 0.5),
        example='array([-2.19722458,  0.        ,  2.19722458])',
        grad_example='array([11.11111111,  4.        , 11.11111111])',
    ),
    # ----- with one parameter --------------------------------------------
    Activation(
        name="leaky_relu", interleave="f12", interleave_grad="d41", family="piecewise", simd=(F32, F64), simd_grad=(F32, F64), stream="fd", stream_grad="fd", title="Leaky ReLU",
        formula="x if x > 0 else negative_slope * x",
        latex=r"\begin{cases}x&x>0\\ a\,x&x\le0\end{cases}",
        grad_formula="1 if x > 0 else negative_slope",
        grad_latex=r"\begin{cases}1&x>0\\ a&x\le0\end{cases}",
        output_range="(-inf, inf)", zero_centred="roughly", monotonic=True, smooth=False,
        bounded="neither", max_abs_grad=1.0,
        kinks="leaky_relu_grad(0) = negative_slope (PyTorch convention)",
        params=(Param("negative_slope", 0.01, "slope for x <= 0", alt=0.2,
            accepts='any other value is accepted, as in PyTorch (a negative or infinite slope included).'),),
        kink_points=(0,),
        example='array([-0.01,  0.  ,  2.  ])',
        grad_example='array([0.01, 0.01, 1.  ])',
    ),
    Activation(
        name="elu", interleave="f44 d14", interleave_grad="d12", family="exp_linear", simd=(F32, F64), simd_grad=(F32, F64), vhard_grad=(F32, F64), tiled="fd", title="Exponential linear unit",
        formula="x if x > 0 else alpha * expm1(x)",
        latex=r"\begin{cases}x&x>0\\ \alpha(e^x-1)&x\le0\end{cases}",
        grad_formula="1 if x > 0 else alpha * exp(x)",
        grad_latex=r"\begin{cases}1&x>0\\ \alpha e^x&x\le0\end{cases}",
        output_range="(-alpha, inf)", zero_centred="roughly", monotonic=True, smooth=True,
        bounded="below", max_abs_grad=1.0,
        kinks="elu_grad(0) = alpha (PyTorch convention); C^1 only for alpha = 1",
        params=(Param("alpha", 1.0, "saturation value -alpha for x -> -inf", alt=0.7,
            accepts='any other value is accepted, as in PyTorch (alpha <= 0 and alpha = inf included).'),),
        kink_points=(0,),
        example='array([-0.63212056,  0.        ,  2.        ])',
        grad_example='array([0.36787944, 1.        , 1.        ])',
    ),
    Activation(
        name="celu", family="exp_linear", simd=(F32, F64), simd_grad=(F32, F64), vhard=(F32, F64), vhard_grad=(F32, F64), tiled="f", title="Continuously differentiable ELU",
        formula="max(x, 0) + min(0, alpha * expm1(x / alpha))",
        latex=r"\max(0,x)+\min\!\left(0,\alpha\left(e^{x/\alpha}-1\right)\right)",
        grad_formula="1 if x > 0 else exp(x / alpha)",
        grad_latex=r"\begin{cases}1&x>0\\ e^{x/\alpha}&x\le0\end{cases}",
        output_range="(-alpha, inf)", zero_centred="roughly", monotonic=True, smooth=True,
        bounded="below", max_abs_grad=1.0, kinks="celu_grad(0) = 1",
        params=(Param("alpha", 1.0, "saturation value -alpha for x -> -inf (alpha > 0)", alt=0.7,
            refuse=(('== 0', 'alpha must not be 0 (the formula divides by alpha; PyTorch raises ZeroDivisionError: alpha cannot be 0 for CELU)'),),
            accepts="alpha = 0 is refused (PyTorch: ZeroDivisionError); negative and infinite alpha are accepted, as in PyTorch (alpha = inf gives NaN for x <= 0 with 'invalid')."),),
        kink_points=(0,),
        example='array([-0.63212056,  0.        ,  2.        ])',
        grad_example='array([0.36787944, 1.        , 1.        ])',
    ),
    Activation(
        name="swish", interleave_grad="f22 d12", family="swish", simd=(F32, F64), vhard=(F32, F64), simd_grad=(F32, F64), vhard_grad=(F32, F64), tiled_grad="f", title="Swish", unit_param=True,
        formula="x * sigmoid(beta * x)", latex=r"x\,\sigma(\beta x)",
        grad_formula="s * (1 + beta * x * (1 - s)),  s = sigmoid(beta * x)",
        grad_latex=r"\sigma(\beta x)\left(1+\beta x\,\sigma(-\beta x)\right)",
        output_range="[-0.2785/beta, inf) for beta > 0", zero_centred="roughly", monotonic=False,
        smooth=True, bounded="below", max_abs_grad=1.099839320128867, kinks="none (smooth)",
        params=(Param("beta", 1.0, "inverse temperature; beta = 1 is silu", alt=2.5,
            accepts='any other value is accepted (PyTorch has no swish with a beta: silu is beta = 1); beta = 0 gives x / 2.'),),
        grad_root='-1.28 / p',
        example='array([-0.26894142,  0.        ,  1.76159416])',
        grad_example='array([0.07232949, 0.5       , 1.09078425])',
    ),
    Activation(
        name="softplus", interleave="d44", interleave_grad="d12", family="sigmoid", simd=(F32, F64), vhard=(F32, F64), simd_grad=(F32, F64), vhard_grad=(F32, F64), tiled="f", unit_param=True,
        title="Softplus",
        formula="log1p(exp(beta * x)) / beta", latex=r"\frac{1}{\beta}\ln\left(1+e^{\beta x}\right)",
        grad_formula="sigmoid(beta * x)", grad_latex=r"\sigma(\beta x)",
        output_range="(0, inf)", zero_centred="no", monotonic=True, smooth=True,
        bounded="below", max_abs_grad=1.0, kinks="none (smooth)",
        notes="Exact for every x: no 'threshold' switch to the identity as in PyTorch.",
        params=(Param("beta", 1.0, "sharpness; the kink of relu is approached as beta -> inf", alt=2.5,
            accepts="any other value is accepted, as in PyTorch; beta = 0 gives +inf everywhere (divide-by-zero), as PyTorch's log1p(exp(0)) / 0 does."),),
        example='array([0.31326169, 0.69314718, 2.12692801])',
        grad_example='array([0.26894142, 0.5       , 0.88079708])',
    ),
    Activation(
        name="softshrink", family="piecewise", simd=(F32, F64), simd_grad=(F32, F64), stream="fd", stream_grad="fd", title="Soft shrinkage",
        formula="x - lambd if x > lambd else (x + lambd if x < -lambd else 0)",
        latex=r"\operatorname{sign}(x)\max(|x|-\lambda,0)",
        grad_formula="1 if |x| > lambd else 0", grad_latex=r"[|x|>\lambda]",
        output_range="(-inf, inf)", zero_centred="yes", monotonic=True, smooth=False,
        bounded="neither", max_abs_grad=1.0,
        kinks="softshrink_grad(+-lambd) = 0 (PyTorch convention)",
        params=(Param("lambd", 0.5, "half-width of the dead zone (lambd >= 0)", alt=1.25,
            refuse=(('< 0', 'lambd must be >= 0 (PyTorch: lambda must be in range [0, max])'), ('== inf', 'lambd must be finite (PyTorch: lambda must be in range [0, max])')),
            accepts='lambd < 0 and lambd = inf are refused, as in PyTorch (which requires 0 <= lambd <= the largest finite value).'),),
        kink_points=('p', '-p', 0),
        example='array([-0.5,  0. ,  1.5])',
        grad_example='array([1., 0., 1.])',
    ),
    Activation(
        name="hardshrink", family="piecewise", simd=(F32, F64), simd_grad=(F32, F64), stream="fd", stream_grad="fd", title="Hard shrinkage",
        formula="x if |x| > lambd else 0", latex=r"x\,[|x|>\lambda]",
        grad_formula="1 if |x| > lambd else 0", grad_latex=r"[|x|>\lambda]",
        output_range="(-inf, inf)", zero_centred="yes", monotonic=True, smooth=False,
        bounded="neither", max_abs_grad=1.0,
        kinks="discontinuous at +-lambd; hardshrink_grad(+-lambd) = 0 (PyTorch convention)",
        params=(Param("lambd", 0.5, "half-width of the dead zone (lambd >= 0)", alt=1.25,
            refuse=(('< 0', 'lambd must be >= 0 (the half-width of the dead zone)'),),
            accepts='lambd < 0 is refused (PyTorch accepts it and then returns x unchanged; refused here for consistency with softshrink); lambd = inf is accepted (everything is in the dead zone: 0, as PyTorch gives).'),),
        kink_points=('p', '-p', 0),
        example='array([-1.,  0.,  2.])',
        grad_example='array([1., 0., 1.])',
    ),
    Activation(
        name="squareplus", family="algebraic", simd=(F32, F64), simd_grad=(F32, F64), vhard=(F32, F64), vhard_grad=(F32, F64), title="Squareplus",
        formula="(x + sqrt(x**2 + b)) / 2", latex=r"\frac{x+\sqrt{x^2+b}}{2}",
        grad_formula="(1 + x / sqrt(x**2 + b)) / 2", grad_latex=r"\frac12\left(1+\frac{x}{\sqrt{x^2+b}}\right)",
        output_range="(0, inf) for b > 0", zero_centred="no", monotonic=True, smooth=True,
        bounded="below", max_abs_grad=1.0,
        kinks="none for b > 0; b = 0 gives relu with squareplus_grad(0) = 1/2; NaN with "
              "invalid where x**2 + b < 0",
        notes="For x << 0 it uses the conjugate form b / (2 (sqrt(x**2 + b) - x)): no cancellation.",
        params=(Param("b", 4.0, "curvature at 0 (b >= 0)", alt=0.5,
            refuse=(('< 0', 'b must be >= 0 (b < 0 gives NaN where x**2 + b < 0)'),),
            accepts="b < 0 is refused (no PyTorch counterpart; the definition needs b >= 0, the raw ufunc gives NaN with 'invalid' where x**2 + b < 0)."),),
        kink_points=(0,),
        example='array([0.61803399, 1.        , 2.41421356])',
        grad_example='array([0.2763932 , 0.5       , 0.85355339])',
    ),
)

BINARY_TABLE: Tuple[Binary, ...] = (
    Binary(
        name="glu", interleave_grad="d12", family="gates", title="Gated linear unit gate", inputs=("a", "b"),
        simd=(F32, F64), vhard=(F32, F64), simd_grad=(F32, F64), vhard_grad=(F32, F64),
        nan2_hard=True, nan2_hard_grad=True,
        formula="a * sigmoid(b)", latex=r"a\,\sigma(b)",
        grad_formula="(sigmoid(b), a * sigmoid(b) * sigmoid(-b))",
        grad_latex=r"\left(\sigma(b),\;a\,\sigma(b)\sigma(-b)\right)", kind="gate",
    ),
    Binary(
        name="swiglu", interleave_grad="f14 d12", family="gates", title="SwiGLU gate", inputs=("a", "b"),
        simd=(F32, F64), vhard=(F32, F64), simd_grad=(F32, F64), vhard_grad=(F32, F64),
        nan2_hard=True, nan2_hard_grad=True,
        formula="silu(a) * b", latex=r"\operatorname{silu}(a)\,b",
        grad_formula="(silu_grad(a) * b, silu(a))",
        grad_latex=r"\left(\operatorname{silu}'(a)\,b,\;\operatorname{silu}(a)\right)", kind="gate",
    ),
    Binary(
        name="geglu", interleave="f14 d12", interleave_grad="f14 d22", family="gates", title="GEGLU gate", inputs=("a", "b"),
        simd=(F32, F64), vhard=(F32, F32_HARD_VIA_F64, F64), simd_grad=(F32, F64),
        vhard_grad=(F32, F32_HARD_VIA_F64, F64), nan2_hard_grad=True,
        formula="gelu(a) * b", latex=r"\operatorname{gelu}(a)\,b",
        grad_formula="(gelu_grad(a) * b, gelu(a))",
        grad_latex=r"\left(\operatorname{gelu}'(a)\,b,\;\operatorname{gelu}(a)\right)", kind="gate",
    ),
    Binary(
        name="binary_cross_entropy", interleave="d44", interleave_grad="f22 d12", family="sigmoid", title="Binary cross-entropy from logits", inputs=("x", "t"),
        simd=(F32, F64), vhard=(F32, F64), simd_grad=(F32, F64), vhard_grad=(F64,),
        formula="t * softplus(-x) + (1 - t) * softplus(x)  (= -t log s - (1-t) log(1-s), s = sigmoid(x))",
        latex=r"t\,\operatorname{sp}(-x)+(1-t)\operatorname{sp}(x)",
        grad_formula="sigmoid(x) - t  (evaluated as (1-t) sigmoid(x) - t sigmoid(-x))",
        grad_latex=r"\sigma(x)-t", kind="pair",
        notes="Stable for every logit: never forms log(sigmoid(x)).",
    ),
)

GUFUNC_TABLE: Tuple[GUFunc, ...] = (
    GUFunc(
        name="softmax", title="Softmax", signature="(n)->(n)", inputs=("x",),
        formula="exp(x - max(x)) / sum(exp(x - max(x)))",
        latex=r"\frac{e^{x_i}}{\sum_j e^{x_j}}",
    ),
    GUFunc(
        name="log_softmax", title="Log-softmax", signature="(n)->(n)", inputs=("x",),
        formula="x - logsumexp(x)", latex=r"x_i-\log\sum_j e^{x_j}",
    ),
    GUFunc(
        name="logsumexp", title="Log-sum-exp", signature="(n)->()", inputs=("x",),
        formula="max(x) + log1p(sum over the others of exp(x - max(x)))",
        latex=r"\log\sum_j e^{x_j}",
        notes="An empty axis gives -inf (the log of an empty sum).",
    ),
    GUFunc(
        name="softmax_jacobian", title="Jacobian of softmax", signature="(n)->(n,n)", inputs=("x",),
        formula="J[i, j] = y_i * (delta_ij - y_j),  y = softmax(x)",
        latex=r"J_{ij}=y_i(\delta_{ij}-y_j)",
        notes="Use axes=[(k,), (k1, k2)] to choose axes; axis= is not accepted for two output core dims.",
    ),
    GUFunc(
        name="softmax_vjp", title="Vector-Jacobian product of softmax", signature="(n),(n)->(n)",
        inputs=("x", "g"), formula="y * (g - sum(y * g)),  y = softmax(x)",
        latex=r"y_i\left(g_i-\sum_j y_j g_j\right)",
    ),
    GUFunc(
        name="log_softmax_vjp", title="Vector-Jacobian product of log-softmax",
        signature="(n),(n)->(n)", inputs=("x", "g"),
        formula="g - softmax(x) * sum(g)", latex=r"g_i-y_i\sum_j g_j",
    ),
    GUFunc(
        name="cross_entropy", title="Cross-entropy of logits and an integer label",
        signature="(n),()->()", inputs=("logits", "label"),
        formula="logsumexp(x) - x[label]", latex=r"\log\sum_j e^{x_j}-x_{\ell}",
        label_input=1,
        notes="The raw gufunc (pyactx.ufuncs.cross_entropy) takes class indices in [0, n) and "
              "raises ValueError for any other label, checked per inner-loop call before it writes. "
              "pyactx.cross_entropy adds what PyTorch users expect: ignore_index=-100 (loss 0), "
              "label_smoothing=, class-probability targets shaped like the logits, dtype=, and "
              "checks every label of the call before anything is written.",
    ),
    GUFunc(
        name="cross_entropy_grad", title="Gradient of cross_entropy w.r.t. the logits",
        signature="(n),()->(n)", inputs=("logits", "label"),
        formula="softmax(x) - onehot(label)", latex=r"y_i-[i=\ell]",
        label_input=1,
        notes="Class indices in [0, n) for the raw gufunc; pyactx.cross_entropy_grad takes the "
              "same ignore_index= (gradient row 0), label_smoothing= and probability targets as "
              "pyactx.cross_entropy.",
    ),
)

SOFTMAX_ROW_NOTES = (
    "Rows are reduced along the last axis by default; pass axis= (or axes=) to choose. "
    "-inf entries give exactly 0; a row of all -inf gives NaN (log_softmax: NaN, logsumexp: -inf); "
    "a row containing +inf or NaN gives NaN (logsumexp: +inf for +inf without NaN). "
    "An axis of length 0 gives an empty result (logsumexp: -inf); length 1 gives softmax = 1."
)


# --------------------------------------------------------------------------
# Docstrings: built here so that the C registration and Python see one text.
# --------------------------------------------------------------------------

def _param_text(act: Activation) -> str:
    if not act.params:
        return ""
    p = act.params[0]
    return (f"\n\nParameter ``{p.name}`` (default {p.default!r}): {p.doc}.  The raw ufunc "
            f"``pyactx.ufuncs.{act.name}`` takes it as a second, broadcastable input; "
            f"``pyactx.{act.name}(x, {p.name}={p.default!r})`` offers it as a keyword.")


def example_call(act: Activation, fname: str) -> str:
    """The call shown in a docstring's example; what it prints is the entry's
    ``example`` / ``grad_example``."""
    xs = "[0.1, 0.5, 0.9]" if act.name == "logit" else "[-1.0, 0.0, 2.0]"
    if act.params:
        p = act.params[0]
        return f"pyactx.{fname}({xs}, {p.name}={p.default!r})"
    return f"pyactx.{fname}({xs})"


def _example(act: Activation, fname: str) -> str:
    call = example_call(act, fname)
    result = act.grad_example if fname.endswith("_grad") else act.example
    if not result:
        return ""
    return f"\n\nExample\n-------\n>>> import pyactx\n>>> {call}\n{result}"


def activation_doc(act: Activation) -> str:
    return (f"{act.title}.\n\n    {act.name}(x) = {act.formula}\n\n"
            f"Derivative: pyactx.{act.name}_grad(x) = {act.grad_formula}.\n"
            f"Kinks: {act.kinks}.\nRange: {act.output_range}; domain: {act.domain}."
            + (f"\n\n{act.notes}" if act.notes else "")
            + _param_text(act)
            + _example(act, act.name)
            + "\n\nFloat32/float64 results are within 4 ULP of the exact value; float16 inputs "
              "are computed in float32 and rounded once more.")


def activation_grad_doc(act: Activation) -> str:
    return (f"Derivative of pyactx.{act.name} ({act.title}).\n\n"
            f"    {act.name}_grad(x) = {act.grad_formula}\n\nKinks: {act.kinks}."
            + _param_text(act).replace(f"pyactx.ufuncs.{act.name}`", f"pyactx.ufuncs.{act.name}_grad`")
            .replace(f"pyactx.{act.name}(", f"pyactx.{act.name}_grad(")
            + _example(act, act.name + "_grad"))


def binary_doc(b: Binary) -> str:
    a0, a1 = b.inputs
    return (f"{b.title}.\n\n    {b.name}({a0}, {a1}) = {b.formula}\n\n"
            f"Gradient: pyactx.{b.name}_grad." + (f"\n\n{b.notes}" if b.notes else ""))


def binary_grad_doc(b: Binary) -> str:
    a0, a1 = b.inputs
    if b.kind == "gate":
        return (f"Gradient of pyactx.{b.name}: returns the pair (d/d{a0}, d/d{a1}).\n\n"
                f"    {b.name}_grad({a0}, {a1}) = {b.grad_formula}")
    return (f"Gradient of pyactx.{b.name} with respect to {a0}.\n\n"
            f"    {b.name}_grad({a0}, {a1}) = {b.grad_formula}")


def gufunc_doc(g: GUFunc) -> str:
    return (f"{g.title}, a generalized ufunc with signature {g.signature}.\n\n"
            f"    {g.name}({', '.join(g.inputs)}) = {g.formula}\n\n{SOFTMAX_ROW_NOTES}"
            + (f"\n\n{g.notes}" if g.notes else ""))
