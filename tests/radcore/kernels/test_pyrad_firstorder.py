"""The compiled first-order statistics against the registry's NumPy formulas (radcore.features.stat)."""

import warnings

import numpy as np
import pytest

from radcore.features import stat
from radcore.kernels.pyrad_firstorder import STAT_NAMES, firstorder_stats


def _reference(x: np.ndarray, shift: float) -> dict[str, float]:
    q10, q25, q50, q75, q90 = stat.percentiles(x, (10, 25, 50, 75, 90))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # the mean of no values is NaN
        rmad = stat.robust_mean_absolute_deviation(x)
    d = x - x.mean()
    return {
        "sum_sq": stat.energy(x + shift), "mean": stat.mean(x), "minimum": stat.minimum(x),
        "maximum": stat.maximum(x), "p10": q10, "p25": q25, "p50": q50, "p75": q75, "p90": q90,
        "mad": stat.mean_absolute_deviation(x), "rmad": rmad, "m2": stat.variance(x),
        "m3": float(np.mean(d**3)), "m4": float(np.mean(d**4)),
    }


@pytest.mark.parametrize("seed, n, ties", [(0, 1, False), (1, 2, False), (2, 3, True), (3, 10, False),
                                           (4, 1000, True), (5, 54321, False)])
def test_stats_equal_the_numpy_formulas(seed, n, ties):
    rng = np.random.default_rng(seed)
    x = rng.normal(40.0, 300.0, n)
    if ties:
        x = np.round(x / 25.0) * 25.0  # many equal values, some exactly on the percentiles
    x = x.astype(np.float32).astype(np.float64)  # PyRadiomics' float32 images
    got = dict(zip(STAT_NAMES, firstorder_stats(np.sort(x), 1000.0)))
    want = _reference(x, 1000.0)
    for name in STAT_NAMES:
        if name.startswith("p") or name in ("minimum", "maximum"):
            assert got[name] == want[name], name  # order statistics: exact
        elif np.isnan(want[name]):
            assert np.isnan(got[name]), name
        else:
            assert got[name] == pytest.approx(want[name], rel=1e-10, abs=1e-9 * max(1.0, abs(want["m2"]))), name


def test_robust_deviation_of_two_values_is_nan_as_in_numpy():
    got = dict(zip(STAT_NAMES, firstorder_stats(np.array([0.0, 10.0]), 0.0)))
    assert np.isnan(got["rmad"]) and got["p10"] == 1.0 and got["p90"] == 9.0
