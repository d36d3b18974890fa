"""The profile a case goes through is the one its settings state, and nothing else picks it."""

from __future__ import annotations

import radcore
from radcore.io.config import settings_from_data
from radcore.profiles import IBSI, PYRADIOMICS, profile_of
from radcore.settings import Settings
from tests.reference import CT_PHANTOM


def test_profile_of_follows_the_settings():
    assert profile_of(Settings()) is IBSI
    assert profile_of(settings_from_data({"setting": {"binWidth": 25}})) is PYRADIOMICS
    assert PYRADIOMICS.reads_whole_image and not IBSI.reads_whole_image


def test_a_stated_profile_gives_the_params_file_values():
    params = {"setting": {"binWidth": 25}, "imageType": {"Original": {}}, "featureClass": {"glszm": None}}
    by_params = radcore.extract(*CT_PHANTOM, config=params, naming="pyradiomics")
    by_profile = radcore.extract(*CT_PHANTOM, config={"profile": "pyradiomics", "pyradiomics": params},
                                 naming="pyradiomics")
    assert by_params == by_profile
    assert "original_glszm_ZoneEntropy" in by_params
