"""Side-by-side benchmark of pyactx and its peers (NumPy composites, SciPy,
PyTorch CPU, numexpr, JAX, and np.negative as the memory-bandwidth floor).

    python benchmarks/bench.py            # full run, writes benchmarks/results/bench-full.*
    python benchmarks/bench.py --quick    # sigmoid, gelu, silu, softmax: under a minute
    python benchmarks/bench.py --help

The same as ``python -m pyactx bench``, except that the files go to
``benchmarks/results/`` by default.  The implementation is ``pyactx.bench``
(installed with the package, so the command works outside this checkout);
everything in it is re-exported here for scripts that import this module.
"""
import os
import sys

from pyactx.bench import *  # noqa: F401,F403
from pyactx.bench import main as _main

RESULTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    if not any(a == "--out" or a.startswith("--out=") for a in argv):
        argv = ["--out", RESULTS] + argv
    return _main(argv)


if __name__ == "__main__":
    sys.exit(main())
