"""The compiled PyRadiomics formula passes against the NumPy formulas of the feature modules."""

from __future__ import annotations

import numpy as np
import pytest

from radcore.kernels.pyrad_formulas import GLCM_NAMES, RUN_NAMES, glcm_features, mcc_bound, mcc_matrix, run_features
from radcore.pyradiomics.features import EPS, glcm, glrlm


def _glcms(seed: int, k: int, levels: np.ndarray, density: float) -> np.ndarray:
    rng = np.random.default_rng(seed)
    counts = rng.integers(0, 20, (k, levels.size, levels.size)) * (rng.random((k, levels.size, levels.size)) < density)
    counts[:, 0, 0] += 1  # no empty matrix
    counts = counts + np.transpose(counts, (0, 2, 1))
    return counts / counts.sum(axis=(1, 2), keepdims=True)


CASES = [
    (np.array([1.0]), 1.0),  # flat region: one level
    (np.array([2.0, 3.0]), 1.0),
    (np.array([1.0, 4.0, 5.0, 9.0]), 0.5),
    (np.arange(1.0, 31.0), 0.2),
    (np.array([3.0, 7.0, 8.0, 20.0, 21.0, 40.0]), 0.6),
]


@pytest.mark.parametrize("levels, density", CASES)
def test_glcm_features_equal_numpy_formulas(levels, density):
    p = _glcms(1, 4, levels, density)
    got = glcm_features(p, levels, EPS)
    g = glcm._Glcm(p, levels)
    for column, name in enumerate(GLCM_NAMES):
        with np.errstate(invalid="ignore"):
            want = glcm.FORMULAS[name](g)
        np.testing.assert_allclose(got[:, column], want, rtol=1e-10, atol=1e-12, err_msg=name)


def test_glcm_features_of_a_single_pair_type():
    got = glcm_features(np.array([[[0.0, 0.0], [0.0, 1.0]]]), np.array([2.0, 5.0]), EPS)[0]
    row = dict(zip(GLCM_NAMES, got))
    assert row["JointAverage"] == 5.0 and row["Contrast"] == 0.0 and row["Correlation"] == 1.0
    assert row["MaximumProbability"] == 1.0 and row["Imc2"] == 0.0 and row["SumAverage"] == 10.0


@pytest.mark.parametrize("levels, density", CASES[1:])
def test_mcc_matrix_and_bound_equal_numpy(levels, density):
    p = _glcms(2, 3, levels, density)
    px, py = p.sum(axis=2), p.sum(axis=1)
    want_q = np.einsum("aik,ajk->aij", p / (px[:, :, None] * py[:, None, :] + EPS), p)
    np.testing.assert_allclose(mcc_matrix(p, EPS), want_q, rtol=1e-12, atol=1e-300)
    outer = px[:, :, None] * py[:, None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        dw = np.where(outer > 0, -EPS / (outer * (outer + EPS)), 0.0)
        scale = np.where(px[:, None, :] > 0, np.sqrt(px)[:, :, None] / np.sqrt(px)[:, None, :], 0.0)
    want_err = np.sqrt(np.sum((np.einsum("aik,ajk->aij", p * dw, p) * scale) ** 2, axis=(1, 2)))
    np.testing.assert_allclose(mcc_bound(p, EPS), want_err, rtol=1e-9, atol=1e-300)


@pytest.mark.parametrize("levels, density", CASES[1:])
def test_mcc_equals_the_eigenvalue_definition(levels, density):
    p = _glcms(3, 5, levels, density)
    q = mcc_matrix(p, EPS)
    want = np.array([np.sqrt(np.sort(np.linalg.eigvals(m))[-2]).real for m in q])
    np.testing.assert_allclose(glcm.mcc_values(p), want, rtol=2e-5)


@pytest.mark.parametrize("shape", [(1, 1, 1), (2, 1, 5), (3, 4, 7), (1, 6, 1)])
def test_run_features_equal_numpy_formulas(shape):
    rng = np.random.default_rng(sum(shape))
    P = rng.integers(0, 9, shape).astype(np.float64) * (rng.random(shape) < 0.7)
    P[:, 0, 0] += 1
    i = np.sort(rng.choice(np.arange(1, 40), shape[1], replace=False)).astype(np.float64)
    j = np.sort(rng.choice(np.arange(1, 40), shape[2], replace=False)).astype(np.float64)
    got = run_features(P, i, j, EPS)
    g = glrlm.RunStats(P, i, j)
    for column, name in enumerate(RUN_NAMES):
        np.testing.assert_allclose(got[:, column], glrlm.FORMULAS[name](g), rtol=1e-11, err_msg=name)


def test_run_features_of_an_empty_matrix_are_nan():
    assert np.isnan(run_features(np.zeros((1, 2, 3)), np.array([1.0, 2.0]), np.array([1.0, 2.0, 3.0]), EPS)).all()
