# Generated from pyactx/_spec.py by tools/generate_stubs.py -- do not edit.
"""The raw NumPy ufuncs of the C core, one per function and derivative
(type stubs; see pyactx/ufuncs.py)."""
from types import EllipsisType
from typing import Any, Literal, Protocol, SupportsIndex, TypeAlias, overload, type_check_only

import numpy as np
from numpy._typing import _ArrayLikeBool_co, _ArrayLikeFloat_co, _ArrayLikeInt_co
from numpy.typing import DTypeLike, NDArray

__all__: list[str]

_Casting: TypeAlias = Literal["no", "equiv", "safe", "same_kind", "unsafe"]
_Order: TypeAlias = Literal["K", "A", "C", "F"]
_Scalar: TypeAlias = float | np.floating[Any] | np.integer[Any] | np.bool_
_Signature: TypeAlias = str | tuple[str | None, ...] | None
_Out1: TypeAlias = NDArray[Any] | tuple[NDArray[Any]] | EllipsisType | None
_Out2: TypeAlias = tuple[NDArray[Any] | None, NDArray[Any] | None] | EllipsisType | None
_Axes: TypeAlias = list[SupportsIndex | tuple[SupportsIndex, ...]]

@type_check_only
class _SupportsArrayUFunc(Protocol):
    """Dask arrays, xarray objects, ...: anything with __array_ufunc__."""
    def __array_ufunc__(self, ufunc: Any, method: str, /, *inputs: Any, **kwargs: Any) -> Any: ...

_In: TypeAlias = _ArrayLikeFloat_co | _SupportsArrayUFunc

# ---------------------------------------------------------------- elementwise
@type_check_only
class _UFunc_1_1(np.ufunc):  # type: ignore[misc]
    """y = f(x), elementwise."""
    @property
    def nin(self) -> Literal[1]: ...
    @property
    def nout(self) -> Literal[1]: ...
    @property
    def signature(self) -> None: ...
    @overload
    def __call__(self, x: _Scalar, /, out: None = None, *, where: _ArrayLikeBool_co | None = True,
                 casting: _Casting = "same_kind", order: _Order = "K", dtype: DTypeLike | None = None,
                 subok: bool = True, signature: _Signature = None) -> Any: ...
    @overload
    def __call__(self, x: _ArrayLikeFloat_co, /, out: _Out1 = None, *,
                 where: _ArrayLikeBool_co | None = True, casting: _Casting = "same_kind",
                 order: _Order = "K", dtype: DTypeLike | None = None, subok: bool = True,
                 signature: _Signature = None) -> NDArray[Any]: ...
    @overload
    def __call__(self, x: _SupportsArrayUFunc, /, out: _Out1 = None, *,
                 where: _ArrayLikeBool_co | None = True, casting: _Casting = "same_kind",
                 order: _Order = "K", dtype: DTypeLike | None = None, subok: bool = True,
                 signature: _Signature = None) -> Any: ...

@type_check_only
class _UFunc_2_1(np.ufunc):  # type: ignore[misc]
    """y = f(a, b), elementwise (parameterised activations, gates, losses)."""
    @property
    def nin(self) -> Literal[2]: ...
    @property
    def nout(self) -> Literal[1]: ...
    @property
    def signature(self) -> None: ...
    @overload
    def __call__(self, a: _Scalar, b: _Scalar, /, out: None = None, *,
                 where: _ArrayLikeBool_co | None = True, casting: _Casting = "same_kind",
                 order: _Order = "K", dtype: DTypeLike | None = None, subok: bool = True,
                 signature: _Signature = None) -> Any: ...
    @overload
    def __call__(self, a: _ArrayLikeFloat_co, b: _ArrayLikeFloat_co, /, out: _Out1 = None, *,
                 where: _ArrayLikeBool_co | None = True, casting: _Casting = "same_kind",
                 order: _Order = "K", dtype: DTypeLike | None = None, subok: bool = True,
                 signature: _Signature = None) -> NDArray[Any]: ...
    @overload
    def __call__(self, a: _In, b: _In, /, out: _Out1 = None, *,
                 where: _ArrayLikeBool_co | None = True, casting: _Casting = "same_kind",
                 order: _Order = "K", dtype: DTypeLike | None = None, subok: bool = True,
                 signature: _Signature = None) -> Any: ...

