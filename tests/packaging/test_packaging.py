"""Packaging: `python -m build` makes an sdist and a wheel (the wheel built
from the sdist, so the sdist is proven complete); both install into fresh
virtual environments and pass a smoke check there, outside the source tree.

Nothing is downloaded: the build runs with --no-isolation (setuptools,
wheel, numpy and build come from the test environment) and the venvs see
numpy from the test environment (a .pth path entry) with pip --no-index.  The
source tree is copied first (git's tracked + untracked-not-ignored files),
so the build never writes into the working tree.

Cost: two compilations of the extension, ~1-2 min on the CI machine
(bounded: every subprocess has a timeout).
"""
from __future__ import annotations

import glob
import os
import re
import shutil
import subprocess
import sys
import tarfile
import textwrap
import zipfile

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

pytestmark = [
    pytest.mark.skipif(not os.path.exists(os.path.join(ROOT, "setup.py")),
                       reason="no source tree beside the tests (installed package)"),
    pytest.mark.skipif(sys.platform == "win32", reason="POSIX venv layout assumed"),
]


def _run(cmd, cwd, timeout, env=None):
    r = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env)
    assert r.returncode == 0, f"{' '.join(map(str, cmd))} failed:\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}"
    return r


def _source_files():
    """The files a clean clone (plus work in progress) would have."""
    if shutil.which("git") and os.path.isdir(os.path.join(ROOT, ".git")):
        r = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT,
                           capture_output=True, timeout=60)
        if r.returncode == 0:
            return [f for f in r.stdout.decode().split("\0")
                    if f and os.path.isfile(os.path.join(ROOT, f))]
    skip = {".git", "build", "dist", "__pycache__", ".pytest_cache", ".hypothesis", ".ci-venv",
            ".venv", ".benchmarks"}
    out = []
    for d, dirs, files in os.walk(ROOT):
        dirs[:] = [x for x in dirs if x not in skip and not x.endswith(".egg-info")]
        out += [os.path.relpath(os.path.join(d, f), ROOT) for f in files
                if not f.endswith((".so", ".o", ".pyc"))]
    return out


@pytest.fixture(scope="module")
def dist(tmp_path_factory):
    # --no-isolation: the build requirements must be in the test environment
    for mod in ("build", "setuptools", "wheel"):
        pytest.importorskip(mod, reason=f"the '{mod}' package is needed (test extra)")
    base = tmp_path_factory.mktemp("packaging")
    src = base / "src"
    files = _source_files()
    for f in files:
        dst = src / f
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(os.path.join(ROOT, f), dst)
    out = base / "dist"
    _run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(src)],
         cwd=src, timeout=420)
    sdists = glob.glob(str(out / "*.tar.gz"))
    wheels = glob.glob(str(out / "*.whl"))
    assert len(sdists) == 1 and len(wheels) == 1, os.listdir(out)
    return {"base": base, "src": src, "files": files, "sdist": sdists[0], "wheel": wheels[0]}


def test_sdist_contains_everything_the_build_needs(dist):
    with tarfile.open(dist["sdist"]) as t:
        names = {n.split("/", 1)[1] for n in t.getnames() if "/" in n}
    # every C source, header and .inc under csrc/, and the C tests' Makefile
    csrc = [f for f in dist["files"] if f.startswith("csrc/") and f.endswith((".c", ".h", ".inc"))]
    assert csrc
    missing = sorted(set(csrc + ["csrc/Makefile"]) - names)
    assert not missing, f"sdist lacks {missing}"
    # every tool setup.py runs
    setup_src = open(os.path.join(ROOT, "setup.py"), encoding="utf-8").read()
    tools = {f"tools/{m}" for m in re.findall(r'"tools",\s*"([\w.]+\.py)"', setup_src)}
    tools |= {f for f in dist["files"] if f.startswith("tools/") and f.endswith(".py")
              and os.path.basename(f) in setup_src}
    assert "tools/generate_table.py" in tools
    assert not tools - names, f"sdist lacks the tools setup.py uses: {sorted(tools - names)}"
    for f in ("setup.py", "pyproject.toml", "LICENSE", "README.md", "pyactx/__init__.py",
              "pyactx/_spec.py", "pyactx/__init__.pyi", "pyactx/ufuncs.pyi", "pyactx/py.typed"):
        assert f in names, f"sdist lacks {f}"
    junk = sorted(n for n in names if n.endswith((".so", ".o", ".pyc")) or "__pycache__" in n)
    assert not junk, f"build products in the sdist: {junk}"


