"""The examples in the public API's docstrings run and print what they show (numpydoc ``Examples``)."""

from __future__ import annotations

import doctest
import inspect

import pytest

import radcore

#: public names whose docstrings must carry an example
WITH_EXAMPLES = ("extract", "extract_maps", "Extractor", "load_settings", "settings_hash")


def public_callables() -> dict[str, object]:
    """The functions and classes of ``radcore.__all__`` (errors included: their examples run too, if any)."""
    return {name: getattr(radcore, name) for name in radcore.__all__
            if inspect.isfunction(getattr(radcore, name)) or inspect.isclass(getattr(radcore, name))}


@pytest.mark.parametrize("name", sorted(public_callables()))
def test_the_examples_of_the_public_api_run(name):
    obj = public_callables()[name]
    finder = doctest.DocTestFinder(recurse=True, exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    tests = [t for t in finder.find(obj, name, globs={}) if t.examples]
    if name in WITH_EXAMPLES:
        assert tests, f"radcore.{name} has no example in its docstring"
    for test in tests:
        runner.run(test)
    assert runner.summarize(verbose=False).failed == 0
