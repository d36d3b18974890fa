"""The compiled IBSI statistics and intensity histogram formulas against the registry's NumPy formulas
(:mod:`radcore.features.stat`, :mod:`radcore.features.ih`)."""

import warnings

import numpy as np
import pytest

from radcore.features import ih, stat
from radcore.kernels.stat_formulas import ih_features, stat_features


def _close(got, want):
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12, equal_nan=True)


@pytest.mark.parametrize("n", [1, 2, 3, 10, 27, 500])
def test_stat_features_equal_the_numpy_formulas(n):
    x = np.random.default_rng(n).normal(40.0, 300.0, n)
    x = np.round(x / 25.0) * 25.0 if n % 3 == 0 else x  # some with ties (on the percentiles)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # the robust deviation of no values is NaN
        want = [f.function(np.sort(x)) for f in stat.FEATURES]
    _close(stat_features(np.sort(x)), want)


@pytest.mark.parametrize("counts", [[5.0], [0, 3, 0, 0], [2, 0, 2, 1], [1, 4, 4, 0, 2, 7, 7, 1], [0, 0, 9, 9, 0, 1],
                                    [3, 0, 0, 0, 0, 3]])
def test_ih_features_equal_the_numpy_formulas(counts):
    counts = np.asarray(counts, dtype=np.float64)
    levels = np.repeat(np.arange(1, counts.size + 1), counts.astype(int))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        want = [f.function(ih.histogram(levels, counts.size)) for f in ih.FEATURES]
    _close(ih_features(counts), want)