def test_wheel_contents(dist):
    with zipfile.ZipFile(dist["wheel"]) as z:
        names = z.namelist()
        meta = z.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
    assert any(re.fullmatch(r"pyactx/_core\..*(so|pyd)", n) for n in names), names
    for f in ("pyactx/__init__.py", "pyactx/_spec.py", "pyactx/ufuncs.py", "pyactx/__init__.pyi",
              "pyactx/ufuncs.pyi", "pyactx/py.typed"):
        assert f in names, f"wheel lacks {f}"
    assert any(re.search(r"\.dist-info/(licenses/)?LICENSE$", n) for n in names), \
        f"no LICENSE in the wheel's dist-info: {names}"
    assert "BSD-3-Clause" in meta
    assert not [n for n in names if n.startswith(("tests/", "csrc/"))], "sources leaked into the wheel"


SMOKE = textwrap.dedent("""
    import os, subprocess, sys
    import numpy as np
    import pyactx
    venv = sys.argv[1]
    assert os.path.realpath(pyactx.__file__).startswith(os.path.realpath(venv)), pyactx.__file__
    here = os.path.dirname(pyactx.__file__)
    for f in ("__init__.pyi", "ufuncs.pyi", "py.typed"):
        assert os.path.exists(os.path.join(here, f)), f
    x = np.array([-1.0, 0.0, 1.0])
    assert np.allclose(pyactx.gelu(x), [-0.15865525393145707, 0.0, 0.8413447460685429])
    assert np.allclose(pyactx.leaky_relu(x, negative_slope=0.2), [-0.2, 0.0, 1.0])
    s = pyactx.softmax(np.array([[1000.0, 1001.0, 1002.0]]))
    assert abs(s.sum() - 1) < 1e-15 and np.all(np.isfinite(s))
    try:
        pyactx.cross_entropy(np.ones((2, 3)), np.array([0, 7]))
    except ValueError:
        pass
    else:
        raise AssertionError("bad label accepted")
    assert len(pyactx.ACTIVATIONS) == len(pyactx._spec.ACTIVATION_TABLE)
    for name in pyactx.ufuncs.__all__:
        assert isinstance(getattr(pyactx.ufuncs, name), np.ufunc), name
    info = subprocess.run([sys.executable, "-m", "pyactx", "info"], capture_output=True, text=True)
    assert info.returncode == 0 and "pyactx" in info.stdout, info.stderr
    print("smoke ok", pyactx.__version__, pyactx.__file__)
""")


def _dep_dirs():
    """Where the test environment keeps numpy and the build requirements."""
    import numpy
    import setuptools
    dirs = []
    for mod in (numpy, setuptools):
        d = os.path.dirname(os.path.dirname(os.path.abspath(mod.__file__)))
        if d not in dirs:
            dirs.append(d)
    try:
        import wheel
        d = os.path.dirname(os.path.dirname(os.path.abspath(wheel.__file__)))
        if d not in dirs:
            dirs.append(d)
    except ImportError:
        pass
    return dirs


def _fresh_venv_install(base, name, target):
    venv = base / name
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], cwd=base, timeout=120)
    py = venv / "bin" / "python"
    # numpy (and the sdist's build requirements) come from the test
    # environment through a .pth *path* entry: its directory joins sys.path
    # after the venv's own site-packages, and its .pth files (e.g. an
    # editable install of pyactx) are not run.  pip installs nothing else.
    purelib = _run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                   cwd=base, timeout=60).stdout.strip()
    with open(os.path.join(purelib, "_pyactx_test_deps.pth"), "w") as f:
        f.write("\n".join(_dep_dirs()) + "\n")
    env = dict(os.environ, PIP_DISABLE_PIP_VERSION_CHECK="1", PYTHONNOUSERSITE="1")
    env.pop("PYTHONPATH", None)
    _run([sys.executable, "-m", "pip", "--python", str(py), "install", "--no-deps", "--no-index",
          "--no-build-isolation", "--ignore-installed", str(target)], cwd=base, timeout=420, env=env)
    smoke = base / f"smoke_{name}.py"
    smoke.write_text(SMOKE)
    # run from an empty directory: nothing but the venv can provide pyactx
    work = base / f"run_{name}"
    work.mkdir()
    r = _run([str(py), "-I", str(smoke), str(venv)], cwd=work, timeout=120, env=env)
    assert "smoke ok" in r.stdout


def test_wheel_installs_into_a_fresh_venv(dist):
    _fresh_venv_install(dist["base"], "venv_wheel", dist["wheel"])


def test_sdist_installs_into_a_fresh_venv(dist):
    _fresh_venv_install(dist["base"], "venv_sdist", dist["sdist"])