@type_check_only
class _UFunc_2_2(np.ufunc):  # type: ignore[misc]
    """(da, db) = f_grad(a, b), elementwise (gradients of the gates)."""
    @property
    def nin(self) -> Literal[2]: ...
    @property
    def nout(self) -> Literal[2]: ...
    @property
    def signature(self) -> None: ...
    @overload
    def __call__(self, a: _Scalar, b: _Scalar, /, out: _Out2 = None, *,
                 where: _ArrayLikeBool_co | None = True, casting: _Casting = "same_kind",
                 order: _Order = "K", dtype: DTypeLike | None = None, subok: bool = True,
                 signature: _Signature = None) -> tuple[Any, Any]: ...
    @overload
    def __call__(self, a: _ArrayLikeFloat_co, b: _ArrayLikeFloat_co, /, out: _Out2 = None, *,
                 where: _ArrayLikeBool_co | None = True, casting: _Casting = "same_kind",
                 order: _Order = "K", dtype: DTypeLike | None = None, subok: bool = True,
                 signature: _Signature = None) -> tuple[NDArray[Any], NDArray[Any]]: ...
    @overload
    def __call__(self, a: _In, b: _In, /, out: _Out2 = None, *,
                 where: _ArrayLikeBool_co | None = True, casting: _Casting = "same_kind",
                 order: _Order = "K", dtype: DTypeLike | None = None, subok: bool = True,
                 signature: _Signature = None) -> tuple[Any, Any]: ...

# ------------------------------------------------------- softmax family (gufuncs)
# No where= (NumPy gufuncs refuse it).  axis= picks the core axis.

@type_check_only
class _GUFunc_Map(np.ufunc):  # type: ignore[misc]
    """(n)->(n): softmax, log_softmax."""
    @property
    def signature(self) -> str: ...
    @overload
    def __call__(self, x: _ArrayLikeFloat_co, /, out: _Out1 = None, *, axis: SupportsIndex = -1,
                 axes: _Axes = ..., casting: _Casting = "same_kind", order: _Order = "K",
                 dtype: DTypeLike | None = None, subok: bool = True,
                 signature: _Signature = None) -> NDArray[Any]: ...
    @overload
    def __call__(self, x: _SupportsArrayUFunc, /, out: _Out1 = None, *, axis: SupportsIndex = -1,
                 axes: _Axes = ..., casting: _Casting = "same_kind", order: _Order = "K",
                 dtype: DTypeLike | None = None, subok: bool = True,
                 signature: _Signature = None) -> Any: ...

@type_check_only
class _GUFunc_Reduce(np.ufunc):  # type: ignore[misc]
    """(n)->(): logsumexp (a scalar for a 1-d input)."""
    @property
    def signature(self) -> str: ...
    def __call__(self, x: _In, /, out: _Out1 = None, *, axis: SupportsIndex = -1,
                 axes: _Axes = ..., keepdims: bool = False, casting: _Casting = "same_kind",
                 order: _Order = "K", dtype: DTypeLike | None = None, subok: bool = True,
                 signature: _Signature = None) -> Any: ...

@type_check_only
class _GUFunc_Jacobian(np.ufunc):  # type: ignore[misc]
    """(n)->(n,n): softmax_jacobian.  axes=[(k,), (k1, k2)] only: no axis=."""
    @property
    def signature(self) -> str: ...
    @overload
    def __call__(self, x: _ArrayLikeFloat_co, /, out: _Out1 = None, *, axes: _Axes = ...,
                 casting: _Casting = "same_kind", order: _Order = "K",
                 dtype: DTypeLike | None = None, subok: bool = True,
                 signature: _Signature = None) -> NDArray[Any]: ...
    @overload
    def __call__(self, x: _SupportsArrayUFunc, /, out: _Out1 = None, *, axes: _Axes = ...,
                 casting: _Casting = "same_kind", order: _Order = "K",
                 dtype: DTypeLike | None = None, subok: bool = True,
                 signature: _Signature = None) -> Any: ...

