# Generated from pyactx/_spec.py by tools/generate_stubs.py -- do not edit.
"""pyactx: every neural-network activation, its derivative and the softmax family
as NumPy ufuncs (type stubs; see pyactx/__init__.py)."""
from dataclasses import dataclass
from typing import (Any, Callable, Mapping, Protocol, SupportsIndex, Tuple, overload,
                    type_check_only)

import numpy as np
from numpy._typing import _ArrayLikeBool_co, _ArrayLikeFloat_co, _ArrayLikeInt_co
from numpy.typing import DTypeLike, NDArray

from . import _spec as _spec
from . import ufuncs as ufuncs
from .ufuncs import (
    _GUFunc_Jacobian as _GUFunc_Jacobian,
    _GUFunc_LabelMap as _GUFunc_LabelMap,
    _GUFunc_LabelReduce as _GUFunc_LabelReduce,
    _GUFunc_Map as _GUFunc_Map,
    _GUFunc_Reduce as _GUFunc_Reduce,
    _GUFunc_VJP as _GUFunc_VJP,
    _UFunc_1_1 as _UFunc_1_1,
    _UFunc_2_1 as _UFunc_2_1,
    _UFunc_2_2 as _UFunc_2_2,
    _Casting as _Casting,
    _In as _In,
    _Order as _Order,
    _Out1 as _Out1,
    _Scalar as _Scalar,
    _SupportsArrayUFunc as _SupportsArrayUFunc,
)

__all__: list[str]

ACTIVATIONS: Mapping[str, ActivationInfo]
BINARY: Mapping[str, _spec.Binary]
SOFTMAX_FAMILY: Mapping[str, _spec.GUFunc]
__version__: str
def get_dispatch() -> str: ...
def set_dispatch(name: str, /) -> str: ...
def available_dispatch() -> list[str]: ...
def get_num_threads() -> int: ...
def set_num_threads(n: int, /) -> int: ...
BFLOAT16: np.dtype[Any] | None

@dataclass(frozen=True)
class ActivationInfo:
    """One activation: its callables and what a teacher would tabulate."""
    name: str
    title: str
    forward: Callable
    grad: Callable
    ufunc: object
    grad_ufunc: object
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
    def defaults(self) -> dict[str, float]: ...
    def __call__(self, x: Any, **params: float) -> Any: ...

@type_check_only
class _leaky_relu_fn(Protocol):
    """pyactx.leaky_relu(x, negative_slope=0.01, out=None, *, ...): keyword wrapper of
    pyactx.ufuncs.leaky_relu."""
    __name__: str
    __qualname__: str
    @property
    def ufunc(self) -> _UFunc_2_1: ...
    @overload
    def __call__(self, x: _Scalar, negative_slope: _Scalar = 0.01, out: None = None, *,
                 where: _ArrayLikeBool_co | None = True, casting: _Casting = "same_kind",
                 order: _Order = "K", dtype: DTypeLike | None = None,
                 subok: bool = True) -> Any: ...
    @overload
    def __call__(self, x: _ArrayLikeFloat_co, negative_slope: _ArrayLikeFloat_co = 0.01,
                 out: _Out1 = None, *, where: _ArrayLikeBool_co | None = True,
                 casting: _Casting = "same_kind", order: _Order = "K",
                 dtype: DTypeLike | None = None, subok: bool = True) -> NDArray[Any]: ...
    @overload
    def __call__(self, x: _In, negative_slope: _In = 0.01, out: _Out1 = None, *,
                 where: _ArrayLikeBool_co | None = True, casting: _Casting = "same_kind",
                 order: _Order = "K", dtype: DTypeLike | None = None,
                 subok: bool = True) -> Any: ...

