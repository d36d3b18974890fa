"""Response maps of a whole image."""

import numpy as np
import pytest

from radcore.errors import SettingsError
from radcore.io.images import Volume
from radcore.response_maps import response_maps
from radcore.io.config import load_settings as load
from radcore.settings import from_mapping


def _volume():
    array = np.random.default_rng(0).normal(size=(6, 8, 10)) * 10
    return Volume(array, (2.0, 1.0, 1.0), (1.0, 2.0, 3.0))


def test_maps_keep_the_geometry_and_original_is_the_rounded_image():
    settings = from_mapping({"interpolation": {"spacing": None, "round_intensities": True},
                             "image_types": [{"name": "original"}, {"name": "mean", "options": {"size": 3}}]})
    maps = response_maps(_volume(), settings)
    assert list(maps) == ["original", "mean_3_3d"]
    assert maps["original"].array == pytest.approx(np.round(_volume().array))
    assert maps["mean_3_3d"].origin == (1.0, 2.0, 3.0) and maps["mean_3_3d"].spacing == (2.0, 1.0, 1.0)


def test_same_names_and_pyradiomics_params_are_refused():
    twice = from_mapping({"image_types": [{"name": "mean", "options": {"size": 3}},
                                          {"name": "mean", "options": {"size": 3, "boundary": "zero"}}]})
    with pytest.raises(SettingsError, match="two image types give the map 'mean_3_3d'"):
        response_maps(_volume(), twice)
    params = load({"setting": {"binWidth": 25}, "imageType": {"Original": {}}})
    with pytest.raises(SettingsError, match="PyRadiomics params"):
        response_maps(_volume(), params)
