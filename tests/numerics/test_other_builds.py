"""The C core as other compilers and machines build it (tools/check_builds.py):
aarch64 -- cross-compiled, its C tests and the accuracy and flags of every
ufunc loop run under qemu-aarch64 --, clang, whose loops are checked the same
way natively, a build without long double (PYACTX_NO_LONG_DOUBLE, as where
long double is double) and x86-64 Windows (mingw-w64, run under wine).  Each
case runs where its toolchain is installed and skips otherwise (.ci/run
installs all but wine, which would take CI past its 40-minute budget)."""
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = os.path.join(ROOT, "tools", "check_builds.py")

sys.path.insert(0, os.path.join(ROOT, "tools"))
import check_builds  # noqa: E402


@pytest.mark.parametrize("target", ["aarch64", "clang", "no-long-double", "windows"])
def test_other_build_passes(target):
    missing = check_builds.toolchain_missing(target)
    if missing:
        pytest.skip(f"{target}: no {', '.join(missing)}")
    r = subprocess.run([sys.executable, SCRIPT, target], capture_output=True, text=True,
                       timeout=3000, cwd=ROOT)
    assert r.returncode == 0, r.stdout[-8000:] + r.stderr[-4000:]
    assert "all checks passed" in r.stdout
    if target in ("aarch64", "windows"):
        assert "test_kernels: all checks passed" in r.stdout
        assert "0 failures" in r.stdout