@type_check_only
class _GUFunc_VJP(np.ufunc):  # type: ignore[misc]
    """(n),(n)->(n): softmax_vjp, log_softmax_vjp."""
    @property
    def signature(self) -> str: ...
    @overload
    def __call__(self, x: _ArrayLikeFloat_co, g: _ArrayLikeFloat_co, /, out: _Out1 = None, *,
                 axis: SupportsIndex = -1, axes: _Axes = ..., casting: _Casting = "same_kind",
                 order: _Order = "K", dtype: DTypeLike | None = None, subok: bool = True,
                 signature: _Signature = None) -> NDArray[Any]: ...
    @overload
    def __call__(self, x: _In, g: _In, /, out: _Out1 = None, *,
                 axis: SupportsIndex = -1, axes: _Axes = ..., casting: _Casting = "same_kind",
                 order: _Order = "K", dtype: DTypeLike | None = None, subok: bool = True,
                 signature: _Signature = None) -> Any: ...

@type_check_only
class _GUFunc_LabelReduce(np.ufunc):  # type: ignore[misc]
    """(n),()->(): cross_entropy(logits, label); labels are integers in [-n, n)."""
    @property
    def signature(self) -> str: ...
    def __call__(self, logits: _In, label: _ArrayLikeInt_co | _SupportsArrayUFunc, /,
                 out: _Out1 = None, *, axis: SupportsIndex = -1, axes: _Axes = ...,
                 keepdims: bool = False, casting: _Casting = "same_kind", order: _Order = "K",
                 dtype: DTypeLike | None = None, subok: bool = True,
                 signature: _Signature = None) -> Any: ...

@type_check_only
class _GUFunc_LabelMap(np.ufunc):  # type: ignore[misc]
    """(n),()->(n): cross_entropy_grad(logits, label)."""
    @property
    def signature(self) -> str: ...
    @overload
    def __call__(self, logits: _ArrayLikeFloat_co, label: _ArrayLikeInt_co, /, out: _Out1 = None,
                 *, axis: SupportsIndex = -1, axes: _Axes = ..., casting: _Casting = "same_kind",
                 order: _Order = "K", dtype: DTypeLike | None = None, subok: bool = True,
                 signature: _Signature = None) -> NDArray[Any]: ...
    @overload
    def __call__(self, logits: _In, label: _ArrayLikeInt_co | _SupportsArrayUFunc, /,
                 out: _Out1 = None, *, axis: SupportsIndex = -1, axes: _Axes = ...,
                 casting: _Casting = "same_kind", order: _Order = "K",
                 dtype: DTypeLike | None = None, subok: bool = True,
                 signature: _Signature = None) -> Any: ...

# ------------------------------------------------------------------- the ufuncs
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
leaky_relu: _UFunc_2_1
leaky_relu_grad: _UFunc_2_1
elu: _UFunc_2_1
elu_grad: _UFunc_2_1
celu: _UFunc_2_1
celu_grad: _UFunc_2_1
swish: _UFunc_2_1
swish_grad: _UFunc_2_1
softplus: _UFunc_2_1
softplus_grad: _UFunc_2_1
softshrink: _UFunc_2_1
softshrink_grad: _UFunc_2_1
hardshrink: _UFunc_2_1
hardshrink_grad: _UFunc_2_1
squareplus: _UFunc_2_1
squareplus_grad: _UFunc_2_1
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
cross_entropy: _GUFunc_LabelReduce
cross_entropy_grad: _GUFunc_LabelMap
