import numpy as np
import pytest

import radcore
from radcore.errors import SettingsError
from radcore.image_types import reach_mm, responses
from radcore.profiles.ibsi import filtered_settings
from radcore.roi import RoiImage
from radcore.settings import ImageType, from_mapping
from tests.reference import CT_PHANTOM


def _roi(image):
    mask = np.zeros(image.shape, bool)
    mask[2:-2, 2:-2, 2:-2] = True
    return RoiImage(image.astype(np.float64), mask, mask, (2.0, 1.0, 1.0))


def test_names_of_the_responses():
    roi = _roi(np.random.default_rng(0).normal(size=(12, 12, 12)))
    log = [n for n, _ in responses(roi, ImageType("log", (("sigma", (1.0, 2.5)),)))]
    assert log == ["log_sigma_1_0_mm", "log_sigma_2_5_mm"]
    wav = [n for n, _ in responses(roi, ImageType("wavelet", (("wavelet", "haar"),)))]
    assert wav == ["wavelet_llh", "wavelet_lhl", "wavelet_lhh", "wavelet_hll", "wavelet_hlh", "wavelet_hhl",
                   "wavelet_hhh", "wavelet_lll"]
    two = [n for n, _ in responses(roi, ImageType("wavelet", (("wavelet", "haar"), ("level", 2))))]
    assert "wavelet_hhh_level_1" in two and "wavelet_lll_level_2" in two


def test_constant_image_has_zero_edge_responses():
    roi = _roi(np.full((12, 12, 12), 50.0))
    ((_, log),) = responses(roi, ImageType("log", (("sigma", (1.0,)),)))
    ((_, grad),) = responses(roi, ImageType("gradient"))
    assert np.allclose(log[roi.int_mask], 0.0, atol=1e-4)
    assert np.allclose(grad[roi.int_mask], 0.0)


def test_pointwise_maps_rescale_by_the_roi_maximum():
    image = np.zeros((8, 8, 8))
    image[3, 3, 3] = 100.0
    roi = _roi(image)
    ((_, sq),) = responses(roi, ImageType("square"))
    assert sq[3, 3, 3] == pytest.approx(100.0)  # (x / sqrt(M))^2 with M = 100


def test_filter_reach_grows_with_scale():
    small = reach_mm(ImageType("log", (("sigma", (1.0,)),)), (1.0, 1.0, 1.0))
    large = reach_mm(ImageType("log", (("sigma", (3.0,)),)), (1.0, 1.0, 1.0))
    assert 0 < small < large
    assert reach_mm(ImageType("square"), (1.0, 1.0, 1.0)) == 0.0


def test_filtered_settings_keep_intensity_and_texture_families_with_bins_by_number():
    s = from_mapping({"discretisation": {"method": "fixed_bin_size", "bin_size": 25, "bin_number": 24}})
    f = filtered_settings(s)
    assert "morph" not in f.families and "diagnostics" not in f.families and "glcm" in f.families
    assert (f.discretisation.method, f.discretisation.bin_number) == ("fixed_bin_number", 24)


@pytest.mark.parametrize(
    "image_type, match",
    [
        ({"name": "lgo"}, "unknown image type 'lgo'"),
        ({"name": "log", "options": {"sigma": [1.0], "width": 2}}, "unknown option 'width'"),
        ({"name": "log", "options": {"sigma": [-1.0]}}, "positive"),
        ({"name": "wavelet", "options": {"wavelet": "bior9.9"}}, "not implemented"),
    ],
)
def test_bad_image_types_are_named(image_type, match):
    with pytest.raises(SettingsError, match=match):
        from_mapping({"image_types": [image_type]})


def test_ct_phantom_with_filters_end_to_end():
    config = {"families": ["morph", "stat", "glcm"],
              "interpolation": {"spacing": [2.0, 2.0, 2.0], "round_intensities": True},
              "resegmentation": {"range": [-1000, 400]},
              "discretisation": {"method": "fixed_bin_size", "bin_size": 25},
              "texture": {"matrix_aggregations": ["3D_comb"]},
              "image_types": [{"name": "original"}, {"name": "log", "options": {"sigma": [2.0]}}]}
    values = radcore.extract(*CT_PHANTOM, config=config)
    plain = radcore.extract(*CT_PHANTOM, config={**config, "image_types": [{"name": "original"}]})
    for key, value in plain.items():
        assert values[key] == pytest.approx(value, rel=1e-9, nan_ok=True), key
    assert "log_sigma_2_0_mm_stat_mean" in values and "log_sigma_2_0_mm_glcm_contrast_3d_comb" in values
    assert not any(k.startswith("log_") and "_morph_" in k for k in values)
    assert np.isfinite(values["log_sigma_2_0_mm_glcm_contrast_3d_comb"])
    ibsi = radcore.extract(*CT_PHANTOM, config=config, naming="ibsi")
    assert "log_sigma_2_0_mm_stat_mean" in ibsi and "log_sigma_2_0_mm_cm_contrast_3D_comb" in ibsi


def test_every_entry_names_a_filter_and_its_options():
    import dataclasses

    from radcore.filters import simple
    from radcore.image_types import IMAGE_TYPES, POINTWISE, Filter, filter_of, names_of
    from radcore.pyradiomics.settings import PyRadiomicsSetting

    for name, entry in IMAGE_TYPES.items():
        assert isinstance(filter_of(name, {}), Filter), name
    fields = {f.name for f in dataclasses.fields(PyRadiomicsSetting)}
    assert all(set(IMAGE_TYPES[name].options) <= fields for name in names_of("pyradiomics"))
    assert names_of("pyradiomics") == ["Original", "LoG", "Wavelet", "Square", "SquareRoot", "Logarithm",
                                       "Exponential", "Gradient", "LBP2D", "LBP3D"]
    assert all(callable(getattr(simple, name)) for name in POINTWISE)
    assert set(POINTWISE.values()) <= set(names_of("pyradiomics")) and set(POINTWISE) <= set(names_of("ibsi"))


def test_pyradiomics_names_are_not_radcore_image_types():
    with pytest.raises(SettingsError, match="unknown image type 'LoG'"):
        from_mapping({"image_types": [{"name": "LoG", "options": {"sigma": [1.0]}}]})
