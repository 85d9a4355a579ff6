"""Each kernel family file defines the kernels of exactly the functions the
spec assigns to it (``family=`` in pyactx/_spec.py), so the map in the
generated kernels/families.inc, the README and CONTRIBUTING is the truth
about where a function's kernels are.  Read from the C source, not from the
spec's own claims."""
import os
import re
import runpy

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
KERNELS = os.path.join(ROOT, "csrc", "include", "pyactx", "kernels")
SPEC = runpy.run_path(os.path.join(ROOT, "pyactx", "_spec.py"))
ENTRIES = SPEC["ACTIVATION_TABLE"] + SPEC["BINARY_TABLE"]
FAMILIES = [f for f, _ in SPEC["FAMILIES"]]

# a kernel definition at the start of a line: `PYACTX_INLINE T NAME(f)(...`
# or `PYACTX_VM_INLINE T NAME(f_v)(...`
DEFINITION = re.compile(r"^PYACTX(?:_VM)?_INLINE\b[^(\n]*\bNAME\((\w+)\)\(", re.M)


def _defined(family):
    with open(os.path.join(KERNELS, family + ".inc")) as f:
        return set(DEFINITION.findall(f.read()))


DEFINED = {fam: _defined(fam) for fam in FAMILIES}


def test_every_family_file_is_listed_and_exists():
    listed = {f + ".inc" for f in FAMILIES}
    shared = {"all.inc", "common.inc", "constants.inc", "dd.inc", "families.inc",
              "softmax.inc", "vmath.inc", "vmath_end.inc"}
    present = {f for f in os.listdir(KERNELS) if f.endswith(".inc")}
    assert present - shared == listed, (
        "a kernel file that is neither shared nor a family in the spec's FAMILIES, "
        "or a family without its file")


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e.name)
def test_kernels_live_in_the_declared_family(entry):
    own = DEFINED[entry.family]
    for fn in (entry.name, entry.name + "_grad"):
        assert fn in own, f"NAME({fn}) is not defined in kernels/{entry.family}.inc"
    vector = [(entry.name + "_v", entry.simd), (entry.name + "_grad_v", entry.simd_grad)]
    for fn, simd in vector:
        if simd:
            assert fn in own, f"NAME({fn}) is not defined in kernels/{entry.family}.inc"
    for other in FAMILIES:
        if other != entry.family:
            stray = {entry.name, entry.name + "_grad"} & DEFINED[other]
            assert not stray, f"{sorted(stray)} defined in kernels/{other}.inc, " \
                              f"but the spec says family={entry.family!r}"


def test_no_family_file_defines_a_function_of_another():
    owner = {}
    for e in ENTRIES:
        for fn in (e.name, e.name + "_grad", e.name + "_v", e.name + "_grad_v"):
            owner[fn] = e.family
    for fam, names in DEFINED.items():
        for fn in names:
            assert owner.get(fn, fam) == fam, f"kernels/{fam}.inc defines {fn} of {owner[fn]}"
