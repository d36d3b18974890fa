"""The one-pass intensity summary against its NumPy reference and ITK's statistics."""

import numpy as np
import pytest
import SimpleITK as sitk

from radcore.kernels.summary import summary, summary_reference


@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.uint16, np.int16, np.int32, np.float32, np.float64])
def test_summary_equals_its_reference(dtype):
    rng = np.random.default_rng(3)
    values = rng.normal(-300.0, 400.0, (9, 31, 17))
    if np.issubdtype(dtype, np.integer):
        info = np.iinfo(dtype)
        values = np.clip(values, info.min, info.max)
    values = values.astype(dtype)
    n, lo, hi, total, squares = summary(values)
    ref = summary_reference(values)
    assert (n, lo, hi) == ref[:3]
    assert total == pytest.approx(ref[3], rel=1e-12, abs=1e-9)
    assert squares == pytest.approx(ref[4], rel=1e-12)


def test_integer_sums_are_exact_and_give_itk_mean_and_sigma():
    values = np.random.default_rng(4).integers(-1024, 3071, (40, 64, 64)).astype(np.int16)
    n, lo, hi, total, squares = summary(values)
    exact = values.astype(np.int64)
    assert total == int(exact.sum()) and squares == int((exact * exact).sum())
    stats = sitk.StatisticsImageFilter()
    stats.Execute(sitk.GetImageFromArray(values))
    assert total / n == pytest.approx(stats.GetMean(), rel=1e-14)
    assert np.sqrt((squares - total * total / n) / (n - 1)) == pytest.approx(stats.GetSigma(), rel=1e-12)
    assert (lo, hi) == (stats.GetMinimum(), stats.GetMaximum())


@pytest.mark.parametrize("dtype", [np.int16, np.uint16, np.int8, np.uint8])
def test_integer_sums_stay_exact_at_the_type_limits(dtype):
    info = np.iinfo(dtype)
    values = np.resize(np.array([info.min, info.max, info.max, -1 if info.min < 0 else 7], dtype), 3 * (1 << 13) + 5)
    n, lo, hi, total, squares = summary(values)
    exact = values.astype(np.int64)
    assert (n, lo, hi) == (values.size, info.min, info.max)
    assert total == int(exact.sum()) and squares == int((exact * exact).sum())


def test_an_empty_image_has_no_summary():
    with pytest.raises(ValueError, match="empty"):
        summary(np.zeros((0, 3, 3), np.int16))
