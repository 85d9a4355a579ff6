"""The C core stands alone: build and run its own test programs
(csrc/tests/test_*.c via `make -C csrc test`) when a compiler is present --
with the default `cc` and, where it is installed, with clang (the compiler
of every Mac; .ci/run installs it), warnings as errors."""
import os
import shutil
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CSRC = os.path.join(ROOT, "csrc")
CFLAGS = "-O2 -std=c11 -Wall -Wextra -Wno-unused-function -fno-math-errno -ffp-contract=off -Werror"


@pytest.mark.parametrize("cc", [os.environ.get("CC", "cc"), "clang"])
def test_c_core_tests_pass(tmp_path, cc):
    if shutil.which("make") is None or shutil.which(cc) is None:
        pytest.skip(f"no make / {cc}")
    build = tmp_path / "csrc"
    shutil.copytree(CSRC, build, ignore=shutil.ignore_patterns("build"))
    r = subprocess.run(["make", "-C", str(build), "test", f"CC={cc}", f"CFLAGS={CFLAGS}"],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-4000:]
    assert "FAIL " not in r.stdout
