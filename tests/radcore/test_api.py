"""The public API: what ``radcore`` exports, the examples in its docstrings, and the Extractor."""

from __future__ import annotations

import doctest

import pytest

import radcore
import radcore.api
import radcore.io.config
from radcore.errors import SettingsError
from tests.reference import CT_PHANTOM


def test_every_exported_name_resolves():
    for name in radcore.__all__:
        assert getattr(radcore, name) is not None
    with pytest.raises(AttributeError, match="no attribute 'engine'"):
        radcore.engine  # noqa: B018


@pytest.mark.parametrize("module", [radcore.api, radcore.io.config], ids=lambda m: m.__name__)
def test_docstring_examples_run(module):
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0


def test_an_extractor_gives_what_extract_gives():
    config = {"families": ["stat", "glszm"]}
    extractor = radcore.Extractor(config, naming="ibsi")
    assert extractor.extract(*CT_PHANTOM) == radcore.extract(*CT_PHANTOM, config=config, naming="ibsi")


def test_an_extractor_refuses_ibsi_names_for_pyradiomics_params():
    with pytest.raises(SettingsError, match="IBSI"):
        radcore.Extractor({"setting": {"binWidth": 25}}, naming="ibsi")
