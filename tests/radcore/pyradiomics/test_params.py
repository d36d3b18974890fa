"""PyRadiomics params files: every example parses; invalid ones fail naming the key."""

from pathlib import Path

import pytest

from radcore.errors import SettingsError
from radcore.pyradiomics.naming import CLASSES
from radcore.pyradiomics.params import parse_params
from radcore.io.config import load_settings as load
from radcore.settings import settings_hash

DATA = Path(__file__).resolve().parents[2] / "data" / "pyradiomics"
EXAMPLES = sorted(DATA.glob("*.yaml"))


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_every_example_params_file_parses(path):
    settings = load(path)
    params = settings.pyradiomics
    assert params is not None
    assert params.image_types[0].name == "Original"
    assert settings_hash(settings)  # hashable for provenance


def test_example_ct_values():
    params = load(DATA / "exampleCT.yaml").pyradiomics
    assert params.setting.resampledPixelSpacing == (1, 1, 1)
    assert params.setting.padDistance == 10
    assert params.setting.voxelArrayShift == 1000
    log = next(it for it in params.image_types if it.name == "LoG")
    assert params.image_type_setting(log).sigma == (1.0, 2.0, 3.0, 4.0, 5.0)
    classes = dict(params.feature_classes)
    assert classes["shape"] is None and classes["firstorder"] is None
    assert "SumAverage" not in classes["glcm"] and "Contrast" in classes["glcm"]


def test_defaults_and_pyradiomics_semantics():
    params = parse_params({"setting": {"binWidth": 10}})
    assert [it.name for it in params.image_types] == ["Original"]
    assert [c for c, _ in params.feature_classes] == list(CLASSES)
    assert params.setting.binWidth == 10 and params.setting.interpolator == "sitkBSpline"
    params = parse_params({"featureClass": {"glcm": [], "firstorder": ["Mean"]}, "imageType": {"LoG": {"sigma": [1, 2.5]}}})
    assert dict(params.feature_classes) == {"glcm": None, "firstorder": ("Mean",)}
    it = params.image_types[0]
    assert params.image_type_setting(it).sigma == (1, 2.5)  # ints stay ints: they name the image type
    assert params.setting.sigma == ()
    params = parse_params({"setting": {"interpolator": None, "resampledPixelSpacing": [2, 2, 2], "weightingNorm": None}})
    assert params.setting.interpolator is None


@pytest.mark.parametrize(
    "data, key",
    [
        ({"setting": {"binwidth": 25}}, "setting.binwidth"),
        ({"setting": {"binWidth": "25"}}, "setting.binWidth"),
        ({"setting": {"binWidth": 0}}, "setting.binWidth"),
        ({"setting": {"binCount": 2.5}}, "setting.binCount"),
        ({"setting": {"label": True}}, "setting.label"),
        ({"setting": {"force2D": "yes"}}, "setting.force2D"),
        ({"setting": {"force2Ddimension": 3}}, "setting.force2Ddimension"),
        ({"setting": {"minimumROIDimensions": 4}}, "setting.minimumROIDimensions"),
        ({"setting": {"interpolator": "cubic"}}, "setting.interpolator"),
        ({"setting": {"interpolator": 11}}, "setting.interpolator"),
        ({"setting": {"resegmentMode": "percent"}}, "setting.resegmentMode"),
        ({"setting": {"resegmentRange": [1, 2, 3]}}, "setting.resegmentRange"),
        ({"setting": {"resampledPixelSpacing": [1, "a", 1]}}, "setting.resampledPixelSpacing[1]"),
        ({"setting": {"distances": [0]}}, "setting.distances[0]"),
        ({"setting": {"weightingNorm": "cosine"}}, "setting.weightingNorm"),
        ({"setting": {"voxelArrayShift": 10.5}}, "setting.voxelArrayShift"),
        ({"setting": {"padDistance": None}}, "setting.padDistance"),
        ({"setting": []}, "setting"),
        ({"imageType": {"Wavelet": {"wavelet": "morlet"}}}, "imageType.Wavelet.wavelet"),
        ({"imageType": {"LoG": {"sigma": [0]}}}, "imageType.LoG.sigma[0]"),
        ({"imageType": {"LoG": {"sigmas": [1]}}}, "imageType.LoG.sigmas"),
        ({"imageType": {"Sobel": {}}}, "imageType.Sobel"),
        ({"imageType": {"Original": None}}, "imageType.Original"),
        ({"featureClass": {"glcmx": None}}, "featureClass.glcmx"),
        ({"featureClass": {"glcm": ["Contrastt"]}}, "featureClass.glcm"),
        ({"featureClass": {"glcm": "Contrast"}}, "featureClass.glcm"),
        ({"voxelSetting": {"kernelRadius": 0}}, "voxelSetting.kernelRadius"),
        ({"settings": {}}, "settings"),
    ],
)
def test_invalid_params_name_the_key(data, key):
    with pytest.raises(SettingsError, match=key.replace("[", r"\[").replace("]", r"\]").replace(".", r"\.")):
        parse_params(data)


def test_config_file_errors_name_the_key(tmp_path):
    path = tmp_path / "params.yaml"
    path.write_text("setting:\n  binWidht: 25\nimageType:\n  Original: {}\n")
    with pytest.raises(SettingsError, match=r"setting\.binWidht"):
        load(path)
