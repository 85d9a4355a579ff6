"""Every docstring example runs and prints what it says (doctest), so the
examples that help(pyactx.<name>) shows cannot go stale."""
import doctest

import numpy as np
import pytest

import pyactx
from pyactx import _spec

NAMES = [n for a in _spec.ACTIVATION_TABLE for n in (a.name, a.name + "_grad")]


@pytest.mark.parametrize("name", NAMES)
def test_docstring_example(name):
    fn = getattr(pyactx, name)
    assert "Example" in fn.__doc__
    parser = doctest.DocTestParser()
    test = parser.get_doctest(fn.__doc__, {"np": np, "pyactx": pyactx}, name, None, 0)
    assert test.examples, "no example in the docstring"
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    with np.printoptions(legacy=False):
        runner.run(test)
    assert runner.failures == 0


def test_readme_examples():
    import os
    readme = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                          "README.md")
    failures, tried = doctest.testfile(readme, module_relative=False, globs={"np": np, "pyactx": pyactx},
                                       optionflags=doctest.NORMALIZE_WHITESPACE)
    assert tried > 0 and failures == 0
