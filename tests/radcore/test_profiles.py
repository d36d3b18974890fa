"""The profile a case goes through is the one its settings state, and nothing else picks it."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

import radcore
from radcore import pipeline as radcore_pipeline
from radcore.io.config import load_settings, settings_from_data
from radcore.profiles import IBSI, PYRADIOMICS, profile_of
from radcore.settings import ImageType, Settings
from tests.reference import CT_PHANTOM

ROOT = Path(__file__).resolve().parents[2]
PYRAD = ROOT / "tests" / "data" / "pyradiomics"


def test_profile_of_follows_the_settings():
    assert profile_of(Settings()) is IBSI
    assert profile_of(settings_from_data({"setting": {"binWidth": 25}})) is PYRADIOMICS
    assert PYRADIOMICS.source_box is not None and IBSI.source_box is None


def test_only_the_whole_interpolated_image_s_intensities_need_more_than_a_crop():
    interpolated = radcore.load_settings({"interpolation": {"spacing": [2.0, 2.0, 2.0]}})
    names = [k.feature for k in IBSI.whole_image_keys(interpolated)]
    assert names == ["mean_int_interp_img", "min_int_interp_img", "max_int_interp_img"]
    assert IBSI.whole_image_keys(Settings()) == []  # no interpolation: the ingest-time statistics serve
    assert IBSI.whole_image_keys(dataclasses.replace(interpolated, families=("stat",))) == []
    params = settings_from_data({"setting": {"resampledPixelSpacing": [1, 1, 1], "interpolator": "sitkBSpline"}})
    assert PYRADIOMICS.whole_image_keys(params) == [] and PYRADIOMICS.whole_image_values(None, params) == {}


def test_a_stated_profile_gives_the_params_file_values():
    params = {"setting": {"binWidth": 25}, "imageType": {"Original": {}}, "featureClass": {"glszm": None}}
    by_params = radcore.extract(*CT_PHANTOM, config=params, naming="pyradiomics")
    by_profile = radcore.extract(*CT_PHANTOM, config={"profile": "pyradiomics", "pyradiomics": params},
                                 naming="pyradiomics")
    assert by_params == by_profile
    assert "original_glszm_ZoneEntropy" in by_params


IBSI_CONFIGS = ["config_a", "config_c", "config_e"]


@pytest.mark.parametrize("config", IBSI_CONFIGS)
def test_ibsi_keys_come_from_the_registry(config):
    settings = load_settings(ROOT / "configs" / "ibsi1" / f"{config}.yaml")
    settings = dataclasses.replace(settings, image_types=(
        ImageType(), ImageType("log", (("sigma", (1.0, 2.5)),)), ImageType("wavelet", (("level", 2),)),
        ImageType("square"),
    ))
    computed = radcore_pipeline.extract_case(*CT_PHANTOM, settings)
    predicted = IBSI.feature_keys(settings)
    assert len(predicted) == len(set(predicted)) and set(predicted) == set(computed)


PARAMS = [
    {"setting": {"binWidth": 25}},
    {"setting": {"binWidth": 25, "force2D": True},
     "imageType": {"Original": {}, "Wavelet": {"level": 2}, "LoG": {"sigma": [1.0, 2]}, "Square": {},
                   "Gradient": {}, "LBP2D": {}},
     "featureClass": {"glcm": None, "firstorder": None}},
    {"setting": {"binWidth": 25}, "imageType": {"LBP3D": {"binWidth": 1}},
     "featureClass": {"gldm": ["DependencePercentage", "SmallDependenceEmphasis"], "shape": None}},
]


@pytest.mark.parametrize("params", PARAMS, ids=["defaults", "force2D-filters", "lbp3d-named-features"])
def test_pyradiomics_keys_come_from_the_classes(params):
    settings = settings_from_data(params)
    computed = radcore_pipeline.extract_case(str(PYRAD / "brain1_image.nrrd"), str(PYRAD / "brain1_label.nrrd"),
                                             settings)
    predicted = PYRADIOMICS.feature_keys(settings)
    assert len(predicted) == len(set(predicted)) and set(predicted) == set(computed)