@type_check_only
class _leaky_relu_grad_fn(Protocol):
    """pyactx.leaky_relu_grad(x, negative_slope=0.01, out=None, *, ...): keyword wrapper of
    pyactx.ufuncs.leaky_relu_grad."""
    __name__: str
    __qualname__: str
    @property
    def ufunc(self) -> _UFunc_2_1: ...
    @overload
    def __call__(self, x: _Scalar, negative_slope: _Scalar = 0.01, out: None = None, *,
                 where: _ArrayLikeBool_co | None = True, casting: _Casting = "same_kind",
                 order: _Order = "K", dtype: DTypeLike | None = None,
                 subok: bool = True) -> Any: ...
    @overload
    def __call__(self, x: _ArrayLikeFloat_co, negative_slope: _ArrayLikeFloat_co = 0.01,
                 out: _Out1 = None, *, where: _ArrayLikeBool_co | None = True,
                 casting: _Casting = "same_kind", order: _Order = "K",
                 dtype: DTypeLike | None = None, subok: bool = True) -> NDArray[Any]: ...
    @overload
    def __call__(self, x: _In, negative_slope: _In = 0.01, out: _Out1 = None, *,
                 where: _ArrayLikeBool_co | None = True, casting: _Casting = "same_kind",
                 order: _Order = "K", dtype: DTypeLike | None = None,
                 subok: bool = True) -> Any: ...

@type_check_only
class _elu_fn(Protocol):
    """pyactx.elu(x, alpha=1.0, out=None, *, ...): keyword wrapper of
    pyactx.ufuncs.elu."""
    __name__: str
    __qualname__: str
    @property
    def ufunc(self) -> _UFunc_2_1: ...
    @overload
    def __call__(self, x: _Scalar, alpha: _Scalar = 1.0, out: None = None, *,
                 where: _ArrayLikeBool_co | None = True, casting: _Casting = "same_kind",
                 order: _Order = "K", dtype: DTypeLike | None = None,
                 subok: bool = True) -> Any: ...
    @overload
    def __call__(self, x: _ArrayLikeFloat_co, alpha: _ArrayLikeFloat_co = 1.0,
                 out: _Out1 = None, *, where: _ArrayLikeBool_co | None = True,
                 casting: _Casting = "same_kind", order: _Order = "K",
                 dtype: DTypeLike | None = None, subok: bool = True) -> NDArray[Any]: ...
    @overload
    def __call__(self, x: _In, alpha: _In = 1.0, out: _Out1 = None, *,
                 where: _ArrayLikeBool_co | None = True, casting: _Casting = "same_kind",
                 order: _Order = "K", dtype: DTypeLike | None = None,
                 subok: bool = True) -> Any: ...

@type_check_only
class _elu_grad_fn(Protocol):
    """pyactx.elu_grad(x, alpha=1.0, out=None, *, ...): keyword wrapper of
    pyactx.ufuncs.elu_grad."""
    __name__: str
    __qualname__: str
    @property
    def ufunc(self) -> _UFunc_2_1: ...
    @overload
    def __call__(self, x: _Scalar, alpha: _Scalar = 1.0, out: None = None, *,
                 where: _ArrayLikeBool_co | None = True, casting: _Casting = "same_kind",
                 order: _Order = "K", dtype: DTypeLike | None = None,
                 subok: bool = True) -> Any: ...
    @overload
    def __call__(self, x: _ArrayLikeFloat_co, alpha: _ArrayLikeFloat_co = 1.0,
                 out: _Out1 = None, *, where: _ArrayLikeBool_co | None = True,
                 casting: _Casting = "same_kind", order: _Order = "K",
                 dtype: DTypeLike | None = None, subok: bool = True) -> NDArray[Any]: ...
    @overload
    def __call__(self, x: _In, alpha: _In = 1.0, out: _Out1 = None, *,
                 where: _ArrayLikeBool_co | None = True, casting: _Casting = "same_kind",
                 order: _Order = "K", dtype: DTypeLike | None = None,
                 subok: bool = True) -> Any: ...

