"""Generate the type stubs pyactx/__init__.pyi and pyactx/ufuncs.pyi from
pyactx/_spec.py (the single source of truth) and the public names of
pyactx/__init__.py (read with `ast`: nothing is imported, no build needed).

    python tools/generate_stubs.py            # write both stubs
    python tools/generate_stubs.py --check    # exit 1 if a committed stub is stale

tests/packaging/test_typing.py runs --check and then mypy on snippets against the stubs.

What the stubs say:

* every raw ufunc is typed by its shape -- 1->1, 2->1, 2->2 elementwise, or
  one of the softmax-family gufunc signatures -- as a subclass of
  numpy.ufunc whose __call__ has the real positional arity and keywords
  (out=, where=, casting=, order=, dtype=, subok=, signature=; axis=/axes=/
  keepdims= for gufuncs; no where= for gufuncs, no axis= for the Jacobian);
* the keyword wrappers (pyactx.leaky_relu, ...) are typed by a Protocol per
  wrapper, so that only their own parameter name is accepted
  (``leaky_relu(x, negative_slope=0.2)``, not ``slope=0.2``), with .ufunc;
* inputs are float array-likes (numpy._typing._ArrayLikeFloat_co, the type
  NumPy's own stubs use) or objects implementing __array_ufunc__ (Dask,
  xarray); labels are integer array-likes.
"""
from __future__ import annotations

import ast
import os
import runpy
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from derived import write_or_check  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SPEC_PATH = os.path.join(ROOT, "pyactx", "_spec.py")
INIT_PATH = os.path.join(ROOT, "pyactx", "__init__.py")
OUT_INIT = os.path.join(ROOT, "pyactx", "__init__.pyi")
OUT_UFUNCS = os.path.join(ROOT, "pyactx", "ufuncs.pyi")

HEADER = "# Generated from pyactx/_spec.py by tools/generate_stubs.py -- do not edit.\n"

# Names of pyactx.__all__ that do not come from the spec, with their stubs.
# A public name the generator does not know is an error: add it here.
EXTRA_NAMES = {
    "ACTIVATIONS": "ACTIVATIONS: Mapping[str, ActivationInfo]",
    "BINARY": "BINARY: Mapping[str, _spec.Binary]",
    "SOFTMAX_FAMILY": "SOFTMAX_FAMILY: Mapping[str, _spec.GUFunc]",
    "ActivationInfo": None,           # emitted from the dataclass in __init__.py
    "ufuncs": None,                   # the submodule, imported in the stub
    "__version__": "__version__: str",
    "get_dispatch": "def get_dispatch() -> str: ...",
    "set_dispatch": "def set_dispatch(name: str, /) -> str: ...",
    "available_dispatch": "def available_dispatch() -> list[str]: ...",
    "get_num_threads": "def get_num_threads() -> int: ...",
    "set_num_threads": "def set_num_threads(n: int, /) -> int: ...",
    "BFLOAT16": "BFLOAT16: np.dtype[Any] | None",
}

# gufunc signature -> stub class in ufuncs.pyi
GUFUNC_CLASSES = {
    "(n)->(n)": "_GUFunc_Map",
    "(n)->()": "_GUFunc_Reduce",
    "(n)->(n,n)": "_GUFunc_Jacobian",
    "(n),(n)->(n)": "_GUFunc_VJP",
    "(n),()->()": "_GUFunc_LabelReduce",
    "(n),()->(n)": "_GUFunc_LabelMap",
}

UFUNCS_PREAMBLE = '''"""The raw NumPy ufuncs of the C core, one per function and derivative
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
'''

