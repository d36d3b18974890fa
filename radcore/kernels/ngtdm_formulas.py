"""The five NGTDM formulas of one neighbourhood grey tone difference matrix in one compiled pass.

``ngtdm_features(n float64 (g,), s float64 (g,), levels float64 (g,)) -> float64 (5,)``
    Coarseness, Contrast, Busyness, Complexity, Strength (the order of
    :data:`radcore.features.ngtdm.FEATURES`) of the matrix whose level ``levels[k]`` has ``n[k]`` voxels
    and the sum ``s[k]`` of |i - A|; levels with n = 0 are left out (N_gp counts the others). The NumPy
    functions of :mod:`radcore.features.ngtdm` (class :class:`~radcore.features.ngtdm.Ngtdm`) are the
    reference, with their values where a formula is undefined: Coarseness 10^6 when sum p s = 0, Contrast
    0 for N_gp <= 1, Busyness 0 when its denominator is 0, Complexity 0 when N_vc = 0, Strength 0 when
    sum s = 0. Voxel maps evaluate one matrix per voxel with it.
"""

from __future__ import annotations

import numba
import numpy as np

#: Coarseness when sum_i p_i s_i = 0 (:data:`radcore.features.ngtdm.MAX_COARSENESS`)
MAX_COARSENESS = 1.0e6
N_FORMULAS = 5


@numba.njit(cache=True, nogil=True)
def _ngtdm_one(n, s, levels, out):
    g = n.shape[0]
    n_valid = 0.0
    ngp = 0
    for k in range(g):
        if n[k] > 0:
            n_valid += n[k]
            ngp += 1
    ps = 0.0
    s_total = 0.0
    for k in range(g):
        if n[k] > 0:
            ps += n[k] / n_valid * s[k]
            s_total += s[k]
    contrast = 0.0
    busy_den = 0.0
    complexity = 0.0
    strength = 0.0
    for a in range(g):
        if n[a] <= 0:
            continue
        pa = n[a] / n_valid
        for b in range(g):
            if n[b] <= 0:
                continue
            pb = n[b] / n_valid
            d = levels[a] - levels[b]
            contrast += pa * pb * d * d
            busy_den += abs(levels[a] * pa - levels[b] * pb)
            complexity += abs(d) * (pa * s[a] + pb * s[b]) / (pa + pb)
            strength += (pa + pb) * d * d
    out[0] = MAX_COARSENESS if ps == 0 else 1.0 / ps
    out[1] = 0.0 if ngp <= 1 else contrast / (ngp * (ngp - 1)) * s_total / n_valid
    out[2] = 0.0 if busy_den == 0 else ps / busy_den
    out[3] = 0.0 if n_valid == 0 else complexity / n_valid
    out[4] = 0.0 if s_total == 0 else strength / s_total


def ngtdm_features(n: np.ndarray, s: np.ndarray, levels: np.ndarray) -> np.ndarray:
    """float64 (5,): the NGTDM formulas of one matrix; see module doc."""
    out = np.empty(N_FORMULAS)
    _ngtdm_one(np.ascontiguousarray(n, dtype=np.float64), np.ascontiguousarray(s, dtype=np.float64),
               np.ascontiguousarray(levels, dtype=np.float64), out)
    return out
