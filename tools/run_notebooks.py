#!/usr/bin/env python
"""Execute the notebooks in notebooks/ top to bottom and save them with their outputs.

    python tools/run_notebooks.py                 # all notebooks, in place
    python tools/run_notebooks.py 02 05           # only those whose name contains "02" or "05"
    python tools/run_notebooks.py --check         # execute, report, write nothing

Each notebook runs in a fresh kernel (the current interpreter's ipykernel) with
notebooks/ as its working directory; a cell that raises stops that notebook and
the script exits with status 1.  Per-cell timing metadata is not recorded; the
notebook's metadata records the digest of the sources that ran it
(source_digest), so the committed files change when outputs or code change.  Needs nbclient, nbformat and
ipykernel (the project's notebook extra).
"""

from __future__ import annotations

import argparse
import pathlib
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"


#: what the notebooks' outputs depend on: the package and the C core
SOURCE_DIRS = ("pyactx", "csrc")
SOURCE_SUFFIXES = (".py", ".pyi", ".c", ".h", ".inc")


def source_digest() -> str:
    """SHA-256 (first 16 hex digits) of every source file under pyactx/ and
    csrc/ (paths and contents, build outputs and caches skipped).  Written
    into each notebook's metadata when it is executed, so a notebook states
    which code produced its outputs, and tests/notebooks checks that it is
    the code of the tree."""
    import hashlib
    h = hashlib.sha256()
    for top in SOURCE_DIRS:
        for f in sorted((ROOT / top).rglob("*")):
            rel = f.relative_to(ROOT)
            if (f.is_file() and f.suffix in SOURCE_SUFFIXES
                    and not {"build", "__pycache__"} & set(rel.parts)):
                h.update(rel.as_posix().encode() + b"\0" + f.read_bytes() + b"\0")
    return h.hexdigest()[:16]


def execute(path: pathlib.Path, *, timeout: int = 300, cwd: pathlib.Path | None = None):
    """Run one notebook; return (executed notebook, seconds).  Raises on a failing cell."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", record_timing=False,
                            resources={"metadata": {"path": str(cwd or path.parent)}})
    t0 = time.perf_counter()
    client.execute()
    return nb, time.perf_counter() - t0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    ap.add_argument("select", nargs="*", help="run only notebooks whose file name contains one of these")
    ap.add_argument("--check", action="store_true", help="execute but do not write the notebooks")
    ap.add_argument("--timeout", type=int, default=300, help="seconds allowed per cell (default 300)")
    args = ap.parse_args(argv)

    import nbformat

    paths = sorted(NOTEBOOKS.glob("*.ipynb"))
    if args.select:
        paths = [p for p in paths if any(s in p.name for s in args.select)]
    if not paths:
        print("no notebooks selected", file=sys.stderr)
        return 1
    failed, total = [], 0.0
    digest = source_digest()
    for p in paths:
        print(f"{p.name:<32}", end=" ", flush=True)
        try:
            nb, sec = execute(p, timeout=args.timeout)
        except Exception as exc:  # a failing cell, a cell timeout or a dead kernel
            print(f"FAILED ({type(exc).__name__})")
            print(str(exc)[-3000:], file=sys.stderr)
            failed.append(p.name)
            continue
        total += sec
        if not args.check:
            nb.metadata["pyactx"] = {"sources_sha256": digest}
            nbformat.write(nb, p)
        print(f"{sec:6.1f} s{'' if args.check else '  (written)'}")
    print(f"{len(paths) - len(failed)} passed, {len(failed)} failed; {total:.1f} s in all")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