WRAPPER_TEMPLATE = '''@type_check_only
class _{name}_fn(Protocol):
    """pyactx.{name}(x, {pname}={pdefault!r}, out=None, *, ...): keyword wrapper of
    pyactx.ufuncs.{name}."""
    __name__: str
    __qualname__: str
    @property
    def ufunc(self) -> _UFunc_2_1: ...
    @overload
    def __call__(self, x: _Scalar, {pname}: _Scalar = {pdefault!r}, out: None = None, *,
                 where: _ArrayLikeBool_co | None = True, casting: _Casting = "same_kind",
                 order: _Order = "K", dtype: DTypeLike | None = None,
                 subok: bool = True) -> Any: ...
    @overload
    def __call__(self, x: _ArrayLikeFloat_co, {pname}: _ArrayLikeFloat_co = {pdefault!r},
                 out: _Out1 = None, *, where: _ArrayLikeBool_co | None = True,
                 casting: _Casting = "same_kind", order: _Order = "K",
                 dtype: DTypeLike | None = None, subok: bool = True) -> NDArray[Any]: ...
    @overload
    def __call__(self, x: _In, {pname}: _In = {pdefault!r}, out: _Out1 = None, *,
                 where: _ArrayLikeBool_co | None = True, casting: _Casting = "same_kind",
                 order: _Order = "K", dtype: DTypeLike | None = None,
                 subok: bool = True) -> Any: ...
'''


# softmax-family names whose pyactx.<name> is a Python function (pyactx/_losses.py)
# rather than the raw gufunc: name -> stub Protocol class emitted in __init__.pyi
LOSS_TARGET = "_ArrayLikeInt_co | NDArray[np.floating[Any]]"
LOSS_KW = ("axis: SupportsIndex = -1, *, ignore_index: SupportsIndex = -100,\n"
           "                 label_smoothing: float = 0.0,\n"
           "                 out: NDArray[Any] | tuple[NDArray[Any]] | None = None,\n"
           "                 dtype: DTypeLike | None = None")
LOSS_FUNCTIONS = {
    "cross_entropy": f'''@type_check_only
class _cross_entropy_fn(Protocol):
    """pyactx.cross_entropy(logits, target, axis=-1, *, ignore_index=-100, label_smoothing=0.0,
    out=None, dtype=None): PyTorch's F.cross_entropy(..., reduction="none"); the raw
    gufunc is .ufunc (pyactx.ufuncs.cross_entropy)."""
    __name__: str
    __qualname__: str
    @property
    def ufunc(self) -> _GUFunc_LabelReduce: ...
    def __call__(self, logits: _In, target: {LOSS_TARGET} | _SupportsArrayUFunc,
                 {LOSS_KW}) -> Any: ...
''',
    "cross_entropy_grad": f'''@type_check_only
class _cross_entropy_grad_fn(Protocol):
    """pyactx.cross_entropy_grad(logits, target, axis=-1, *, ignore_index=-100,
    label_smoothing=0.0, out=None, dtype=None): gradient of pyactx.cross_entropy w.r.t. the
    logits; the raw gufunc is .ufunc (pyactx.ufuncs.cross_entropy_grad)."""
    __name__: str
    __qualname__: str
    @property
    def ufunc(self) -> _GUFunc_LabelMap: ...
    @overload
    def __call__(self, logits: _ArrayLikeFloat_co, target: {LOSS_TARGET},
                 {LOSS_KW}) -> NDArray[Any]: ...
    @overload
    def __call__(self, logits: _In, target: {LOSS_TARGET} | _SupportsArrayUFunc,
                 {LOSS_KW}) -> Any: ...
''',
}


def load_spec():
    return runpy.run_path(SPEC_PATH)


def init_info():
    """__all__ literal names and the ActivationInfo fields, from __init__.py's AST."""
    tree = ast.parse(open(INIT_PATH, encoding="utf-8").read(), INIT_PATH)
    all_names, fields = [], []
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__all__"
                                                for t in node.targets):
            all_names = list(ast.literal_eval(node.value))
        if isinstance(node, ast.ClassDef) and node.name == "ActivationInfo":
            for item in node.body:
                if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
                    fields.append((item.target.id, ast.unparse(item.annotation)))
    if not fields:
        raise SystemExit("generate_stubs: ActivationInfo not found in pyactx/__init__.py")
    return all_names, fields


def _ufunc_entries(spec):
    """(name, stub class) of every raw ufunc, aliases included, spec order."""
    out = []
    for a in spec["ACTIVATION_TABLE"]:
        cls = "_UFunc_2_1" if a.params else "_UFunc_1_1"
        for n in (a.name,) + tuple(a.aliases):
            out.append((n, cls))
            out.append((n + "_grad", cls))
    for b in spec["BINARY_TABLE"]:
        out.append((b.name, "_UFunc_2_1"))
        out.append((b.name + "_grad", "_UFunc_2_2" if b.kind == "gate" else "_UFunc_2_1"))
    for g in spec["GUFUNC_TABLE"]:
        if g.signature not in GUFUNC_CLASSES:
            raise SystemExit(f"generate_stubs: no stub class for gufunc signature {g.signature}")
        out.append((g.name, GUFUNC_CLASSES[g.signature]))
    return out


