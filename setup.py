"""Build of the pyactx C extension (metadata lives in pyproject.toml).

* The build only reads the source tree.  The C generated from
  pyactx/_spec.py (csrc/include/pyactx/table.inc, csrc/loops/loop_instances.inc)
  is committed, so the C core builds without Python; `python tools/regenerate.py`
  rewrites it after a change to the spec, and the test suite fails while it is
  out of date (tests/packaging/test_generated.py).
* The inner loops (csrc/loops/loops.inc) are compiled once per instruction
  set with that set's flags -- baseline for any x86-64/aarch64, plus AVX2+FMA
  and AVX-512 on x86-64 -- and the module picks one at import (runtime
  dispatch).  The module itself is built for the baseline: no -march=native.
"""
import os
import platform
import subprocess
import sys

import numpy
from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

HERE = os.path.dirname(os.path.abspath(__file__))

MSVC = sys.platform == "win32"
X86_64 = platform.machine().lower() in ("x86_64", "amd64") and not MSVC

if MSVC:
    COMMON = ["/O2"]
else:
    # Never -ffast-math / -ffinite-math-only: they break NaN, inf and the
    # error-free transformations (two_prod, two_sum) the kernels rely on.
    # -fno-math-errno: nothing here reads errno; lets GCC inline sqrt.
    # -ffp-contract=off: a*b + c stays two roundings, as the error analyses
    # assume (GCC's default in -std=c11; clang would fuse it into an FMA).
    COMMON = ["-O2", "-std=c11", "-fno-math-errno", "-ffp-contract=off", "-Wall", "-Wextra",
              "-Wno-unused-function", "-Wno-missing-field-initializers"]
    # a call to an undeclared kernel (pyactx_<name>_l in a build without
    # long double, below) is an error, not an implicit int function
    COMMON += ["-Werror=implicit-function-declaration"]
    # no debug information (Python's own CFLAGS say -g): it was 9 MB of the
    # 11.6 MB wheel; PYACTX_CFLAGS=-g brings it back for a debugging build
    COMMON += ["-g0"]
COMMON += os.environ.get("PYACTX_CFLAGS", "").split()

# per-ISA flags for the loop translation units (loops_<isa>.c)
LOOP_FLAGS = {"baseline": [] if MSVC else ["-O3"]}
if X86_64:
    LOOP_FLAGS["avx2"] = ["-O3", "-mavx2", "-mfma", "-mf16c"]
    LOOP_FLAGS["avx512"] = ["-O3", "-mavx2", "-mfma", "-mf16c", "-mavx512f", "-mavx512dq",
                            "-mavx512vl", "-mavx512bw", "-mprefer-vector-width=512"]

INCLUDES = [os.path.join("csrc", "include"), "csrc", numpy.get_include()]
MACROS = [("PYACTX_HAVE_X86_DISPATCH", "1")] if X86_64 else []
# PYACTX_NO_LONG_DOUBLE=1: a build without the long double kernels and loops
# (np.longdouble inputs then find no loop), in which any use of long double
# by a float16/32/64 kernel fails to compile (pyactx.h).  On x86 it checks
# that those kernels compute what they compute where long double is only
# double (MSVC, Apple Silicon); tests/numerics/test_no_long_double.py builds
# it and runs the accuracy suite on it.
if os.environ.get("PYACTX_NO_LONG_DOUBLE", "0") not in ("", "0"):
    MACROS.append(("PYACTX_NO_LONG_DOUBLE", "1"))


# GCC, AVX2 table only: no vectorised epilogue (a copy of each loop at half
# the vector width, 4 float32 or 2 float64, for the last elements of a call;
# they go one at a time instead).  Those copies were a sixth of the table's
# code: with them, the interleaved loops of both tables (elementwise.inc)
# took the wheel over its 3 MiB limit (tests/packaging).  The AVX-512 table
# keeps its epilogues (8 float32 or 4 float64 wide): without them float32
# calls of 100 elements took up to 1.4x as long there.  Measured: README,
# speed section.
GCC_LOOP_FLAGS = {"avx2": ["--param=vect-epilogues-nomask=0"]}


def _gcc_flags(compiler_cmd, flags):
    """`flags` where the compiler is GCC and accepts them (an older GCC may not
    know a --param), else [].  Not for clang: it accepts a --param with a
    warning and ignores it.  compiler_cmd is the whole command (so that
    `ccache gcc` asks gcc)."""
    if not flags:
        return []
    cmd = list(compiler_cmd)
    try:
        version = subprocess.run(cmd + ["--version"], capture_output=True, text=True,
                                 check=False).stdout.lower()
        if "clang" in version or not ("gcc" in version or "free software foundation" in version):
            return []
        probe = subprocess.run(cmd + flags + ["-x", "c", "-c", "-", "-o", os.devnull],
                               input="int pyactx_probe;\n", capture_output=True, text=True,
                               check=False)
    except OSError:
        return []
    return list(flags) if probe.returncode == 0 else []


class BuildExtPerISA(build_ext):
    """Compile each loops_<isa>.c with its own flags and link the objects in."""

    def build_extension(self, ext):
        objects = []
        for isa, flags in LOOP_FLAGS.items():
            src = os.path.join("csrc", "loops", f"loops_{isa}.c")
            extra = [] if MSVC else _gcc_flags(self.compiler.compiler_so,
                                               GCC_LOOP_FLAGS.get(isa, []))
            objects += self.compiler.compile(
                [src], output_dir=self.build_temp, include_dirs=INCLUDES, macros=MACROS,
                extra_postargs=COMMON + flags + extra, depends=ext.depends)
        ext.extra_objects = list(ext.extra_objects or []) + objects
        super().build_extension(ext)


ext = Extension(
    "pyactx._core",
    sources=["csrc/_coremodule.c", "csrc/loops/threads.c"],
    include_dirs=INCLUDES,
    define_macros=MACROS,
    extra_compile_args=COMMON,
    extra_link_args=os.environ.get("PYACTX_LDFLAGS", "").split(),
    libraries=[] if MSVC else ["m", "pthread"],
    depends=[os.path.join(d, f) for d, _, fs in os.walk(os.path.join("csrc")) for f in fs
             if f.endswith((".h", ".inc", ".c"))],
)

setup(ext_modules=[ext], cmdclass={"build_ext": BuildExtPerISA})
