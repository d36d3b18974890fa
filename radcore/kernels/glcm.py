"""Grey-level co-occurrence counts (IBSI 3.6) for any list of offsets.

API of the IBSI GLCM family (the PyRadiomics classes count pairs with
:func:`radcore.kernels.pyrad_texture.cooccurrence` on their own layout):

``cooccurrence_volume(levels, offsets, n_levels, symmetric=True) -> (k, Ng, Ng) float64``
    One matrix per offset over the whole volume.
``cooccurrence_slices(levels, offsets, n_levels, symmetric=True) -> (n_slices, k, Ng, Ng) float64``
    One matrix per (z) slice and offset; every offset must be in-plane (``dz == 0``).

``levels`` is an int32 (z, y, x) array of grey levels, 1..Ng inside the ROI and 0 (or below) outside.
``offsets`` is an int64 (k, 3) array of ``(dz, dy, dx)`` steps of any length (see
:mod:`radcore.kernels.directions`). ``M[k, i - 1, j - 1]`` counts the voxel pairs ``(v, v + offsets[k])``
with both voxels inside the ROI, level i at ``v`` and level j at ``v + offsets[k]``. With
``symmetric=True`` every pair is also counted as (j, i), so ``M`` equals ``M.T`` and each pair counts
twice (the IBSI convention; normalisation removes the factor). Counts are not normalised.
Slices are along z; for another slicing axis pass ``levels`` transposed (and the offsets permuted).
"""

from __future__ import annotations

import numba
import numpy as np

from radcore.errors import InvalidImageError


@numba.njit(cache=True, nogil=True)
def _cooccurrence(levels, offsets, symmetric, by_slice, out):
    """Add the pair counts of ``levels`` for each offset into ``out`` (n_groups, k, Ng, Ng).

    The group is the z index of the first voxel when ``by_slice``, else 0.
    """
    nz, ny, nx = levels.shape
    n_off = offsets.shape[0]
    for z in range(nz):
        s = z if by_slice else 0
        for y in range(ny):
            for x in range(nx):
                a = levels[z, y, x]
                if a <= 0:
                    continue
                for k in range(n_off):
                    zz = z + offsets[k, 0]
                    yy = y + offsets[k, 1]
                    xx = x + offsets[k, 2]
                    if zz < 0 or zz >= nz or yy < 0 or yy >= ny or xx < 0 or xx >= nx:
                        continue
                    b = levels[zz, yy, xx]
                    if b <= 0:
                        continue
                    out[s, k, a - 1, b - 1] += 1.0
                    if symmetric:
                        out[s, k, b - 1, a - 1] += 1.0


def validate_inputs(levels: np.ndarray, offsets: np.ndarray, n_levels: int) -> tuple[np.ndarray, np.ndarray]:
    """``levels`` as contiguous int32 and ``offsets`` as contiguous int64, after checking shapes and range.

    Raises InvalidImageError for bad grey levels and ValueError for bad offsets or ``n_levels``.
    """
    levels = np.asarray(levels)
    if levels.ndim != 3:
        raise InvalidImageError(f"levels must be a 3D (z, y, x) array, got shape {levels.shape}")
    if not np.issubdtype(levels.dtype, np.integer):
        raise InvalidImageError(f"levels must hold integers, got dtype {levels.dtype}")
    offsets = np.asarray(offsets)
    if offsets.ndim != 2 or offsets.shape[1] != 3:
        raise ValueError(f"offsets must have shape (k, 3) of (dz, dy, dx), got {offsets.shape}")
    if n_levels < 1:
        raise ValueError(f"n_levels must be >= 1, got {n_levels}")
    if levels.size and levels.max() > n_levels:
        raise InvalidImageError(f"levels hold grey level {levels.max()} above n_levels = {n_levels}")
    return np.ascontiguousarray(levels, dtype=np.int32), np.ascontiguousarray(offsets, dtype=np.int64)


def cooccurrence_volume(
    levels: np.ndarray, offsets: np.ndarray, n_levels: int, symmetric: bool = True
) -> np.ndarray:
    """Co-occurrence counts over the whole volume, one matrix per offset: (k, Ng, Ng) float64."""
    lv, off = validate_inputs(levels, offsets, n_levels)
    out = np.zeros((1, off.shape[0], n_levels, n_levels), np.float64)
    _cooccurrence(lv, off, bool(symmetric), False, out)
    return out[0]


def cooccurrence_slices(
    levels: np.ndarray, offsets: np.ndarray, n_levels: int, symmetric: bool = True
) -> np.ndarray:
    """Co-occurrence counts per z slice and in-plane offset: (n_slices, k, Ng, Ng) float64."""
    lv, off = validate_inputs(levels, offsets, n_levels)
    if off.shape[0] and np.any(off[:, 0] != 0):
        raise ValueError(f"per-slice matrices need in-plane offsets (dz == 0), got {off.tolist()}")
    out = np.zeros((lv.shape[0], off.shape[0], n_levels, n_levels), np.float64)
    _cooccurrence(lv, off, bool(symmetric), True, out)
    return out
