"""Evaluate every docstring example with the built extension and store the
printed results in pyactx/_spec.py (between the EXAMPLE_RESULTS markers).

    python tools/update_doc_examples.py && python tools/generate_table.py

Run after changing a kernel or the spec, then rebuild; tests/packaging/test_docs.py
runs the examples as doctests, so a stale result fails the suite.
"""
import os
import re

import numpy as np

import pyactx
from pyactx import _spec

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SPEC = os.path.join(ROOT, "pyactx", "_spec.py")

results = {}
for act in _spec.ACTIVATION_TABLE:
    for fname in (act.name, act.name + "_grad"):
        call = _spec.example_call(act, fname)
        results[call] = repr(eval(call, {"pyactx": pyactx, "np": np}))

body = "EXAMPLE_RESULTS = {\n" + "".join(f"    {k!r}:\n        {v!r},\n" for k, v in results.items()) + "}\n"
with open(SPEC) as f:
    text = f.read()
text = re.sub(r"(# BEGIN EXAMPLE_RESULTS\n).*?(# END EXAMPLE_RESULTS)", lambda m: m.group(1) + body + m.group(2),
              text, flags=re.S)
with open(SPEC, "w") as f:
    f.write(text)
print(f"{len(results)} example results written to {SPEC}")
