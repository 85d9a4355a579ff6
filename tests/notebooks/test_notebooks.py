"""Execute every notebook in notebooks/ (into a temporary copy), fail on any
error, and compare its text outputs with the committed ones: a notebook whose
committed numbers are stale (not what the current code prints, to 2
significant digits; timing lines aside) fails.

Marked ``notebooks``: deselect with ``pytest -m "not notebooks"``.  The committed
notebooks are never modified; ``python tools/run_notebooks.py`` refreshes them.
"""

import math
import os
import pathlib
import re
import shutil
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
CELL_TIMEOUT = 300  # seconds per cell

# Lines that report a time or a speed (they vary from run to run) are not
# compared.  The speed notebook is not compared at all: its outputs are
# timings, and its rows depend on which peers (PyTorch, SciPy) are installed.
TIMING = re.compile(r"ns/el|µs|\bms\b|\d\s*s\b|seconds|tokens/s|it/s|done in|took|wall|elapsed|"
                    r"faster|slower|times as long|speed|× ?(torch|numpy|scipy)", re.I)
TIMING_NOTEBOOKS = {"07_speed"}
NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?")


def _text_outputs(nb):
    """Per code cell, the text it printed (stdout and text/plain results)."""
    cells = []
    for c in nb.cells:
        if c.cell_type != "code":
            continue
        parts = []
        for o in c.get("outputs", []):
            if o.get("output_type") == "stream" and o.get("name") == "stdout":
                parts.append(o.get("text", ""))
            elif "text/plain" in o.get("data", {}) and "image/png" not in o.get("data", {}):
                parts.append(o["data"]["text/plain"])
        text = re.sub(r"0x[0-9a-f]+", "0x", "".join(parts))
        cells.append([ln for ln in text.splitlines() if ln.strip() and not TIMING.search(ln)])
    return cells


def _same_2_digits(a: str, b: str) -> bool:
    x, y = float(a), float(b)
    if x == y or (math.isnan(x) and math.isnan(y)):
        return True
    if not (math.isfinite(x) and math.isfinite(y)):
        return False
    big = max(abs(x), abs(y))
    # half a unit in the second significant digit
    return abs(x - y) <= 0.5 * 10 ** (math.floor(math.log10(big)) - 1)


def _line_mismatch(old: str, new: str, numbers: bool):
    def shape(line):             # the text around the numbers; column padding aside
        return " ".join(NUMBER.sub("#", line).split())

    if shape(old) != shape(new):
        return f"text differs:\n  committed: {old}\n  fresh:     {new}"
    if numbers:
        for a, b in zip(NUMBER.findall(old), NUMBER.findall(new)):
            if not _same_2_digits(a, b):
                return f"number {a} is now {b}:\n  committed: {old}\n  fresh:     {new}"
    return None


@pytest.mark.notebooks
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs(path, tmp_path, monkeypatch):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    pytest.importorskip("matplotlib")
    pytest.importorskip("sklearn")
    import pyactx

    # the kernel must import the same pyactx as this test process
    pkg_parent = str(pathlib.Path(pyactx.__file__).resolve().parent.parent)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(
        [pkg_parent] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]))

    copy = tmp_path / path.name
    shutil.copy(path, copy)
    nb = nbformat.read(copy, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name="python3",
                                     record_timing=False, resources={"metadata": {"path": str(tmp_path)}})
    client.execute()  # raises CellExecutionError on the first failing cell
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert not errors
    # the committed outputs are what the current code prints
    committed = _text_outputs(nbformat.read(path, as_version=4))
    fresh = _text_outputs(nb)
    assert len(committed) == len(fresh)
    if path.stem in TIMING_NOTEBOOKS:
        return
    problems = []
    for k, (old, new) in enumerate(zip(committed, fresh)):
        if len(old) == len(new):
            pairs = zip(old, new)
        else:
            # generated prose is wrapped to a width: compare the cell's text as
            # one line when a number's width moved a line break
            pairs = [(" ".join(old), " ".join(new))]
        for a, b in pairs:
            m = _line_mismatch(a, b, True)
            if m:
                problems.append(f"cell {k}: {m}")
    assert not problems, (f"{path.name} is stale; re-run `python tools/run_notebooks.py "
                          f"{path.stem[:2]}`:\n" + "\n".join(problems[:10]))


def test_notebooks_are_committed_with_outputs():
    nbformat = pytest.importorskip("nbformat")
    assert len(NOTEBOOKS) == 8, [p.name for p in NOTEBOOKS]
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        code = [c for c in nb.cells if c.cell_type == "code"]
        assert code and all(c.get("execution_count") for c in code), f"{path.name} is not fully executed"
        assert any(o.get("output_type") == "error" for c in code for o in c.outputs) is False, path.name
        assert any("image/png" in o.get("data", {}) for c in code for o in c.outputs), \
            f"{path.name} has no embedded figure"


def test_notebooks_were_executed_by_the_code_of_this_tree():
    """Each notebook records the digest of pyactx/ and csrc/ that executed it
    (tools/run_notebooks.py): after a change there, re-execute them."""
    nbformat = pytest.importorskip("nbformat")
    sys.path.insert(0, os.path.join(ROOT, "tools"))
    try:
        import run_notebooks
    finally:
        sys.path.pop(0)
    digest = run_notebooks.source_digest()
    stale = [p.name for p in NOTEBOOKS
             if nbformat.read(p, as_version=4).metadata.get("pyactx", {}).get("sources_sha256") != digest]
    assert not stale, (f"executed by other sources than this tree's ({digest}): {stale}; "
                       f"run python tools/run_notebooks.py")
