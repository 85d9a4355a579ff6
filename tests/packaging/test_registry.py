"""The table in pyactx/_spec.py is the single source of truth: check that
everything derived from it (C registration, ufuncs, registry, docs) agrees
with it, and that the properties it states are true."""
import inspect
import os
import subprocess
import sys

import numpy as np
import pytest

import pyactx
from pyactx import _spec

import function_facts as facts

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ACTS = _spec.ACTIVATION_TABLE


def test_generated_table_is_up_to_date():
    r = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "generate_table.py"), "--check"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


def test_generator_refuses_nan2_hard_it_cannot_honour():
    """Binary.nan2_hard[_grad] drops the two-NaN wrapper around a vector
    kernel; the generator must refuse it where no predicate would send the
    both-NaN lanes to the (wrapped) scalar kernel."""
    sys.path.insert(0, os.path.join(ROOT, "tools"))
    try:
        import generate_table as gt
    finally:
        sys.path.pop(0)
    ok = {"f": ("kf", "hf", "sf", 1), "d": ("kd", "hd", "sd", 1)}
    lines = []
    gt.nan2_wrap("g", dict(ok), False, lines, nan2_hard=True)
    assert not any("pyactx_g_nan2_f(" in ln or "pyactx_g_nan2_d(" in ln for ln in lines)
    with pytest.raises(ValueError, match="without hard lanes for double"):
        gt.nan2_wrap("g", {"f": ok["f"], "d": ("kd", "kd", "sd", 0)}, False, [], nan2_hard=True)
    # float32's hard lanes through the float64 kernel (F32_HARD_VIA_F64),
    # which has no hard lanes of its own to hand them on
    with pytest.raises(ValueError, match="F32_HARD_VIA_F64"):
        gt.nan2_wrap("g", {"f": ("kf", "hf", "sf", 2), "d": ("kd", "kd", "sd", 0)}, False, [],
                     nan2_hard=True)


def test_every_spec_entry_is_a_ufunc():
    for act in ACTS:
        for n in (act.name, act.name + "_grad"):
            uf = getattr(pyactx.ufuncs, n)
            assert isinstance(uf, np.ufunc)
            assert uf.__name__ == n
            assert uf.nin == (2 if act.params else 1) and uf.nout == 1
            assert [t[0] for t in uf.types] == list("efdg")
    for b in _spec.BINARY_TABLE:
        assert getattr(pyactx, b.name).nin == 2
        assert getattr(pyactx, b.name + "_grad").nout == (2 if b.kind == "gate" else 1)
    for g in _spec.GUFUNC_TABLE:
        uf = getattr(pyactx.ufuncs, g.name)
        assert isinstance(uf, np.ufunc)
        fn = getattr(pyactx, g.name)        # the ufunc, or a function over it (cross_entropy)
        assert fn is uf or fn.ufunc is uf
        assert uf.signature == g.signature
        assert uf.nin == len(g.inputs)


def test_parameterless_names_are_the_ufuncs_themselves():
    for act in ACTS:
        if not act.params:
            assert getattr(pyactx, act.name) is getattr(pyactx.ufuncs, act.name)
            assert getattr(pyactx, act.name + "_grad") is getattr(pyactx.ufuncs, act.name + "_grad")


def test_aliases():
    assert pyactx.hard_swish is pyactx.hard_silu
    assert pyactx.hard_swish_grad is pyactx.hard_silu_grad


@pytest.mark.parametrize("act", [a for a in ACTS if a.params], ids=lambda a: a.name)
def test_param_wrappers_signature_and_default(act):
    p = act.params[0]
    for fn, uf in ((getattr(pyactx, act.name), getattr(pyactx.ufuncs, act.name)),
                   (getattr(pyactx, act.name + "_grad"), getattr(pyactx.ufuncs, act.name + "_grad"))):
        sig = inspect.signature(fn)
        assert list(sig.parameters)[:3] == ["x", p.name, "out"]
        assert sig.parameters[p.name].default == p.default
        assert fn.ufunc is uf
        x = np.linspace(-4, 4, 17)
        np.testing.assert_array_equal(fn(x), uf(x, p.default))
        np.testing.assert_array_equal(fn(x, **{p.name: 0.3}), uf(x, 0.3))
        assert p.name in fn.__doc__


