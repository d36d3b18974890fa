"""The compiled GLCM pass and PyRadiomics' MCC kernels against the NumPy formulas of radcore.features.glcm."""

from __future__ import annotations

import numpy as np
import pytest

from radcore.features import glcm as formulas
from radcore.kernels.glcm_formulas import N_FORMULAS, glcm_features, mcc_bound, mcc_matrix
from radcore.pyradiomics.features import EPS, glcm


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


@pytest.mark.parametrize("ibsi, eps", [(True, 0.0), (False, EPS)], ids=["ibsi", "pyradiomics"])
@pytest.mark.parametrize("levels, density", CASES)
def test_glcm_features_equal_numpy_formulas(levels, density, ibsi, eps):
    p = _glcms(1, 4, levels, density)
    got = glcm_features(p, levels, eps, ibsi)
    summary = formulas.GlcmSummary(p, levels, eps, ibsi)
    assert got.shape == (4, N_FORMULAS) == (4, len(formulas.FORMULAS))
    for column, formula in enumerate(formulas.FORMULAS):
        with np.errstate(invalid="ignore"):
            want = formula(summary)
        np.testing.assert_allclose(got[:, column], want, rtol=1e-10, atol=1e-12, err_msg=formula.__name__)


def _row(p, levels, ibsi):
    got = glcm_features(np.array(p), np.array(levels), 0.0 if ibsi else EPS, ibsi)[0]
    return {f.name: value for f, value in zip(formulas.FEATURES, got)}


def test_glcm_features_of_a_single_pair_type():
    row = _row([[[0.0, 0.0], [0.0, 1.0]]], [2.0, 5.0], ibsi=False)
    assert row["joint_avg"] == 5.0 and row["contrast"] == 0.0 and row["corr"] == 1.0
    assert row["joint_max"] == 1.0 and row["info_corr2"] == 0.0 and row["sum_avg"] == 10.0


def test_undefined_values_follow_the_convention():
    flat = [[[1.0]]]
    ibsi, pyradiomics = _row(flat, [3.0], ibsi=True), _row(flat, [3.0], ibsi=False)
    assert np.isnan(ibsi["corr"]) and np.isnan(ibsi["info_corr1"]) and ibsi["info_corr2"] == 0.0
    assert pyradiomics["corr"] == 1.0 and pyradiomics["info_corr1"] == 0.0 and pyradiomics["info_corr2"] == 0.0


def test_a_mismatched_matrix_is_refused():
    with pytest.raises(ValueError, match=r"p must be \(k, 3, 3\)"):
        glcm_features(np.zeros((1, 2, 2)), np.array([1.0, 2.0, 3.0]), 0.0, True)


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


@pytest.mark.parametrize("shape", [(1, 1, 1), (1, 4, 5), (6, 1, 3), (5, 6, 7)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int16])
def test_digitize_equals_numpy(shape, dtype):
    from radcore.kernels.matrices import digitize

    rng = np.random.default_rng(len(shape) + sum(shape))
    values = (rng.normal(0, 60, shape)).astype(dtype)
    mask = rng.random(shape) < 0.6
    mask.flat[-1] = True  # ROI touching the border
    edges = np.arange(-200.0, 225.0, 25.0)
    values.flat[0] = edges[3]  # a value on an edge goes up
    want = np.zeros(shape, np.int32)
    want[mask] = np.digitize(values[mask], edges)
    got, top = digitize(values, mask, edges)
    np.testing.assert_array_equal(got, want)
    assert top == want.max()


@pytest.mark.parametrize("shape, pad", [((1, 1, 1), 1), ((1, 3, 4), 2), ((4, 5, 3), 1)])
def test_layout_equals_numpy(shape, pad):
    from radcore.kernels.matrices import layout

    rng = np.random.default_rng(5)
    mask = rng.random(shape) < 0.7
    mask.flat[0] = True
    levels = np.where(mask, rng.choice([2, 5, 6, 9], shape), 0).astype(np.int32)
    values, ranks, roi, hist = layout(levels, mask, pad)
    padded = np.pad(levels, pad)
    np.testing.assert_array_equal(values, padded.ravel())
    present = np.unique(levels[mask])
    want_ranks = np.where(padded > 0, np.searchsorted(present, padded) + 1, 0)
    np.testing.assert_array_equal(ranks, want_ranks.ravel())
    np.testing.assert_array_equal(roi, np.flatnonzero(np.pad(mask, pad)))
    np.testing.assert_array_equal(hist, np.bincount(levels[mask], minlength=levels.max() + 1))


@pytest.mark.parametrize("shape, taps", [((1, 1), 2), ((3, 5), 6), ((4, 2), 6), ((2, 17), 12), ((1, 3), 20)])
def test_swt_lines_and_planes_equal_the_modulo_kernel(shape, taps):
    from radcore.kernels import pyrad_swt
    from tests.radcore.kernels import reference_swt as swt

    rng = np.random.default_rng(taps)
    x = rng.normal(0, 10, shape)
    lo, hi = rng.normal(size=taps), rng.normal(size=taps)
    want = np.empty(shape), np.empty(shape)
    got = np.empty(shape), np.empty(shape)
    swt.swt_rows(x, lo, hi, *want)
    pyrad_swt.swt_lines(x, lo, hi, False, *got)
    np.testing.assert_array_equal(got[0], want[0])
    np.testing.assert_array_equal(got[1], want[1])
    planes = np.ascontiguousarray(x.T)[None]  # the rows along the middle axis
    got = np.empty_like(planes), np.empty_like(planes)
    pyrad_swt.swt_planes(planes, lo, hi, False, *got)
    np.testing.assert_array_equal(got[0][0].T, want[0])
    np.testing.assert_array_equal(got[1][0].T, want[1])
