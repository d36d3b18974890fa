import pytest

from radcore.cohort.margin import UNKNOWN_FILTER_VOXELS, required_margin_mm
from radcore.preprocess import PEAK_RADIUS_MM
from radcore.settings import ImageType, InterpolationSettings, Settings


def test_margin_grows_with_interpolation_and_filters():
    assert required_margin_mm(Settings()) == pytest.approx(PEAK_RADIUS_MM)
    interp = Settings(interpolation=InterpolationSettings(spacing=(2.0, 2.0, 2.0)))
    assert required_margin_mm(interp, (3.0, 1.0, 1.0)) == pytest.approx(PEAK_RADIUS_MM + 6.0)
    log = Settings(image_types=(ImageType(), ImageType("log", (("sigma", (1.0, 3.0)),))))
    assert required_margin_mm(log, (1.0, 1.0, 1.0)) == pytest.approx(PEAK_RADIUS_MM + 12.0 + 1.0)
    square = Settings(image_types=(ImageType("square"),))
    assert required_margin_mm(square, (1.0, 1.0, 1.0)) == pytest.approx(PEAK_RADIUS_MM)
    odd = Settings(image_types=(ImageType("some_new_filter"),))
    assert required_margin_mm(odd, (2.0, 1.0, 1.0)) == pytest.approx(PEAK_RADIUS_MM + 2.0 * UNKNOWN_FILTER_VOXELS)


def test_wavelet_reach():
    wav = Settings(image_types=(ImageType("wavelet", (("wavelet", "haar"), ("level", 2))),))
    assert required_margin_mm(wav, (1.0, 1.0, 1.0)) == pytest.approx(PEAK_RADIUS_MM + 1 * 3 + 1)
