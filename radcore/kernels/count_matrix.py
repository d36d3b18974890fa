"""Every feature of a stack of count matrices in one compiled pass (no NumPy temporaries).

``count_matrix_features(P float64 (k, n, m), i float64 (n,), j float64 (m,), eps) -> float64 (k, 17)``

``P[a]`` counts entries by grey level (rows, values ``i``) and a size-like value (columns, values ``j``): run
length (GLRLM), zone size (GLSZM), zone distance (GLDZM) or dependence count (NGLDM / PyRadiomics' GLDM).
Columns are the formulas of :data:`radcore.features.count_matrix.FORMULAS`, in that order, whose NumPy
versions are this kernel's reference; ``eps`` is added inside the entropy's logarithm (0 for the IBSI,
machine epsilon for PyRadiomics; entries with p = 0 add nothing either way). A matrix without entries gives
NaN in every column.
"""

from __future__ import annotations

import math

import numba
import numpy as np

N_FORMULAS = 17


@numba.njit(cache=True, nogil=True)
def _features(P, iv, jv, eps, out):
    k, n, m = P.shape
    pg = np.empty(n)
    pr = np.empty(m)
    for a in range(k):
        pg[:] = 0.0
        pr[:] = 0.0
        ns = 0.0
        for i in range(n):
            for j in range(m):
                v = P[a, i, j]
                pg[i] += v
                pr[j] += v
                ns += v
        if ns == 0:
            out[a, :] = np.nan
            continue
        small = 0.0
        large = 0.0
        value_nu = 0.0
        covered = 0.0
        for j in range(m):
            j2 = jv[j] * jv[j]
            small += pr[j] / j2
            large += pr[j] * j2
            value_nu += pr[j] * pr[j]
            covered += pr[j] * jv[j]
        grey_nu = 0.0
        low = 0.0
        high = 0.0
        for i in range(n):
            i2 = iv[i] * iv[i]
            grey_nu += pg[i] * pg[i]
            low += pg[i] / i2
            high += pg[i] * i2
        mu_i = 0.0
        mu_j = 0.0
        entropy = 0.0
        energy = 0.0
        small_low = 0.0
        small_high = 0.0
        large_low = 0.0
        large_high = 0.0
        for i in range(n):
            i2 = iv[i] * iv[i]
            for j in range(m):
                v = P[a, i, j]
                if v == 0.0:
                    continue
                p = v / ns
                mu_i += p * iv[i]
                mu_j += p * jv[j]
                entropy -= p * math.log2(p + eps)
                energy += p * p
                j2 = jv[j] * jv[j]
                small_low += v / (i2 * j2)
                small_high += v * i2 / j2
                large_low += v * j2 / i2
                large_high += v * i2 * j2
        var_i = 0.0
        var_j = 0.0
        for i in range(n):
            for j in range(m):
                p = P[a, i, j] / ns
                var_i += p * (iv[i] - mu_i) ** 2
                var_j += p * (jv[j] - mu_j) ** 2
        values = (small / ns, large / ns, grey_nu / ns, grey_nu / (ns * ns), value_nu / ns, value_nu / (ns * ns),
                  ns / covered, var_i, var_j, entropy, low / ns, high / ns, small_low / ns, small_high / ns,
                  large_low / ns, large_high / ns, energy)
        for f in range(N_FORMULAS):
            out[a, f] = values[f]


def count_matrix_features(P: np.ndarray, i: np.ndarray, j: np.ndarray, eps: float) -> np.ndarray:
    """float64 (k, 17): every count-matrix formula of each matrix of the stack ``P`` (k, n, m); see module doc."""
    P = np.ascontiguousarray(P, dtype=np.float64)
    if P.ndim != 3 or P.shape[1:] != (len(i), len(j)):
        raise ValueError(f"P must be (k, {len(i)}, {len(j)}) for {len(i)} grey levels and {len(j)} values, got {P.shape}")
    out = np.empty((P.shape[0], N_FORMULAS))
    _features(P, np.ascontiguousarray(i, dtype=np.float64), np.ascontiguousarray(j, dtype=np.float64),
              float(eps), out)
    return out
