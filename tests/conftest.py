"""Shared fixtures.

`each_dispatch`: runs a test once per instruction-set path this CPU supports
(pyactx.available_dispatch(): avx512, avx2, baseline on a modern x86-64), so
that the accuracy and special-value suites check every compiled loop table.
Use it with `pytestmark = pytest.mark.usefixtures("each_dispatch")`.
"""
import pytest

import pyactx

PATHS = pyactx.available_dispatch()


@pytest.fixture(params=PATHS, ids=[f"isa={p}" for p in PATHS])
def each_dispatch(request):
    before = pyactx.get_dispatch()
    pyactx.set_dispatch(request.param)
    try:
        yield request.param
    finally:
        pyactx.set_dispatch(before)
