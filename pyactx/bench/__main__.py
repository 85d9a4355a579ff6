"""python -m pyactx.bench: the same as python -m pyactx bench (the benchmark
re-executes itself this way when it unsets the OpenBLAS variables)."""
import sys

from pyactx.bench import main

sys.exit(main())
