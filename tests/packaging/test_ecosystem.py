"""pyactx in the ecosystem: pickle/copy, fresh processes, Dask,
dask.distributed and xarray.

What works with what (the recipes these tests pin down):

* pickle / copy / cloudpickle: every ufunc and every keyword wrapper
  round-trips to the very same object (by reference: module + name), also
  into a fresh ``spawn`` process (multiprocessing, ProcessPoolExecutor).
* Dask, elementwise: ``pyactx.gelu(darr)`` and
  ``pyactx.leaky_relu(darr, negative_slope=0.2)`` stay lazy (Dask's
  ``__array_ufunc__``).  Two-output ufuncs (``glu_grad`` & co.) are refused
  by Dask's ``__array_ufunc__``; use
  ``da.apply_gufunc(pyactx.glu_grad, "(),()->(),()", a, b, output_dtypes=(f, f))``.
* Dask, softmax family: calling the gufunc on a Dask array works when the
  core axis is ONE chunk (``darr.rechunk({axis: -1})``); otherwise Dask
  raises ValueError, and
  ``da.apply_gufunc(pyactx.softmax, pyactx.softmax.signature, darr, axis=k,
  allow_rechunk=True)`` does the rechunk for you.  ``da.map_blocks`` works
  too for blocks whole along the axis.
* xarray: elementwise ufuncs and wrappers apply directly to DataArrays and
  Datasets and keep dims, coords, name (and attrs); the softmax family needs
  ``xr.apply_ufunc(pyactx.softmax, arr, input_core_dims=[["class"]],
  output_core_dims=[["class"]])`` (xarray does not implement gufuncs
  directly: NotImplementedError), with ``dask="parallelized"`` for chunked
  arrays.

Cost: ~15 s on the CI machine, most of it the 2-worker LocalCluster
(skipped when distributed is missing) and two spawned interpreters.
"""
from __future__ import annotations

import copy
import functools
import multiprocessing
import pickle
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pytest

import pyactx
from pyactx import _spec

ACTS = _spec.ACTIVATION_TABLE
WRAPPER_NAMES = [a.name + s for a in ACTS if a.params for s in ("", "_grad")]
PUBLIC = [n for n in pyactx.__all__ if callable(getattr(pyactx, n)) and n not in
          ("ActivationInfo",) and not n.startswith(("get_", "set_", "available_"))]
RAW = list(pyactx.ufuncs.__all__)


def _x(shape=(4, 6), seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


# ---------------------------------------------------------------------------
# pickle / copy
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("name", PUBLIC)
def test_public_callables_pickle_and_copy_to_themselves(name):
    fn = getattr(pyactx, name)
    for proto in range(pickle.HIGHEST_PROTOCOL + 1):
        assert pickle.loads(pickle.dumps(fn, protocol=proto)) is fn, (name, proto)
    assert copy.copy(fn) is fn
    assert copy.deepcopy(fn) is fn
    assert copy.deepcopy({"f": [fn]})["f"][0] is fn


@pytest.mark.parametrize("name", RAW)
def test_raw_ufuncs_pickle_and_copy_to_themselves(name):
    uf = getattr(pyactx.ufuncs, name)
    assert isinstance(uf, np.ufunc)
    assert pickle.loads(pickle.dumps(uf)) is uf
    assert copy.deepcopy(uf) is uf


def test_wrappers_are_importable_by_their_qualified_name():
    # what pickle relies on: module + qualname lead back to the object
    for name in WRAPPER_NAMES:
        fn = getattr(pyactx, name)
        assert not isinstance(fn, np.ufunc)
        assert fn.__module__ == "pyactx" and fn.__qualname__ == name
        assert fn.ufunc is getattr(pyactx.ufuncs, name)
    part = functools.partial(pyactx.leaky_relu, negative_slope=0.2)
    again = pickle.loads(pickle.dumps(part))
    np.testing.assert_array_equal(again(_x()), part(_x()))


def test_cloudpickle_by_reference():
    cloudpickle = pytest.importorskip("cloudpickle")
    for name in PUBLIC:
        fn = getattr(pyactx, name)
        assert cloudpickle.loads(cloudpickle.dumps(fn)) is fn, name


def _calls():
    """(callable, args, kwargs, expected) for a fresh process."""
    x = _x()
    p = np.clip(np.abs(x) / 4, 0.01, 0.99)
    calls = []
    for name in PUBLIC:
        fn = getattr(pyactx, name)
        spec = pyactx.SOFTMAX_FAMILY.get(name)
        if spec is not None:
            if spec.label_input is not None:
                args = (x, np.array([0, 5, 2, -100]))     # -100: ignore_index
            elif len(spec.inputs) == 2:
                args = (x, x[::-1].copy())
            else:
                args = (x,)
        elif name in pyactx.BINARY or name.removesuffix("_grad") in pyactx.BINARY:
            args = (x, p)
        else:
            args = (p if name.startswith("logit") else x,)
        kw = {}
        if name in WRAPPER_NAMES:
            info = pyactx.ACTIVATIONS[name.removesuffix("_grad")]
            kw = {info.params[0][0]: 0.3}
        calls.append((fn, args, kw, fn(*args, **kw)))
    return calls


def _same(a, b):
    a = a if isinstance(a, tuple) else (a,)
    b = b if isinstance(b, tuple) else (b,)
    return len(a) == len(b) and all(np.array_equal(u, v) for u, v in zip(a, b))


def test_spawned_processes_unpickle_and_run_everything():
    """Every public callable, shipped by pickle into fresh interpreters:
    a multiprocessing spawn Pool and a spawn ProcessPoolExecutor."""
    calls = _calls()
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=ctx) as ex:
        futures = [ex.submit(fn, *args, **kw) for fn, args, kw, _ in calls]
        # the callable as a pickled *argument* too (e.g. a partial)
        part = ex.submit(functools.partial(pyactx.leaky_relu_grad, negative_slope=0.2), _x())
        for (fn, _, _, want), fut in zip(calls, futures):
            assert _same(fut.result(timeout=120), want), fn.__name__
        np.testing.assert_array_equal(part.result(timeout=120),
                                      pyactx.leaky_relu_grad(_x(), negative_slope=0.2))
    with ctx.Pool(1) as pool:
        got = pool.starmap(_apply, [(fn, args, kw) for fn, args, kw, _ in calls[:10]])
    for (fn, _, _, want), g in zip(calls[:10], got):
        assert _same(g, want), fn.__name__


