"""The largest eigenvalue of a symmetric matrix by Lanczos iteration (for the GLCM's MCC).

``top_eigenvalue(a float64 (n, n) symmetric, start float64 (n,), max_steps, rtol) -> (theta, residual)``
    Lanczos with full reorthogonalisation from ``start``: after j steps the tridiagonal T_j (alpha on the
    diagonal, beta beside it) holds the Ritz values of a on the Krylov space K_j(a, start); ``theta`` is
    the largest, and ``residual`` = beta_j |s_j| (s the unit eigenvector of T_j for theta, s_j its last
    entry) is ||a y - theta y|| for its Ritz vector y. The iteration stops when residual <= rtol |theta|,
    when the Krylov space is invariant (beta_j <= 1e-12 times the largest alpha or beta so far; residual
    reported as 0) or after ``max_steps`` (at most n).

theta is a Rayleigh quotient, so theta <= lambda_max(a) always. It is not by itself a proof that no
larger eigenvalue exists (the start vector could miss its eigenvector); the caller certifies
lambda_max <= theta + delta with a Cholesky factorisation of (theta + delta) I - a.
"""

from __future__ import annotations

import math

import numba
import numpy as np


@numba.njit(cache=True, nogil=True)
def _tridiagonal_top(alpha, beta, j):
    """(largest eigenvalue, |last entry of its unit eigenvector|) of the j x j tridiagonal matrix."""
    t = np.zeros((j, j))
    for i in range(j):
        t[i, i] = alpha[i]
        if i + 1 < j:
            t[i, i + 1] = beta[i]
            t[i + 1, i] = beta[i]
    w, v = np.linalg.eigh(t)
    return w[j - 1], abs(v[j - 1, j - 1])


@numba.njit(cache=True, nogil=True)
def top_eigenvalue(a, start, max_steps, rtol):
    n = a.shape[0]
    steps = min(max_steps, n)
    basis = np.zeros((steps + 1, n))
    alpha = np.zeros(steps)
    beta = np.zeros(steps)
    norm = math.sqrt(np.dot(start, start))
    if norm == 0.0:
        return 0.0, math.inf
    basis[0] = start / norm
    theta = 0.0
    residual = math.inf
    scale = 0.0  # the largest |alpha|, beta so far: a lower bound of ||a||
    for j in range(steps):
        w = np.dot(a, basis[j])
        alpha[j] = np.dot(w, basis[j])
        done = basis[: j + 1]
        for _ in range(2):  # full reorthogonalisation (classical Gram-Schmidt, twice)
            w -= np.dot(np.dot(done, w), done)
        beta[j] = math.sqrt(np.dot(w, w))
        scale = max(scale, abs(alpha[j]), beta[j - 1] if j > 0 else 0.0)
        invariant = beta[j] <= 1e-12 * scale
        last = j == steps - 1 or invariant
        if last or (j >= 7 and j % 4 == 3):
            theta, s_last = _tridiagonal_top(alpha, beta, j + 1)
            residual = beta[j] * s_last
            if invariant:
                residual = 0.0
            if last or residual <= rtol * abs(theta):
                return theta, residual
        basis[j + 1] = w / beta[j]
    return theta, residual
