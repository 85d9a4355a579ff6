"""Regenerate every file derived from pyactx/_spec.py: the one command to run
after adding or changing a function (CONTRIBUTING.md has the whole recipe).

    python tools/regenerate.py           # rewrite whatever is out of date
    python tools/regenerate.py --check   # change nothing; exit 1 naming what is stale

Derived files, and the tool that writes each:

    csrc/include/pyactx/table.inc          tools/generate_table.py
    csrc/loops/loop_instances.inc          tools/generate_table.py
    csrc/include/pyactx/kernels/constants.inc
                                           tools/generate_constants.py
    pyactx/__init__.pyi, pyactx/ufuncs.pyi tools/generate_stubs.py
    README.md (the function tables)        tools/generate_readme.py
    tests/data/ref_<dtype>.npz             tools/generate_reference.py
        -- here only the entries of elementwise functions the spec has and
           the data lacks (mpmath: minutes per function, with --jobs 2).
           Recomputing everything is `python tools/generate_reference.py`
           (hours); the softmax family's data is
           tools/generate_softmax_reference.py.

None of them needs the compiled extension, and the build (setup.py) runs
none of them: the build only reads the source tree.  The test suite runs
`--check` (tests/packaging/test_generated.py), so a stale file fails it.
"""
import os
import runpy
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOOLS = os.path.join(ROOT, "tools")
REF_DTYPES = ("float16", "float32", "float64", "longdouble")

#: the generators that take --check, in the order they run
GENERATORS = ("generate_table.py", "generate_constants.py", "generate_stubs.py",
              "generate_readme.py")


def missing_reference_functions():
    """{dtype: [spec names of elementwise functions without reference data]}"""
    import numpy as np

    spec = runpy.run_path(os.path.join(ROOT, "pyactx", "_spec.py"))
    names = [a.name for a in spec["ACTIVATION_TABLE"]] + [b.name for b in spec["BINARY_TABLE"]]
    out = {}
    for dt in REF_DTYPES:
        path = os.path.join(ROOT, "tests", "data", f"ref_{dt}.npz")
        with np.load(path) as data:
            have = {k.split("/")[0].split("@")[0] for k in data.files}
        lacking = [n for n in names if n not in have]
        if lacking:
            out[dt] = lacking
    return out


def main(argv):
    check = "--check" in argv
    stale = []
    for tool in GENERATORS:
        args = [sys.executable, os.path.join(TOOLS, tool)] + (["--check"] if check else [])
        r = subprocess.run(args, cwd=ROOT, capture_output=True, text=True)
        if r.returncode != 0:
            if not check:
                sys.stderr.write(r.stdout + r.stderr)
                return r.returncode
            stale.append(f"{tool}: {(r.stdout + r.stderr).strip()}")
        elif not check:
            print(f"{tool}: done")
    missing = missing_reference_functions()
    if missing and check:
        for dt, names in missing.items():
            stale.append(f"tests/data/ref_{dt}.npz lacks {', '.join(names)}")
    elif missing:
        for dt, names in missing.items():
            print(f"reference data for {', '.join(names)} ({dt}): mpmath, this takes minutes")
            subprocess.run([sys.executable, os.path.join(TOOLS, "generate_reference.py"),
                            "--only", dt, "--functions", *names], cwd=ROOT, check=True)
    if check and stale:
        print("Out of date (run: python tools/regenerate.py):")
        for line in stale:
            print("  " + line)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
