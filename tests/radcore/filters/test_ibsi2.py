"""IBSI-2 image types: options checked when settings are built, response names, reach, several per run."""

import math

import numpy as np
import pytest

from radcore.errors import SettingsError
from radcore.image_types import reach_mm, responses
from radcore.roi import RoiImage
from radcore.settings import ImageType, from_mapping

TYPES = [
    ("mean", {"size": 5, "dimensions": "2D"}, "mean_5_2d"),
    ("laplacian_of_gaussian", {"sigma": 1.5}, "laplacian_of_gaussian_sigma_1_5_mm_3d"),
    ("laplacian_of_gaussian", {"sigma": 1.5, "truncation": 3.0, "dimensions": "2D"},
     "laplacian_of_gaussian_sigma_1_5_mm_truncation_3_0_2d"),
    ("laws", {"kernel": "L5E5E5", "rotation_invariance": True, "energy_delta": 7}, "laws_l5e5e5_invar_max_energy_7"),
    ("laws", {"kernel": "E3W5R5"}, "laws_e3w5r5"),
    ("gabor", {"sigma": 5.0, "gamma": 1.5, "wavelength": 2.0, "theta_step": 22.5, "planes": "all"},
     "gabor_sigma_5_0_mm_gamma_1_5_lambda_2_0_mm_theta_0_0_step_22_5_mean_all_planes"),
    ("gabor", {"sigma": 10.0, "gamma": 0.5, "wavelength": 4.0, "theta": 60.0},
     "gabor_sigma_10_0_mm_gamma_0_5_lambda_4_0_mm_theta_60_0"),
    ("separable_wavelet", {"wavelet": "db3", "subband": "LLH", "rotation_invariance": True},
     "wavelet_db3_llh_level_1_invar_mean"),
    ("separable_wavelet", {"wavelet": "haar", "subband": "HH", "level": 2}, "wavelet_haar_hh_level_2"),
    ("simoncelli", {"level": 2, "dimensions": "2D"}, "simoncelli_level_2_2d"),
]


def _roi(shape=(6, 20, 22)):
    image = np.random.default_rng(0).normal(100.0, 20.0, shape)
    mask = np.zeros(shape, bool)
    mask[2:-2, 5:-5, 5:-5] = True
    return RoiImage(image, mask, mask, (2.0, 1.0, 1.0))


def test_several_filters_per_run_each_named():
    settings = from_mapping({"image_types": [{"name": n, "options": o} for n, o, _ in TYPES]})
    roi = _roi()
    names = [name for t in settings.image_types for name, _ in responses(roi, t)]
    assert names == [expected for _, _, expected in TYPES]
    for t in settings.image_types:
        ((_, response),) = responses(roi, t)
        assert response.shape == roi.image.shape and response.dtype == np.float64
        assert np.isfinite(response).all()


@pytest.mark.parametrize("image_type, match", [
    ({"name": "mean"}, "option 'size' is required"),
    ({"name": "mean", "options": {"size": 4}}, "positive odd"),
    ({"name": "mean", "options": {"size": 5, "boundary": "reflect"}}, r"boundary: expected one of \['zero'"),
    ({"name": "mean", "options": {"size": 5, "dimensions": "2.5D"}}, "dimensions"),
    ({"name": "laplacian_of_gaussian", "options": {"sigma": -1.0}}, "sigma must be positive"),
    ({"name": "laplacian_of_gaussian", "options": {"sigma": "wide"}}, "expected a number"),
    ({"name": "laws", "options": {"kernel": "E5Q5"}}, "must chain"),
    ({"name": "laws", "options": {"kernel": "E5L5", "rotation_invariance": "yes"}}, "true or false"),
    ({"name": "laws", "options": {"kernel": "E5L5", "pooling": "median"}}, "pooling"),
    ({"name": "gabor", "options": {"sigma": 1.0, "gamma": 1.0, "wavelength": 2.0, "theta_step": 50}}, "divide 360"),
    ({"name": "gabor", "options": {"sigma": 1.0, "gamma": 1.0}}, "'wavelength' is required"),
    ({"name": "separable_wavelet", "options": {"wavelet": "bior1.3", "subband": "LLH"}}, "wavelet"),
    ({"name": "separable_wavelet", "options": {"wavelet": "db2", "subband": "LLHH"}}, "letters L or H"),
    ({"name": "simoncelli", "options": {"boundary": "mirror"}}, "unknown option 'boundary'"),
])
def test_bad_options_are_named(image_type, match):
    with pytest.raises(SettingsError, match=match):
        from_mapping({"image_types": [image_type]})


def test_reach():
    voxel = (1.0, 1.0, 1.0)
    assert reach_mm(ImageType("mean", (("size", 5),)), voxel) == 3.0
    assert reach_mm(ImageType("laplacian_of_gaussian", (("sigma", 1.5),)), voxel) == 7.0
    assert reach_mm(ImageType("laws", (("kernel", "L5E5E5"), ("energy_delta", 7))), voxel) == 10.0
    assert reach_mm(ImageType("separable_wavelet", (("wavelet", "db3"), ("subband", "HHH"), ("level", 2))),
                    voxel) == 10.0  # (3 + 6) voxels + 1
    gabor = ImageType("gabor", (("sigma", 5.0), ("gamma", 0.5), ("wavelength", 2.0)))
    assert reach_mm(gabor, voxel) == pytest.approx(2 * 8.5 * 5.0 / 0.5 + 1.0)
    assert reach_mm(ImageType("simoncelli"), voxel) == math.inf


@pytest.mark.parametrize("naming", ["native", "ibsi", "pyradiomics"])
def test_every_filter_is_named_in_every_convention(naming):
    from radcore.naming import FeatureKey, name_columns

    keys = {FeatureKey(expected, "stat", feature): 0.0 for _, _, expected in TYPES for feature in ("mean", "variance")}
    columns = name_columns(keys, naming)
    assert len(columns) == len(keys)
    assert all(c.replace("_", "").isalnum() for c in columns)
    # the filter first under every naming (IBSI-2 prefixes a filter's features)
    assert "laws_l5e5e5_invar_max_energy_7_stat_mean" in columns


def test_feature_keys_are_known_before_computing():
    """The cohort's columns come from the settings: every IBSI-2 map's name is known without filtering."""
    import radcore.pipeline
    from radcore.profiles import IBSI
    from tests.reference import CT_PHANTOM

    settings = from_mapping({"families": ["stat"], "resegmentation": {"range": [-1000, 400]},
                             "image_types": [{"name": "original"}] + [{"name": n, "options": o} for n, o, _ in TYPES
                                                                      if n not in ("gabor",)]})
    computed = radcore.pipeline.extract_case(*CT_PHANTOM, settings)
    predicted = IBSI.feature_keys(settings)
    assert len(predicted) == len(set(predicted)) and set(predicted) == set(computed)


@pytest.mark.parametrize("name", ["mean", "laplacian_of_gaussian", "laws", "gabor", "separable_wavelet", "simoncelli"])
def test_docstring_examples_run(name):
    import doctest
    import importlib

    module = importlib.import_module(f"radcore.filters.{name}")
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0