@pytest.mark.parametrize("act", ACTS, ids=lambda a: a.name)
def test_docstrings_show_formula_and_kinks(act):
    doc = getattr(pyactx.ufuncs, act.name).__doc__
    assert act.formula.split("(")[0] in doc
    assert act.kinks in doc
    for p in act.params:
        assert f"{p.name}" in doc and repr(p.default) in doc
    gdoc = getattr(pyactx.ufuncs, act.name + "_grad").__doc__
    assert act.kinks in gdoc
    # the derivative's value at each kink (function_facts.py), float64, default parameter
    p = act.params[0].default if act.params else None
    for x, want in facts.kinks(act.name, p):
        extra = () if p is None else (p,)
        assert getattr(pyactx.ufuncs, act.name + "_grad")(np.float64(x), *extra) == want, (act.name, x)


def test_registry_fields():
    assert set(pyactx.ACTIVATIONS) == {a.name for a in ACTS}
    for name, info in pyactx.ACTIVATIONS.items():
        assert info.forward is getattr(pyactx, name)
        assert info.grad is getattr(pyactx, name + "_grad")
        assert info.zero_centred
        assert info.bounded in ("both", "below", "above", "neither")


def _dense_grid():
    # plus far points: some suprema are limits at +-infinity (log_sigmoid, tanhshrink)
    # and the kinks with their neighbours: a supremum may be approached at a
    # kink whose own value follows another convention (hard_silu' -> 3/2 as
    # x -> 3 from below, 1 at x = 3)
    # (the kinks of the parameterless functions, from function_facts.py:
    # -3, -1, 0, 1, 3, 6)
    kinks = np.array(facts.kink_points([a.name for a in ACTS if not a.params]))
    return np.concatenate([np.linspace(-12, 12, 480001), kinks, np.nextafter(kinks, -np.inf),
                           np.nextafter(kinks, np.inf), [-1e3, -40.0, 40.0, 1e3]])


@pytest.mark.parametrize("act", [a for a in ACTS if a.name != "logit"], ids=lambda a: a.name)
def test_max_abs_grad_is_true(act):
    """The registry's max |f'| (what a teacher tabulates) matches a dense scan."""
    info = pyactx.ACTIVATIONS[act.name]
    g = np.abs(info.grad(_dense_grid()))
    # the supremum may be a limit (tanh, softsign: 1 approached, attained at 0
    # or at infinity); a dense scan on [-12, 12] reaches it to ~1e-9
    assert np.max(g) <= info.max_abs_grad * (1 + 1e-9)
    assert np.max(g) >= info.max_abs_grad * (1 - 1e-6)


def test_logit_grad_minimum_and_unbounded():
    p = np.linspace(1e-9, 1 - 1e-9, 100001)
    g = pyactx.logit_grad(p)
    assert np.min(g) == pytest.approx(4.0)
    assert pyactx.ACTIVATIONS["logit"].max_abs_grad == np.inf


@pytest.mark.parametrize("act", [a for a in ACTS if a.name != "logit"], ids=lambda a: a.name)
def test_monotonic_and_zero_centred_claims(act):
    info = pyactx.ACTIVATIONS[act.name]
    x = _dense_grid()
    x.sort()
    fx = info.forward(x)
    nondecreasing = bool(np.all(np.diff(fx) >= 0))
    assert nondecreasing == info.monotonic
    # "yes" zero-centred means odd: f(-x) = -f(x)
    if info.zero_centred == "yes":
        np.testing.assert_array_equal(info.forward(-x), -fx)


def test_readme_function_tables_are_up_to_date():
    r = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "generate_readme.py"), "--check"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
