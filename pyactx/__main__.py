"""python -m pyactx [tour | demo | info | bench] [options]

  tour   (default) every function of the registry with its formula, defaults
         and a few evaluated values -- a terminal tour of what pyactx offers
  demo   the main job: the experiments of the notebooks at classroom size,
         tables in the terminal, figures and one index.html written to a
         folder (python -m pyactx demo --help for its options)
  info   version, NumPy, CPU/build details: what a bug report needs
  bench  pyactx side by side with NumPy, SciPy, PyTorch, numexpr and JAX
         (python -m pyactx bench --help for its options)
"""
import sys


def _tour() -> int:
    import numpy as np

    import pyactx

    xs = np.array([-3.0, -1.0, 0.0, 1.0, 3.0])
    np.set_printoptions(precision=4, suppress=False, linewidth=120)
    print(f"pyactx {pyactx.__version__}: {len(pyactx.ACTIVATIONS)} activations with derivatives, "
          f"{len(pyactx.BINARY)} gates/losses, {len(pyactx.SOFTMAX_FAMILY)} softmax-family gufuncs\n")
    print(f"x = {xs}\n")
    for name, a in pyactx.ACTIVATIONS.items():
        params = ", ".join(f"{k}={v}" for k, v in a.params)
        head = f"{name}({'x' + (', ' + params if params else '')})"
        print(f"{head:34s} {a.formula}")
        with np.errstate(all="ignore"):
            fx, gx = a.forward(xs), a.grad(xs)
        print(f"{'':34s} f(x)  = {fx}")
        print(f"{'':34s} f'(x) = {gx}   range {a.output_range}, max|f'| = {a.max_abs_grad:.4g}")
    print()
    for name, b in pyactx.BINARY.items():
        print(f"{name}({', '.join(b.inputs)}) = {b.formula}")
    print()
    logits = np.array([[1000.0, 1001.0, 1002.0], [-1000.0, -1001.0, -np.inf]])
    for name, g in pyactx.SOFTMAX_FAMILY.items():
        print(f"{name} {g.signature}: {g.formula}")
    print(f"\nsoftmax({logits.tolist()}) =\n{pyactx.softmax(logits)}")
    print(f"logsumexp(...) = {pyactx.logsumexp(logits)}")
    print(f"cross_entropy(..., [2, 0]) = {pyactx.cross_entropy(logits, np.array([2, 0]))}")
    return 0


def _info() -> int:
    import platform

    import numpy as np

    import pyactx

    print(f"pyactx {pyactx.__version__} ({pyactx.__file__})")
    print(f"numpy {np.__version__}, python {platform.python_version()} on {platform.machine()} "
          f"{platform.system()}")
    print(f"extension: {pyactx._core.__file__}")
    for key in ("dispatch", "num_threads"):
        fn = getattr(pyactx, f"get_{key}", None)
        if fn is not None:
            print(f"{key}: {fn()}")
    return 0


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    cmd = argv.pop(0) if argv else "tour"
    if cmd in ("-h", "--help", "help"):
        print(__doc__)
        return 0
    if cmd == "tour":
        return _tour()
    if cmd == "info":
        return _info()
    if cmd == "demo":
        from pyactx import demo
        return demo.main(argv)
    if cmd == "bench":
        from pyactx import bench
        return bench.main(argv)
    print(f"unknown command {cmd!r}\n{__doc__}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