@type_check_only
class _celu_fn(Protocol):
    """pyactx.celu(x, alpha=1.0, out=None, *, ...): keyword wrapper of
    pyactx.ufuncs.celu."""
    __name__: str
    __qualname__: str
    @property
    def ufunc(self) -> _UFunc_2_1: ...
    @overload
    def __call__(self, x: _Scalar, alpha: _Scalar = 1.0, out: None = None, *,
                 where: _ArrayLikeBool_co | None = True, casting: _Casting = "same_kind",
                 order: _Order = "K", dtype: DTypeLike | None = None,
                 subok: bool = True) -> Any: ...
    @overload
    def __call__(self, x: _ArrayLikeFloat_co, alpha: _ArrayLikeFloat_co = 1.0,
                 out: _Out1 = None, *, where: _ArrayLikeBool_co | None = True,
                 casting: _Casting = "same_kind", order: _Order = "K",
                 dtype: DTypeLike | None = None, subok: bool = True) -> NDArray[Any]: ...
    @overload
    def __call__(self, x: _In, alpha: _In = 1.0, out: _Out1 = None, *,
                 where: _ArrayLikeBool_co | None = True, casting: _Casting = "same_kind",
                 order: _Order = "K", dtype: DTypeLike | None = None,
                 subok: bool = True) -> Any: ...

@type_check_only
class _celu_grad_fn(Protocol):
    """pyactx.celu_grad(x, alpha=1.0, out=None, *, ...): keyword wrapper of
    pyactx.ufuncs.celu_grad."""
    __name__: str
    __qualname__: str
    @property
    def ufunc(self) -> _UFunc_2_1: ...
    @overload
    def __call__(self, x: _Scalar, alpha: _Scalar = 1.0, out: None = None, *,
                 where: _ArrayLikeBool_co | None = True, casting: _Casting = "same_kind",
                 order: _Order = "K", dtype: DTypeLike | None = None,
                 subok: bool = True) -> Any: ...
    @overload
    def __call__(self, x: _ArrayLikeFloat_co, alpha: _ArrayLikeFloat_co = 1.0,
                 out: _Out1 = None, *, where: _ArrayLikeBool_co | None = True,
                 casting: _Casting = "same_kind", order: _Order = "K",
                 dtype: DTypeLike | None = None, subok: bool = True) -> NDArray[Any]: ...
    @overload
    def __call__(self, x: _In, alpha: _In = 1.0, out: _Out1 = None, *,
                 where: _ArrayLikeBool_co | None = True, casting: _Casting = "same_kind",
                 order: _Order = "K", dtype: DTypeLike | None = None,
                 subok: bool = True) -> Any: ...

@type_check_only
class _swish_fn(Protocol):
    """pyactx.swish(x, beta=1.0, out=None, *, ...): keyword wrapper of
    pyactx.ufuncs.swish."""
    __name__: str
    __qualname__: str
    @property
    def ufunc(self) -> _UFunc_2_1: ...
    @overload
    def __call__(self, x: _Scalar, beta: _Scalar = 1.0, out: None = None, *,
                 where: _ArrayLikeBool_co | None = True, casting: _Casting = "same_kind",
                 order: _Order = "K", dtype: DTypeLike | None = None,
                 subok: bool = True) -> Any: ...
    @overload
    def __call__(self, x: _ArrayLikeFloat_co, beta: _ArrayLikeFloat_co = 1.0,
                 out: _Out1 = None, *, where: _ArrayLikeBool_co | None = True,
                 casting: _Casting = "same_kind", order: _Order = "K",
                 dtype: DTypeLike | None = None, subok: bool = True) -> NDArray[Any]: ...
    @overload
    def __call__(self, x: _In, beta: _In = 1.0, out: _Out1 = None, *,
                 where: _ArrayLikeBool_co | None = True, casting: _Casting = "same_kind",
                 order: _Order = "K", dtype: DTypeLike | None = None,
                 subok: bool = True) -> Any: ...

@type_check_only
class _swish_grad_fn(Protocol):
    """pyactx.swish_grad(x, beta=1.0, out=None, *, ...): keyword wrapper of
    pyactx.ufuncs.swish_grad."""
    __name__: str
    __qualname__: str
    @property
    def ufunc(self) -> _UFunc_2_1: ...
    @overload
    def __call__(self, x: _Scalar, beta: _Scalar = 1.0, out: None = None, *,
                 where: _ArrayLikeBool_co | None = True, casting: _Casting = "same_kind",
                 order: _Order = "K", dtype: DTypeLike | None = None,
                 subok: bool = True) -> Any: ...
    @overload
    def __call__(self, x: _ArrayLikeFloat_co, beta: _ArrayLikeFloat_co = 1.0,
                 out: _Out1 = None, *, where: _ArrayLikeBool_co | None = True,
                 casting: _Casting = "same_kind", order: _Order = "K",
                 dtype: DTypeLike | None = None, subok: bool = True) -> NDArray[Any]: ...
    @overload
    def __call__(self, x: _In, beta: _In = 1.0, out: _Out1 = None, *,
                 where: _ArrayLikeBool_co | None = True, casting: _Casting = "same_kind",
                 order: _Order = "K", dtype: DTypeLike | None = None,
                 subok: bool = True) -> Any: ...

