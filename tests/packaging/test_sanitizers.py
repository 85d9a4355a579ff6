"""tools/sanitize.sh, run from the test suite (so that CI, whose only entry is
the README's test command, runs it): the extension built with
AddressSanitizer + UndefinedBehaviorSanitizer and a named subset of the
tests run against it; the C core tests (csrc/tests/test_*.c) under the same
sanitizers and under valgrind memcheck.  Any report fails.

Cost: ~2.5 min of wall time on an idle 2-core CI machine (~2.3 min of CPU:
one sanitized build of the extension, ~1 min of tests under ASan, the C core
checks running beside the build); ~5 min when the machine is shared, and
8.2 min (490 s) on an idle 2-core Intel Xeon VM (Emerald Rapids), where
the earlier bound of 420 s failed the test on a clean report.  Hard
bound: PYACTX_SANITIZE_TIMEOUT (default 900 s), after which the whole
process tree is killed and the test fails.  Skipped, with the
reason, where gcc, libasan or valgrind is missing, and with
PYACTX_SKIP_SANITIZERS=1 (local runs).
"""
from __future__ import annotations

import importlib.util
import os
import shutil
import signal
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = os.path.join(ROOT, "tools", "sanitize.sh")


def _skip_reason():
    if os.environ.get("PYACTX_SANITIZED"):
        return "already running under tools/sanitize.sh"
    if os.environ.get("PYACTX_SKIP_SANITIZERS"):
        return "PYACTX_SKIP_SANITIZERS is set"
    if not sys.platform.startswith("linux"):
        return "ASan via LD_PRELOAD and valgrind: Linux only"
    if not os.path.exists(SCRIPT):
        return "no tools/sanitize.sh beside the tests (installed package)"
    if shutil.which("bash") is None or shutil.which("make") is None:
        return "bash and make are needed"
    if shutil.which("gcc") is None:
        return "gcc not found (the sanitizer build needs gcc)"
    lib = subprocess.run(["gcc", "-print-file-name=libasan.so"], capture_output=True,
                         text=True).stdout.strip()
    if not os.path.isabs(lib) or not os.path.exists(lib):
        return "gcc has no libasan.so (install libasan / gcc's sanitizer runtime)"
    if shutil.which("valgrind") is None:
        return "valgrind not found (apt-get install valgrind)"
    for mod in ("setuptools", "numpy"):
        if importlib.util.find_spec(mod) is None:
            return f"{mod} is needed in the test environment to build the sanitized extension"
    return None


@pytest.mark.skipif(_skip_reason() is not None, reason=str(_skip_reason()))
def test_asan_ubsan_valgrind_clean(tmp_path):
    timeout = int(os.environ.get("PYACTX_SANITIZE_TIMEOUT", "900"))
    env = dict(os.environ, PYACTX_SANITIZE_DIR=str(tmp_path / "sanitize"), PYTHON=sys.executable)
    env.pop("LD_PRELOAD", None)
    # a session of its own, so that a timeout can stop the whole tree (the
    # build, pytest, valgrind), not only bash
    proc = subprocess.Popen(["bash", SCRIPT], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        log, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        log, _ = proc.communicate()
        pytest.fail(f"tools/sanitize.sh ran past {timeout} s\n{log[-6000:]}")
    assert proc.returncode == 0, log[-12000:]
    for bad in ("ERROR: AddressSanitizer", "runtime error:", "ERROR: LeakSanitizer"):
        assert bad not in log, log[-12000:]
    assert "clean: no sanitizer or valgrind report" in log
    # what ran, for the CI log
    summary = [line for line in log.splitlines()
               if line.startswith("== sanitize.sh") or " passed" in line or "memcheck" in line]
    print("\n".join(summary))