def render_ufuncs(spec):
    lines = [HEADER + UFUNCS_PREAMBLE]
    for name, cls in _ufunc_entries(spec):
        lines.append(f"{name}: {cls}\n")
    return "".join(lines)


def render_init(spec):
    all_names, fields = init_info()
    unknown = [n for n in all_names if n not in EXTRA_NAMES]
    if unknown:
        raise SystemExit(f"generate_stubs: pyactx.__all__ has names without a stub: {unknown}; "
                         "add them to EXTRA_NAMES in tools/generate_stubs.py")
    wrapped = {}
    for a in spec["ACTIVATION_TABLE"]:
        if a.params:
            p = a.params[0]
            for n in (a.name,) + tuple(a.aliases):
                wrapped[n] = (p.name, p.default)
                wrapped[n + "_grad"] = (p.name, p.default)
    cls_of = dict(_ufunc_entries(spec))
    out = [HEADER, '"""pyactx: every neural-network activation, its derivative and the softmax '
           'family\nas NumPy ufuncs (type stubs; see pyactx/__init__.py)."""\n',
           "from dataclasses import dataclass\n",
           "from typing import (Any, Callable, Mapping, Protocol, SupportsIndex, Tuple, overload,\n"
           "                    type_check_only)\n\n",
           "import numpy as np\n",
           "from numpy._typing import _ArrayLikeBool_co, _ArrayLikeFloat_co, _ArrayLikeInt_co\n",
           "from numpy.typing import DTypeLike, NDArray\n\n",
           "from . import _spec as _spec\n",
           "from . import ufuncs as ufuncs\n",
           "from .ufuncs import (\n"]
    classes = sorted(set(cls_of.values())) + ["_Casting", "_In", "_Order", "_Out1", "_Scalar",
                                              "_SupportsArrayUFunc"]
    out += [f"    {c} as {c},\n" for c in classes]
    out.append(")\n\n__all__: list[str]\n\n")
    for n in all_names:
        stub = EXTRA_NAMES[n]
        if stub and n != "ActivationInfo":
            out.append(stub + "\n")
    out.append("\n@dataclass(frozen=True)\nclass ActivationInfo:\n"
               '    """One activation: its callables and what a teacher would tabulate."""\n')
    for fname, ann in fields:
        out.append(f"    {fname}: {ann}\n")
    out.append("    @property\n    def defaults(self) -> dict[str, float]: ...\n"
               "    def __call__(self, x: Any, **params: float) -> Any: ...\n\n")
    # the wrappers' protocols
    for a in spec["ACTIVATION_TABLE"]:
        if a.params:
            p = a.params[0]
            for n in (a.name, a.name + "_grad"):
                out.append(WRAPPER_TEMPLATE.format(name=n, pname=p.name, pdefault=p.default))
                out.append("\n")
    # the Python loss functions over the label gufuncs
    for name in (g.name for g in spec["GUFUNC_TABLE"]):
        if name in LOSS_FUNCTIONS:
            out.append(LOSS_FUNCTIONS[name])
            out.append("\n")
    out.append("# ---------------------------------------------------------------- functions\n")
    for name, cls in _ufunc_entries(spec):
        if name in wrapped:
            base = name[:-5] if name.endswith("_grad") else name
            act = next(a for a in spec["ACTIVATION_TABLE"] if base == a.name or base in a.aliases)
            suffix = "_grad" if name.endswith("_grad") else ""
            out.append(f"{name}: _{act.name}{suffix}_fn\n")
        elif name in LOSS_FUNCTIONS:
            out.append(f"{name}: _{name}_fn\n")
        else:
            out.append(f"{name}: {cls}\n")
    return "".join(out)


def targets():
    spec = load_spec()
    return {OUT_UFUNCS: render_ufuncs(spec), OUT_INIT: render_init(spec)}


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    return write_or_check(targets(), argv, "generate_stubs.py")

if __name__ == "__main__":
    sys.exit(main())
