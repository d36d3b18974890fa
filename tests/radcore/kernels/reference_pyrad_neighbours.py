"""Test reference: neighbourhood counts over an explicit offset list (PyRadiomics' GLDM and NGTDM).

A direct per-voxel loop over the offsets, against which the production pass
:func:`radcore.kernels.matrices.neighbourhood` is tested. PyRadiomics' neighbourhood of a voxel is the
set of offsets whose infinity norm is one of ``distances`` (both directions).

``neighbourhood_counts(levels, n_levels, offsets, alpha) -> (dependence, n, s)``
    For every ROI voxel v (level i = levels[v] > 0) its neighbours are the ROI voxels v + o, o in
    ``offsets`` (int64 (k, 3) (dz, dy, dx)). ``dependence`` float64 (n_levels, k + 1):
    ``dependence[i - 1, d]`` counts the voxels of level i with d neighbours m where |X_m - i| <= alpha.
    ``n`` float64 (n_levels,): voxels per level. ``s`` float64 (n_levels,): sum over the voxels of level i
    of |i - mean level of its neighbours| (0 for a voxel without neighbours, which still counts in n).
"""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True, nogil=True)
def _neighbourhood_counts(levels, offsets, alpha, dependence, n, s):
    nz, ny, nx = levels.shape
    for z in range(nz):
        for y in range(ny):
            for x in range(nx):
                g = levels[z, y, x]
                if g <= 0:
                    continue
                count = 0
                total = 0.0
                dep = 0
                for k in range(offsets.shape[0]):
                    zz = z + offsets[k, 0]
                    yy = y + offsets[k, 1]
                    xx = x + offsets[k, 2]
                    if zz < 0 or zz >= nz or yy < 0 or yy >= ny or xx < 0 or xx >= nx:
                        continue
                    h = levels[zz, yy, xx]
                    if h <= 0:
                        continue
                    count += 1
                    total += h
                    if abs(g - h) <= alpha:
                        dep += 1
                dependence[g - 1, dep] += 1.0
                n[g - 1] += 1.0
                if count > 0:
                    s[g - 1] += abs(g - total / count)


def neighbourhood_counts(
    levels: np.ndarray, n_levels: int, offsets: np.ndarray, alpha: float = 0.0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(dependence (n_levels, k + 1), n (n_levels,), s (n_levels,)) float64; see module doc."""
    levels = np.asarray(levels)
    if levels.ndim != 3 or not np.issubdtype(levels.dtype, np.integer):
        raise ValueError(f"levels must be a 3D integer array, got {levels.dtype} {levels.shape}")
    offsets = np.asarray(offsets)
    if offsets.ndim != 2 or offsets.shape[1] != 3:
        raise ValueError(f"offsets must have shape (k, 3), got {offsets.shape}")
    if levels.size and levels.max() > n_levels:
        raise ValueError(f"levels hold grey level {levels.max()} above n_levels = {n_levels}")
    dependence = np.zeros((n_levels, offsets.shape[0] + 1), np.float64)
    n = np.zeros(n_levels, np.float64)
    s = np.zeros(n_levels, np.float64)
    _neighbourhood_counts(
        np.ascontiguousarray(levels, dtype=np.int32),
        np.ascontiguousarray(offsets, dtype=np.int64),
        float(alpha),
        dependence,
        n,
        s,
    )
    return dependence, n, s
