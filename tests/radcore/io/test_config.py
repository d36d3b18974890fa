"""Settings files: radcore YAML with its profile, PyRadiomics params files, and what is refused."""

from __future__ import annotations

import pytest
import yaml

from radcore.errors import SettingsError
from radcore.io.config import load_settings, settings_from_data
from radcore.settings import Settings
from tests.reference import CONFIGS


def test_the_default_profile_is_ibsi():
    assert Settings().profile == "ibsi"
    assert load_settings(CONFIGS / "config_c.yaml").profile == "ibsi"
    assert settings_from_data({"profile": "ibsi", "families": ["stat"]}).families == ("stat",)


def test_a_params_file_implies_the_pyradiomics_profile():
    settings = settings_from_data({"setting": {"binWidth": 10}, "featureClass": {"glcm": None}})
    assert settings.profile == "pyradiomics"
    assert settings.pyradiomics.setting.binWidth == 10


def test_a_radcore_yaml_may_state_the_pyradiomics_profile(tmp_path):
    params = {"setting": {"binWidth": 10}, "imageType": {"Original": {}}, "featureClass": {"glcm": None}}
    path = tmp_path / "radcore.yaml"
    path.write_text(yaml.safe_dump({"profile": "pyradiomics", "pyradiomics": params}))
    stated = load_settings(path)
    assert stated.profile == "pyradiomics"
    assert stated == settings_from_data(params)
    assert settings_from_data({"profile": "pyradiomics"}).pyradiomics == settings_from_data({"setting": {}}).pyradiomics


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"profile": "mirp"}, r"profile must be one of \['ibsi', 'pyradiomics'\], got 'mirp'"),
        ({"profile": "pyradiomics", "families": ["stat"]}, r"unexpected key 'families'"),
        ({"pyradiomics": {"setting": {}}, "families": ["stat"]}, r"need profile: pyradiomics"),
        ({"profile": "pyradiomics", "pyradiomics": {"setting": {"binWidht": 3}}}, r"binWidht"),
    ],
)
def test_inconsistent_profiles_are_refused(data, message):
    with pytest.raises(SettingsError, match=message):
        settings_from_data(data)


def test_a_label_given_to_a_run_replaces_the_settings_label():
    from radcore.io.config import settings_with_label
    from radcore.settings import Settings, settings_hash

    settings = Settings()
    assert settings_with_label(settings, "") is settings
    assert settings_with_label(settings, "3").label == 3 and settings_with_label(settings, 2).label == 2
    assert settings_with_label(settings, "all").label == "all"
    assert settings_hash(settings_with_label(settings, "3")) != settings_hash(settings)
    with pytest.raises(ValueError):
        settings_with_label(settings, "three")
