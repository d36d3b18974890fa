"""Lanczos' largest eigenvalue, and the certified lambda_2 the GLCM's MCC takes from it for many levels."""

import numpy as np
import pytest

from radcore.kernels.glcm_formulas import mcc_matrix
from radcore.kernels.pyrad_lanczos import top_eigenvalue
from radcore.pyradiomics.features import EPS, glcm


def _symmetric(seed: int, n: int) -> np.ndarray:
    a = np.random.default_rng(seed).normal(size=(n, n))
    return a @ a.T / n


@pytest.mark.parametrize("n", [1, 2, 5, 40, 150])
def test_top_eigenvalue_matches_the_full_eigensolver(n):
    a = _symmetric(n, n)
    start = np.cos(np.arange(1, n + 1) * 1.3)
    theta, residual = top_eigenvalue(a, start, 96, 1e-12)
    top = np.linalg.eigvalsh(a)[-1]
    assert theta <= top * (1 + 1e-12)  # a Rayleigh quotient never exceeds lambda_max
    assert residual <= 1e-11 * top
    assert theta == pytest.approx(top, rel=1e-12)


def test_a_start_blind_to_the_top_eigenvector_misses_it():
    """Why the certificate is needed: Lanczos only sees the Krylov space of its start vector."""
    a = np.diag([5.0, 1.0, 2.0, 3.0])
    theta, residual = top_eigenvalue(a, np.array([0.0, 1.0, 1.0, 1.0]), 96, 1e-12)
    assert theta == pytest.approx(3.0) and residual == 0.0


def _glcms(seed: int, k: int, n: int, density: float) -> np.ndarray:
    rng = np.random.default_rng(seed)
    # mass near the diagonal, as in images, plus sparse far pairs and a few rare levels
    i, j = np.indices((n, n))
    counts = rng.poisson(200.0 * np.exp(-np.abs(i - j) / 3.0), (k, n, n)) * (rng.random((k, n, n)) < density)
    counts[:, 0, 0] += 1
    counts = counts + np.transpose(counts, (0, 2, 1))
    return counts / counts.sum(axis=(1, 2), keepdims=True)


@pytest.mark.parametrize("n, density", [(48, 0.9), (80, 0.5), (150, 0.3)])
def test_mcc_of_many_levels_equals_the_eigenvalue_definition(n, density):
    p = _glcms(n, 4, n, density)
    want = np.array([np.sqrt(np.sort(np.linalg.eigvals(m).real)[-2]) for m in mcc_matrix(p, EPS)])
    got = glcm.mcc_values(p)
    np.testing.assert_allclose(got, want, rtol=2e-5)


def test_certified_lambda2_falls_back_when_lanczos_misses_the_top():
    """m = r r^T + sum_i l_i u_i u_i^T with u_i orthogonal to r, and the top u_1 orthogonal to the fixed
    Lanczos start as well: Lanczos returns a smaller value, the Cholesky certificate fails, and the full
    eigensolver gives the true lambda_2."""
    n = 60
    rng = np.random.default_rng(5)
    r = np.abs(rng.normal(size=n))
    r /= np.linalg.norm(r)
    start = np.cos(np.arange(1, n + 1) * 1.3)
    basis = np.linalg.qr(np.column_stack([r, start, rng.normal(size=(n, n - 2))]))[0]
    r, s, rest = basis[:, 0] * np.sign(basis[0, 0]), basis[:, 1], basis[:, 2:]
    # u_1 is orthogonal to r and to start: take a column of rest
    eig = np.linspace(0.1, 0.5, n - 2)
    eig[0] = 0.9
    m = np.outer(r, r) + (rest * eig) @ rest.T + 0.3 * np.outer(s, s)
    assert np.linalg.eigvalsh(m)[-2] == pytest.approx(0.9)
    theta, _ = top_eigenvalue(m - np.outer(r, r), start, 96, 1e-12)
    assert theta < 0.89  # Lanczos alone is wrong here
    assert glcm._lambda2_certified(m, r) == pytest.approx(0.9, rel=1e-12)
