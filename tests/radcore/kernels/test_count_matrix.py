"""The compiled count-matrix pass against the NumPy formulas of radcore.features.count_matrix."""

from __future__ import annotations

import numpy as np
import pytest

from radcore.features import count_matrix as cm
from radcore.kernels.count_matrix import N_FORMULAS, count_matrix_features

EPS = float(np.spacing(1))


@pytest.mark.parametrize("eps", [0.0, EPS])
@pytest.mark.parametrize("shape", [(1, 1, 1), (2, 1, 5), (3, 4, 7), (1, 6, 1)])
def test_kernel_equals_numpy_formulas(shape, eps):
    rng = np.random.default_rng(sum(shape))
    P = rng.integers(0, 9, shape).astype(np.float64) * (rng.random(shape) < 0.7)
    P[:, 0, 0] += 1
    i = np.sort(rng.choice(np.arange(1, 40), shape[1], replace=False)).astype(np.float64)
    j = np.sort(rng.choice(np.arange(1, 40), shape[2], replace=False)).astype(np.float64)
    got = count_matrix_features(P, i, j, eps)
    c = cm.CountMatrices(P, i, j)
    assert got.shape == (shape[0], N_FORMULAS) == (shape[0], len(cm.FORMULAS))
    for column, formula in enumerate(cm.FORMULAS):
        want = formula(c, eps) if formula is cm.entropy else formula(c)
        np.testing.assert_allclose(got[:, column], want, rtol=1e-11, err_msg=formula.__name__)


def test_an_empty_matrix_gives_nan():
    assert np.isnan(count_matrix_features(np.zeros((1, 2, 3)), np.array([1.0, 2.0]), np.array([1.0, 2.0, 3.0]), 0.0)).all()


def test_shape_mismatch_is_refused():
    with pytest.raises(ValueError, match=r"P must be \(k, 2, 3\)"):
        count_matrix_features(np.zeros((1, 3, 2)), np.array([1.0, 2.0]), np.array([1.0, 2.0, 3.0]), 0.0)