@type_check_only
class _softplus_fn(Protocol):
    """pyactx.softplus(x, beta=1.0, out=None, *, ...): keyword wrapper of
    pyactx.ufuncs.softplus."""
    __name__: str
    __qualname__: str
    @property
    def ufunc(self) -> _UFunc_2_1: ...
    @overload
    def __call__(self, x: _Scalar, beta: _Scalar = 1.0, out: None = None, *,
                 where: _ArrayLikeBool_co | None = True, casting: _Casting = "same_kind",
                 order: _Order = "K", dtype: DTypeLike | None = None,
                 subok: bool = True) -> Any: ...
    @overload
    def __call__(self, x: _ArrayLikeFloat_co, beta: _ArrayLikeFloat_co = 1.0,
                 out: _Out1 = None, *, where: _ArrayLikeBool_co | None = True,
                 casting: _Casting = "same_kind", order: _Order = "K",
                 dtype: DTypeLike | None = None, subok: bool = True) -> NDArray[Any]: ...
    @overload
    def __call__(self, x: _In, beta: _In = 1.0, out: _Out1 = None, *,
                 where: _ArrayLikeBool_co | None = True, casting: _Casting = "same_kind",
                 order: _Order = "K", dtype: DTypeLike | None = None,
                 subok: bool = True) -> Any: ...

@type_check_only
class _softplus_grad_fn(Protocol):
    """pyactx.softplus_grad(x, beta=1.0, out=None, *, ...): keyword wrapper of
    pyactx.ufuncs.softplus_grad."""
    __name__: str
    __qualname__: str
    @property
    def ufunc(self) -> _UFunc_2_1: ...
    @overload
    def __call__(self, x: _Scalar, beta: _Scalar = 1.0, out: None = None, *,
                 where: _ArrayLikeBool_co | None = True, casting: _Casting = "same_kind",
                 order: _Order = "K", dtype: DTypeLike | None = None,
                 subok: bool = True) -> Any: ...
    @overload
    def __call__(self, x: _ArrayLikeFloat_co, beta: _ArrayLikeFloat_co = 1.0,
                 out: _Out1 = None, *, where: _ArrayLikeBool_co | None = True,
                 casting: _Casting = "same_kind", order: _Order = "K",
                 dtype: DTypeLike | None = None, subok: bool = True) -> NDArray[Any]: ...
    @overload
    def __call__(self, x: _In, beta: _In = 1.0, out: _Out1 = None, *,
                 where: _ArrayLikeBool_co | None = True, casting: _Casting = "same_kind",
                 order: _Order = "K", dtype: DTypeLike | None = None,
                 subok: bool = True) -> Any: ...

@type_check_only
class _softshrink_fn(Protocol):
    """pyactx.softshrink(x, lambd=0.5, out=None, *, ...): keyword wrapper of
    pyactx.ufuncs.softshrink."""
    __name__: str
    __qualname__: str
    @property
    def ufunc(self) -> _UFunc_2_1: ...
    @overload
    def __call__(self, x: _Scalar, lambd: _Scalar = 0.5, out: None = None, *,
                 where: _ArrayLikeBool_co | None = True, casting: _Casting = "same_kind",
                 order: _Order = "K", dtype: DTypeLike | None = None,
                 subok: bool = True) -> Any: ...
    @overload
    def __call__(self, x: _ArrayLikeFloat_co, lambd: _ArrayLikeFloat_co = 0.5,
                 out: _Out1 = None, *, where: _ArrayLikeBool_co | None = True,
                 casting: _Casting = "same_kind", order: _Order = "K",
                 dtype: DTypeLike | None = None, subok: bool = True) -> NDArray[Any]: ...
    @overload
    def __call__(self, x: _In, lambd: _In = 0.5, out: _Out1 = None, *,
                 where: _ArrayLikeBool_co | None = True, casting: _Casting = "same_kind",
                 order: _Order = "K", dtype: DTypeLike | None = None,
                 subok: bool = True) -> Any: ...