def _apply(fn, args, kw):
    return fn(*args, **kw)


# ---------------------------------------------------------------------------
# Dask
# ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def da():
    dask = pytest.importorskip("dask")
    import dask.array as da
    dask.config.set(scheduler="synchronous")
    return da


def test_dask_elementwise_stays_lazy(da):
    x = _x((6, 8))
    d = da.from_array(x, chunks=(3, 4))
    g = pyactx.gelu(d)
    assert isinstance(g, da.Array) and g.chunks == d.chunks
    np.testing.assert_array_equal(g.compute(), pyactx.gelu(x))
    lr = pyactx.leaky_relu(d, negative_slope=0.2)
    assert isinstance(lr, da.Array)
    np.testing.assert_array_equal(lr.compute(), pyactx.leaky_relu(x, negative_slope=0.2))
    lg = pyactx.leaky_relu_grad(d, 0.2)
    np.testing.assert_array_equal(lg.compute(), pyactx.leaky_relu_grad(x, 0.2))
    # parameter as a Dask array too, broadcast
    pd = da.from_array(np.array([0.1, 0.2, 0.3, 0.4] * 2), chunks=4)
    np.testing.assert_array_equal(pyactx.elu(d, alpha=pd).compute(),
                                  pyactx.elu(x, alpha=pd.compute()))
    # two inputs, one output
    bce = pyactx.binary_cross_entropy(d, (d > 0).astype(float))
    np.testing.assert_array_equal(bce.compute(), pyactx.binary_cross_entropy(x, (x > 0).astype(float)))


def test_dask_two_output_ufuncs_through_apply_gufunc(da):
    x = _x((6, 8))
    d = da.from_array(x, chunks=(3, 4))
    with pytest.raises(TypeError):                  # Dask's __array_ufunc__: one output only
        pyactx.glu_grad(d, d)
    ga, gb = da.apply_gufunc(pyactx.glu_grad, "(),()->(),()", d, d[::-1],
                             output_dtypes=(x.dtype, x.dtype))
    wa, wb = pyactx.glu_grad(x, x[::-1])
    np.testing.assert_array_equal(ga.compute(), wa)
    np.testing.assert_array_equal(gb.compute(), wb)


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_dask_softmax_family_along_core_axis(da, axis):
    x = _x((6, 8))
    d = da.from_array(x, chunks=(3, 4))            # the core axis spans 2 chunks
    with pytest.raises(ValueError, match="multiple chunks"):
        pyactx.softmax(d, axis=axis)
    # 1. rechunk the core axis into one chunk: the gufunc applies directly
    whole = d.rechunk({axis % 2: -1})
    for name in ("softmax", "log_softmax", "logsumexp"):
        r = getattr(pyactx, name)(whole, axis=axis)
        assert isinstance(r, da.Array)
        np.testing.assert_array_equal(r.compute(), getattr(pyactx, name)(x, axis=axis))
    # 2. apply_gufunc with allow_rechunk=True does it for you
    r = da.apply_gufunc(pyactx.softmax, pyactx.softmax.signature, d, axis=axis, allow_rechunk=True)
    np.testing.assert_array_equal(r.compute(), pyactx.softmax(x, axis=axis))
    # 3. map_blocks on blocks that are whole along the axis
    r = da.map_blocks(pyactx.log_softmax, whole, axis=axis, dtype=x.dtype)
    np.testing.assert_array_equal(r.compute(), pyactx.log_softmax(x, axis=axis))
    # vjp and labels
    g = da.from_array(_x((6, 8), seed=1), chunks=(3, 4)).rechunk({axis % 2: -1})
    np.testing.assert_array_equal(pyactx.softmax_vjp(whole, g, axis=axis).compute(),
                                  pyactx.softmax_vjp(x, g.compute(), axis=axis))
    n = x.shape[axis]
    labels = np.arange(x.shape[1 - axis % 2]) % n
    lab = da.from_array(labels, chunks=whole.chunks[1 - axis % 2])   # chunks of the loop dim
    np.testing.assert_array_equal(pyactx.cross_entropy(whole, lab, axis=axis).compute(),
                                  pyactx.cross_entropy(x, labels, axis=axis))


