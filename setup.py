"""Build of the pyactx C extension (metadata lives in pyproject.toml).

The X-macro table csrc/include/pyactx/table.inc is regenerated from
pyactx/_spec.py before every build, so the compiled registration can never
disagree with the Python registry.
"""
import os
import runpy
import sys

import numpy
from setuptools import Extension, setup

HERE = os.path.dirname(os.path.abspath(__file__))

_gen = runpy.run_path(os.path.join(HERE, "tools", "generate_table.py"), run_name="pyactx_generate")
_gen["main"]([])

if sys.platform == "win32":
    extra_compile_args = ["/O2"]
else:
    # -O2, no -march=native: the wheel must run on any x86-64 / aarch64.
    # Never -ffast-math / -ffinite-math-only: they break NaN, inf and the
    # error-free transformations (two_prod, two_sum) the kernels rely on.
    # -fno-math-errno: nothing here reads errno, and it lets GCC inline sqrt.
    extra_compile_args = ["-O2", "-std=c11", "-fno-math-errno", "-Wall", "-Wextra",
                          "-Wno-unused-function", "-Wno-missing-field-initializers"]
    if os.environ.get("PYACTX_CFLAGS"):
        extra_compile_args += os.environ["PYACTX_CFLAGS"].split()

extra_link_args = os.environ.get("PYACTX_LDFLAGS", "").split()

ext = Extension(
    "pyactx._core",
    sources=["csrc/_pyactx_module.c"],
    include_dirs=["csrc/include", numpy.get_include()],
    extra_compile_args=extra_compile_args,
    extra_link_args=extra_link_args,
    libraries=[] if sys.platform == "win32" else ["m"],
)

setup(ext_modules=[ext])
