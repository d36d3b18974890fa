"""Neighbourhood grey tone difference matrix (IBSI 3.10, NGTDM).

For every ROI voxel k with grey level i, its neighbourhood is the box of voxels within Chebyshev distance
(dz, dy, dx) of k (``dz = 0``: in-plane, 2D), centre excluded, restricted to ROI voxels (level > 0). With W
ROI neighbours the neighbourhood mean is A_k = 1/W sum X_m. Voxels with W = 0 are left out (IBSI).

    s_i = sum over voxels of level i with W > 0 of |i - A_k|,   n_i = number of those voxels

Public API:

``ngtdm_by_slice(levels, n_levels, distance=(1, 1, 1)) -> (s, n)``
    float64 (nz, n_levels) each: the sums above split by the slice of the centre voxel. Summing over
    slices gives the volume's (or, with dz = 0, the slice-merged 2.5D) NGTDM.

``ngtdm(levels, n_levels, distance=(1, 1, 1)) -> (s, n)``
    float64 (n_levels,) each: the NGTDM of the whole array. ``p_i = n_i / sum n``.

Grey levels are int32 (z, y, x), 1..n_levels inside the ROI, 0 outside. The counts come from the
neighbourhood kernel PyRadiomics' GLDM and NGTDM use, on the shared texture layout
(:func:`radcore.kernels.texture.neighbourhood_counts`).
"""

from __future__ import annotations

import numpy as np

from radcore.errors import InvalidImageError
from radcore.kernels.texture import build_texture, neighbourhood_counts
from radcore.kernels.zones import box_offsets


def ngtdm_by_slice(levels: np.ndarray, n_levels: int,
                   distance: tuple[int, int, int] = (1, 1, 1)) -> tuple[np.ndarray, np.ndarray]:
    """Per-slice NGTDM sums (s, n), each float64 (nz, n_levels); see module doc."""
    levels = check_levels(levels, n_levels)
    distance = check_distance(distance)
    tex = build_texture(levels, levels > 0, max(distance))
    _, s, n = neighbourhood_counts(tex, box_offsets(distance), n_levels)
    return s, n


def ngtdm(levels: np.ndarray, n_levels: int,
          distance: tuple[int, int, int] = (1, 1, 1)) -> tuple[np.ndarray, np.ndarray]:
    """The NGTDM (s, n) of the whole array, each float64 (n_levels,); see module doc."""
    s, n = ngtdm_by_slice(levels, n_levels, distance)
    return s.sum(axis=0), n.sum(axis=0)


def check_levels(levels: np.ndarray, n_levels: int) -> np.ndarray:
    """``levels`` as a contiguous int32 (z, y, x) array with values in 0..n_levels."""
    levels = np.asarray(levels)
    if levels.ndim != 3:
        raise InvalidImageError(f"levels must be a 3D (z, y, x) array, got shape {levels.shape}")
    if not np.issubdtype(levels.dtype, np.integer):
        raise InvalidImageError(f"levels must hold integer grey levels, got dtype {levels.dtype}")
    if levels.size and (levels.min() < 0 or levels.max() > n_levels):
        raise InvalidImageError(
            f"levels must lie in 0..n_levels={n_levels}, got {levels.min()}..{levels.max()}"
        )
    return np.ascontiguousarray(levels, dtype=np.int32)


def check_distance(distance) -> tuple[int, int, int]:
    """(dz, dy, dx) neighbourhood half-widths, each >= 0, not all 0."""
    try:
        dz, dy, dx = (int(d) for d in distance)
    except (TypeError, ValueError):
        raise InvalidImageError(f"distance must be three integers (dz, dy, dx), got {distance!r}") from None
    if min(dz, dy, dx) < 0 or max(dz, dy, dx) == 0:
        raise InvalidImageError(f"distance must be >= 0 per axis and not all 0, got {distance!r}")
    return dz, dy, dx
