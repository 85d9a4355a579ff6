"""The C core stands alone: build and run its own test programs
(csrc/tests/test_*.c via `make -C csrc test`) when a compiler is present."""
import os
import shutil
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CSRC = os.path.join(ROOT, "csrc")


@pytest.mark.skipif(shutil.which("make") is None or shutil.which(os.environ.get("CC", "cc")) is None,
                    reason="no C compiler / make")
def test_c_core_tests_pass(tmp_path):
    build = tmp_path / "csrc"
    shutil.copytree(CSRC, build, ignore=shutil.ignore_patterns("build"))
    r = subprocess.run(["make", "-C", str(build), "test"], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-4000:]
    assert "FAIL " not in r.stdout