@type_check_only
class _softshrink_grad_fn(Protocol):
    """pyactx.softshrink_grad(x, lambd=0.5, out=None, *, ...): keyword wrapper of
    pyactx.ufuncs.softshrink_grad."""
    __name__: str
    __qualname__: str
    @property
    def ufunc(self) -> _UFunc_2_1: ...
    @overload
    def __call__(self, x: _Scalar, lambd: _Scalar = 0.5, out: None = None, *,
                 where: _ArrayLikeBool_co | None = True, casting: _Casting = "same_kind",
                 order: _Order = "K", dtype: DTypeLike | None = None,
                 subok: bool = True) -> Any: ...
    @overload
    def __call__(self, x: _ArrayLikeFloat_co, lambd: _ArrayLikeFloat_co = 0.5,
                 out: _Out1 = None, *, where: _ArrayLikeBool_co | None = True,
                 casting: _Casting = "same_kind", order: _Order = "K",
                 dtype: DTypeLike | None = None, subok: bool = True) -> NDArray[Any]: ...
    @overload
    def __call__(self, x: _In, lambd: _In = 0.5, out: _Out1 = None, *,
                 where: _ArrayLikeBool_co | None = True, casting: _Casting = "same_kind",
                 order: _Order = "K", dtype: DTypeLike | None = None,
                 subok: bool = True) -> Any: ...

@type_check_only
class _hardshrink_fn(Protocol):
    """pyactx.hardshrink(x, lambd=0.5, out=None, *, ...): keyword wrapper of
    pyactx.ufuncs.hardshrink."""
    __name__: str
    __qualname__: str
    @property
    def ufunc(self) -> _UFunc_2_1: ...
    @overload
    def __call__(self, x: _Scalar, lambd: _Scalar = 0.5, out: None = None, *,
                 where: _ArrayLikeBool_co | None = True, casting: _Casting = "same_kind",
                 order: _Order = "K", dtype: DTypeLike | None = None,
                 subok: bool = True) -> Any: ...
    @overload
    def __call__(self, x: _ArrayLikeFloat_co, lambd: _ArrayLikeFloat_co = 0.5,
                 out: _Out1 = None, *, where: _ArrayLikeBool_co | None = True,
                 casting: _Casting = "same_kind", order: _Order = "K",
                 dtype: DTypeLike | None = None, subok: bool = True) -> NDArray[Any]: ...
    @overload
    def __call__(self, x: _In, lambd: _In = 0.5, out: _Out1 = None, *,
                 where: _ArrayLikeBool_co | None = True, casting: _Casting = "same_kind",
                 order: _Order = "K", dtype: DTypeLike | None = None,
                 subok: bool = True) -> Any: ...

@type_check_only
class _hardshrink_grad_fn(Protocol):
    """pyactx.hardshrink_grad(x, lambd=0.5, out=None, *, ...): keyword wrapper of
    pyactx.ufuncs.hardshrink_grad."""
    __name__: str
    __qualname__: str
    @property
    def ufunc(self) -> _UFunc_2_1: ...
    @overload
    def __call__(self, x: _Scalar, lambd: _Scalar = 0.5, out: None = None, *,
                 where: _ArrayLikeBool_co | None = True, casting: _Casting = "same_kind",
                 order: _Order = "K", dtype: DTypeLike | None = None,
                 subok: bool = True) -> Any: ...
    @overload
    def __call__(self, x: _ArrayLikeFloat_co, lambd: _ArrayLikeFloat_co = 0.5,
                 out: _Out1 = None, *, where: _ArrayLikeBool_co | None = True,
                 casting: _Casting = "same_kind", order: _Order = "K",
                 dtype: DTypeLike | None = None, subok: bool = True) -> NDArray[Any]: ...
    @overload
    def __call__(self, x: _In, lambd: _In = 0.5, out: _Out1 = None, *,
                 where: _ArrayLikeBool_co | None = True, casting: _Casting = "same_kind",
                 order: _Order = "K", dtype: DTypeLike | None = None,
                 subok: bool = True) -> Any: ...