def test_dask_distributed_local_cluster(da):
    distributed = pytest.importorskip("distributed", reason="dask.distributed not installed")
    x = _x((64, 10))
    want = pyactx.softmax(pyactx.leaky_relu(pyactx.gelu(x), negative_slope=0.2))
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None, silence_logs=40) as cluster, \
            distributed.Client(cluster) as client:
        d = da.from_array(x, chunks=(16, 10))
        graph = pyactx.softmax(pyactx.leaky_relu(pyactx.gelu(d), negative_slope=0.2))
        got = graph.compute(scheduler=client)
        np.testing.assert_array_equal(got, want)
        # the work really ran in the 2 worker processes, each importing pyactx
        files = client.run(lambda: __import__("pyactx").__file__)
        assert len(files) == 2
        fut = client.submit(pyactx.log_softmax, x, axis=0)
        np.testing.assert_array_equal(fut.result(timeout=60), pyactx.log_softmax(x, axis=0))
    # the context managers closed the cluster: no worker process left
    assert all(not p.is_alive() for p in multiprocessing.active_children()
               if "Dask" in p.name or "worker" in p.name.lower())


# ---------------------------------------------------------------------------
# xarray
# ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def xr():
    return pytest.importorskip("xarray")


@pytest.fixture
def logits(xr):
    return xr.DataArray(_x((3, 4)), dims=("batch", "class"),
                        coords={"batch": [10, 20, 30], "class": list("abcd"),
                                "weight": ("batch", [1.0, 2.0, 3.0])},
                        name="logits", attrs={"units": "nat"})


def _same_frame(r, a, dims=None):
    assert r.dims == (dims or a.dims)
    for c in a.coords:
        if set(a.coords[c].dims) <= set(r.dims):
            assert r.coords[c].equals(a.coords[c]), c
    assert r.name == a.name


def test_xarray_direct_elementwise(xr, logits):
    for fn, kw in ((pyactx.gelu, {}), (pyactx.leaky_relu, {"negative_slope": 0.2}),
                   (pyactx.sigmoid_grad, {}), (pyactx.elu, {"alpha": 0.5})):
        r = fn(logits, **kw)
        assert isinstance(r, xr.DataArray)
        _same_frame(r, logits)
        np.testing.assert_array_equal(r.values, fn(logits.values, **kw))
    with xr.set_options(keep_attrs=True):
        assert pyactx.gelu(logits).attrs == {"units": "nat"}
    # a Dataset, and a DataArray with a chunked (dask) backend: still lazy
    ds = xr.Dataset({"v": logits})
    np.testing.assert_array_equal(pyactx.tanh(ds)["v"].values, pyactx.tanh(logits.values))
    pytest.importorskip("dask")
    lazy = pyactx.gelu(logits.chunk({"batch": 1}))
    assert type(lazy.data).__module__.startswith("dask")
    np.testing.assert_array_equal(lazy.values, pyactx.gelu(logits.values))


def test_xarray_softmax_family_through_apply_ufunc(xr, logits):
    with pytest.raises(NotImplementedError):        # xarray does not take gufuncs directly
        pyactx.softmax(logits)
    s = xr.apply_ufunc(pyactx.softmax, logits, input_core_dims=[["class"]],
                       output_core_dims=[["class"]], keep_attrs=True)
    _same_frame(s, logits)
    assert s.attrs == {"units": "nat"}
    np.testing.assert_array_equal(s.values, pyactx.softmax(logits.values))
    # along the other dim: apply_ufunc moves the core dim last
    s0 = xr.apply_ufunc(pyactx.softmax, logits, input_core_dims=[["batch"]],
                        output_core_dims=[["batch"]]).transpose(*logits.dims)
    np.testing.assert_array_equal(s0.values, pyactx.softmax(logits.values, axis=0))
    lse = xr.apply_ufunc(pyactx.logsumexp, logits, input_core_dims=[["class"]])
    _same_frame(lse, logits, dims=("batch",))
    labels = xr.DataArray(np.array([0, 3, 1]), dims="batch", coords={"batch": [10, 20, 30]})
    ce = xr.apply_ufunc(pyactx.cross_entropy, logits, labels, input_core_dims=[["class"], []])
    np.testing.assert_array_equal(ce.values, pyactx.cross_entropy(logits.values, labels.values))
    pytest.importorskip("dask")
    sd = xr.apply_ufunc(pyactx.softmax, logits.chunk({"batch": 1}), input_core_dims=[["class"]],
                        output_core_dims=[["class"]], dask="parallelized",
                        output_dtypes=[logits.dtype])
    assert type(sd.data).__module__.startswith("dask")
    np.testing.assert_array_equal(sd.values, pyactx.softmax(logits.values))
