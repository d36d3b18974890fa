import numpy as np
import pytest

from radcore.errors import SettingsError
from radcore.features import ih, stat
from radcore.features.registry import family
from radcore.pyradiomics.features import EPS, feature_class, firstorder
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


@pytest.mark.parametrize("seed", range(3))
def test_compute_equals_the_reference_formulas(seed):
    """The compiled pass behind compute() against the registry's NumPy formulas under PyRadiomics'
    conventions (shifted energy and root mean square, kurtosis not in excess, eps in the entropy)."""
    rng = np.random.default_rng(seed)
    x = np.round(rng.normal(30, 200, 2000), 1)
    levels = (np.floor((x - x.min()) / 25) + 1).astype(np.int32)
    shift = 1000.0
    out = firstorder.compute(inputs(x, levels), PyRadiomicsSetting(voxelArrayShift=shift), None)
    h = ih.histogram(levels, int(levels.max()))
    q25, q75 = stat.percentiles(x, (25, 75))
    want = {
        "Energy": stat.energy(x + shift), "TotalEnergy": 2.0 * stat.energy(x + shift),
        "Entropy": ih.entropy(h, EPS), "Minimum": stat.minimum(x), "10Percentile": stat.p10(x),
        "90Percentile": stat.p90(x), "Maximum": stat.maximum(x), "Mean": stat.mean(x), "Median": stat.median(x),
        "InterquartileRange": q75 - q25, "Range": stat.value_range(x),
        "MeanAbsoluteDeviation": stat.mean_absolute_deviation(x),
        "RobustMeanAbsoluteDeviation": stat.robust_mean_absolute_deviation(x),
        "RootMeanSquared": stat.root_mean_square(x + shift), "Skewness": stat.skewness(x),
        "Kurtosis": stat.kurtosis(x) + 3.0, "Variance": stat.variance(x), "Uniformity": ih.uniformity(h),
    }
    assert set(out) == set(want)
    for name, value in want.items():
        assert out[name] == pytest.approx(value, rel=1e-11, abs=1e-12), name


def test_the_shared_formulas_are_the_registry_records():
    named = {f.pyradiomics for name in ("stat", "ih") for f in family(name).features if f.pyradiomics}
    assert named == {"Mean", "Variance", "Skewness", "Median", "Minimum", "10Percentile", "90Percentile", "Maximum",
                     "InterquartileRange", "Range", "MeanAbsoluteDeviation", "RobustMeanAbsoluteDeviation",
                     "Entropy", "Uniformity"}
    assert named <= set(firstorder.FEATURES)