@type_check_only
class _squareplus_fn(Protocol):
    """pyactx.squareplus(x, b=4.0, out=None, *, ...): keyword wrapper of
    pyactx.ufuncs.squareplus."""
    __name__: str
    __qualname__: str
    @property
    def ufunc(self) -> _UFunc_2_1: ...
    @overload
    def __call__(self, x: _Scalar, b: _Scalar = 4.0, out: None = None, *,
                 where: _ArrayLikeBool_co | None = True, casting: _Casting = "same_kind",
                 order: _Order = "K", dtype: DTypeLike | None = None,
                 subok: bool = True) -> Any: ...
    @overload
    def __call__(self, x: _ArrayLikeFloat_co, b: _ArrayLikeFloat_co = 4.0,
                 out: _Out1 = None, *, where: _ArrayLikeBool_co | None = True,
                 casting: _Casting = "same_kind", order: _Order = "K",
                 dtype: DTypeLike | None = None, subok: bool = True) -> NDArray[Any]: ...
    @overload
    def __call__(self, x: _In, b: _In = 4.0, out: _Out1 = None, *,
                 where: _ArrayLikeBool_co | None = True, casting: _Casting = "same_kind",
                 order: _Order = "K", dtype: DTypeLike | None = None,
                 subok: bool = True) -> Any: ...

@type_check_only
class _squareplus_grad_fn(Protocol):
    """pyactx.squareplus_grad(x, b=4.0, out=None, *, ...): keyword wrapper of
    pyactx.ufuncs.squareplus_grad."""
    __name__: str
    __qualname__: str
    @property
    def ufunc(self) -> _UFunc_2_1: ...
    @overload
    def __call__(self, x: _Scalar, b: _Scalar = 4.0, out: None = None, *,
                 where: _ArrayLikeBool_co | None = True, casting: _Casting = "same_kind",
                 order: _Order = "K", dtype: DTypeLike | None = None,
                 subok: bool = True) -> Any: ...
    @overload
    def __call__(self, x: _ArrayLikeFloat_co, b: _ArrayLikeFloat_co = 4.0,
                 out: _Out1 = None, *, where: _ArrayLikeBool_co | None = True,
                 casting: _Casting = "same_kind", order: _Order = "K",
                 dtype: DTypeLike | None = None, subok: bool = True) -> NDArray[Any]: ...
    @overload
    def __call__(self, x: _In, b: _In = 4.0, out: _Out1 = None, *,
                 where: _ArrayLikeBool_co | None = True, casting: _Casting = "same_kind",
                 order: _Order = "K", dtype: DTypeLike | None = None,
                 subok: bool = True) -> Any: ...

@type_check_only
class _cross_entropy_fn(Protocol):
    """pyactx.cross_entropy(logits, target, axis=-1, *, ignore_index=-100, label_smoothing=0.0,
    out=None, dtype=None): PyTorch's F.cross_entropy(..., reduction="none"); the raw
    gufunc is .ufunc (pyactx.ufuncs.cross_entropy)."""
    __name__: str
    __qualname__: str
    @property
    def ufunc(self) -> _GUFunc_LabelReduce: ...
    def __call__(self, logits: _In, target: _ArrayLikeInt_co | NDArray[np.floating[Any]] | _SupportsArrayUFunc,
                 axis: SupportsIndex = -1, *, ignore_index: SupportsIndex = -100,
                 label_smoothing: float = 0.0,
                 out: NDArray[Any] | tuple[NDArray[Any]] | None = None,
                 dtype: DTypeLike | None = None) -> Any: ...

