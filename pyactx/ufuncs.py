"""The raw NumPy ufuncs of the C core, one per function and derivative.

Parameterised activations take their parameter as a second, broadcastable
input here (``ufuncs.leaky_relu(x, 0.01)``); ``pyactx.leaky_relu`` offers it
as a keyword with its default instead.  Every name of pyactx/_spec.py is
present (plus the aliases), so ``getattr(pyactx.ufuncs, name)`` always works.
"""
from . import _core, _spec

__all__ = []


def _export(name, obj):
    globals()[name] = obj
    __all__.append(name)


for _act in _spec.ACTIVATION_TABLE:
    for _n in (_act.name, _act.name + "_grad"):
        _export(_n, getattr(_core, _n))
    for _alias in _act.aliases:
        _export(_alias, getattr(_core, _act.name))
        _export(_alias + "_grad", getattr(_core, _act.name + "_grad"))
for _b in _spec.BINARY_TABLE:
    for _n in (_b.name, _b.name + "_grad"):
        _export(_n, getattr(_core, _n))
for _g in _spec.GUFUNC_TABLE:
    _export(_g.name, getattr(_core, _g.name))

del _act, _b, _g, _n
