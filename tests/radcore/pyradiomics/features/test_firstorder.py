import numpy as np
import pytest

from radcore.errors import SettingsError
from radcore.pyradiomics.features import feature_class, firstorder
from radcore.pyradiomics.inputs import ClassInputs
from radcore.pyradiomics.settings import PyRadiomicsSetting


def inputs(values, levels=None):
    image = np.asarray(values, dtype=np.float64).reshape(1, 1, -1)
    mask = np.ones(image.shape, bool)
    lv = np.asarray(levels if levels is not None else np.ones(image.size), np.int32).reshape(image.shape)
    return ClassInputs(image, mask, mask, lv, int(lv.max()), (2.0, 1.0, 1.0))


def test_hand_computed_values():
    out = firstorder.compute(inputs([1, 2, 3, 4], [1, 1, 2, 2]), PyRadiomicsSetting(voxelArrayShift=1), None)
    assert out["Energy"] == 4 + 9 + 16 + 25
    assert out["TotalEnergy"] == 2 * 54
    assert out["RootMeanSquared"] == pytest.approx(np.sqrt(54 / 4))
    assert out["Entropy"] == pytest.approx(1.0)
    assert out["Uniformity"] == 0.5
    assert out["Kurtosis"] == pytest.approx(np.mean((np.arange(1, 5) - 2.5) ** 4) / 1.25**2)  # not excess
    assert "StandardDeviation" not in out


def test_flat_region_and_optional_feature():
    out = firstorder.compute(inputs([5, 5, 5]), PyRadiomicsSetting(), ("Skewness", "StandardDeviation"))
    assert out == {"Skewness": 0.0, "StandardDeviation": 0.0}


def test_unknown_feature_is_named():
    with pytest.raises(SettingsError, match="NoSuchFeature"):
        firstorder.compute(inputs([1, 2]), PyRadiomicsSetting(), ("NoSuchFeature",))
    with pytest.raises(SettingsError, match="glcmx"):
        feature_class("glcmx")


@pytest.mark.parametrize("seed", range(6))
def test_percentiles_equal_numpy_bit_for_bit(seed):
    rng = np.random.default_rng(seed)
    for n in (1, 2, 3, 7, 10, 11, 101, int(rng.integers(200, 5000))):
        x = rng.normal(0, 300, n)
        if seed % 2:
            x = np.round(x / 10)  # ties
        qs = (0, 10, 25, 50, 75, 90, 100)
        np.testing.assert_array_equal(firstorder.percentiles(x, qs), np.percentile(x, qs))


@pytest.mark.parametrize("seed", range(3))
def test_compute_equals_the_reference_formulas(seed):
    """The compiled pass behind compute() against the plain formulas of the module, feature by feature."""
    rng = np.random.default_rng(seed)
    x = np.round(rng.normal(30, 200, 2000), 1)
    levels = (np.floor((x - x.min()) / 25) + 1).astype(np.int32)
    shift = 1000.0
    out = firstorder.compute(inputs(x, levels), PyRadiomicsSetting(voxelArrayShift=shift), None)
    p = np.bincount(levels)[1:] / x.size
    p = p[p > 0]
    q10, q25, q50, q75, q90 = firstorder.percentiles(x, (10, 25, 50, 75, 90))
    want = {
        "Energy": firstorder.energy(x, shift), "TotalEnergy": firstorder.total_energy(x, shift, 2.0),
        "Entropy": firstorder.entropy(p), "Minimum": x.min(), "10Percentile": q10, "90Percentile": q90,
        "Maximum": x.max(), "Mean": x.mean(), "Median": q50, "InterquartileRange": q75 - q25,
        "Range": x.max() - x.min(), "MeanAbsoluteDeviation": firstorder.mean_absolute_deviation(x),
        "RobustMeanAbsoluteDeviation": firstorder.robust_mean_absolute_deviation(x),
        "RootMeanSquared": firstorder.root_mean_squared(x, shift), "Skewness": firstorder.skewness(x),
        "Kurtosis": firstorder.kurtosis(x), "Variance": firstorder.central_moments(x)[0],
        "Uniformity": firstorder.uniformity(p),
    }
    assert set(out) == set(want)
    for name, value in want.items():
        assert out[name] == pytest.approx(value, rel=1e-11, abs=1e-12), name