@type_check_only
class _cross_entropy_grad_fn(Protocol):
    """pyactx.cross_entropy_grad(logits, target, axis=-1, *, ignore_index=-100,
    label_smoothing=0.0, out=None, dtype=None): gradient of pyactx.cross_entropy w.r.t. the
    logits; the raw gufunc is .ufunc (pyactx.ufuncs.cross_entropy_grad)."""
    __name__: str
    __qualname__: str
    @property
    def ufunc(self) -> _GUFunc_LabelMap: ...
    @overload
    def __call__(self, logits: _ArrayLikeFloat_co, target: _ArrayLikeInt_co | NDArray[np.floating[Any]],
                 axis: SupportsIndex = -1, *, ignore_index: SupportsIndex = -100,
                 label_smoothing: float = 0.0,
                 out: NDArray[Any] | tuple[NDArray[Any]] | None = None,
                 dtype: DTypeLike | None = None) -> NDArray[Any]: ...
    @overload
    def __call__(self, logits: _In, target: _ArrayLikeInt_co | NDArray[np.floating[Any]] | _SupportsArrayUFunc,
                 axis: SupportsIndex = -1, *, ignore_index: SupportsIndex = -100,
                 label_smoothing: float = 0.0,
                 out: NDArray[Any] | tuple[NDArray[Any]] | None = None,
                 dtype: DTypeLike | None = None) -> Any: ...

# ---------------------------------------------------------------- functions
sigmoid: _UFunc_1_1
sigmoid_grad: _UFunc_1_1
log_sigmoid: _UFunc_1_1
log_sigmoid_grad: _UFunc_1_1
tanh: _UFunc_1_1
tanh_grad: _UFunc_1_1
relu: _UFunc_1_1
relu_grad: _UFunc_1_1
relu6: _UFunc_1_1
relu6_grad: _UFunc_1_1
selu: _UFunc_1_1
selu_grad: _UFunc_1_1
gelu: _UFunc_1_1
gelu_grad: _UFunc_1_1
gelu_tanh: _UFunc_1_1
gelu_tanh_grad: _UFunc_1_1
silu: _UFunc_1_1
silu_grad: _UFunc_1_1
mish: _UFunc_1_1
mish_grad: _UFunc_1_1
softsign: _UFunc_1_1
softsign_grad: _UFunc_1_1
hard_sigmoid: _UFunc_1_1
hard_sigmoid_grad: _UFunc_1_1
hard_silu: _UFunc_1_1
hard_silu_grad: _UFunc_1_1
hard_swish: _UFunc_1_1
hard_swish_grad: _UFunc_1_1
hard_tanh: _UFunc_1_1
hard_tanh_grad: _UFunc_1_1
tanhshrink: _UFunc_1_1
tanhshrink_grad: _UFunc_1_1
logit: _UFunc_1_1
logit_grad: _UFunc_1_1
leaky_relu: _leaky_relu_fn
leaky_relu_grad: _leaky_relu_grad_fn
elu: _elu_fn
elu_grad: _elu_grad_fn
celu: _celu_fn
celu_grad: _celu_grad_fn
swish: _swish_fn
swish_grad: _swish_grad_fn
softplus: _softplus_fn
softplus_grad: _softplus_grad_fn
softshrink: _softshrink_fn
softshrink_grad: _softshrink_grad_fn
hardshrink: _hardshrink_fn
hardshrink_grad: _hardshrink_grad_fn
squareplus: _squareplus_fn
squareplus_grad: _squareplus_grad_fn
glu: _UFunc_2_1
glu_grad: _UFunc_2_2
swiglu: _UFunc_2_1
swiglu_grad: _UFunc_2_2
geglu: _UFunc_2_1
geglu_grad: _UFunc_2_2
binary_cross_entropy: _UFunc_2_1
binary_cross_entropy_grad: _UFunc_2_1
softmax: _GUFunc_Map
log_softmax: _GUFunc_Map
logsumexp: _GUFunc_Reduce
softmax_jacobian: _GUFunc_Jacobian
softmax_vjp: _GUFunc_VJP
log_softmax_vjp: _GUFunc_VJP
cross_entropy: _cross_entropy_fn
cross_entropy_grad: _cross_entropy_grad_fn
