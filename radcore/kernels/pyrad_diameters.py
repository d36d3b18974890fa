"""Largest distances between ROI border voxels (PyRadiomics' maximum 3D and 2D diameters).

``surface_points(mask) -> int64 (n, 3)``
    the vertices of the marching-cubes surface of a binary mask, i.e. the midpoints of the face-adjacent
    (inside, outside) voxel pairs (outside the array counts as outside), as doubled (z, y, x) indices
    (2 index + 1 along the pair's axis): integers, so points in one plane compare exactly.
``diameters(points, spacing) -> float64 (4,)``
    over all pairs of ``points``, the largest Euclidean distance in mm between two points with the same z
    (slice), the same y (column), the same x (row), and overall: (slice, column, row, 3D).
"""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True, nogil=True)
def _diameters(points, spacing, out):
    n = points.shape[0]
    for a in range(n):
        for b in range(a + 1, n):
            dz = (points[a, 0] - points[b, 0]) * spacing[0]
            dy = (points[a, 1] - points[b, 1]) * spacing[1]
            dx = (points[a, 2] - points[b, 2]) * spacing[2]
            d = dz * dz + dy * dy + dx * dx
            if points[a, 0] == points[b, 0] and d > out[0]:
                out[0] = d
            if points[a, 1] == points[b, 1] and d > out[1]:
                out[1] = d
            if points[a, 2] == points[b, 2] and d > out[2]:
                out[2] = d
            if d > out[3]:
                out[3] = d


def surface_points(mask: np.ndarray) -> np.ndarray:
    """(n, 3) int64 doubled indices of the surface vertices of ``mask``; see module doc."""
    mask = np.asarray(mask)
    if mask.ndim != 3:
        raise ValueError(f"mask must be a 3D (z, y, x) array, got shape {mask.shape}")
    padded = np.pad(mask != 0, 1)
    points = []
    for axis in range(3):
        lo = [slice(None)] * 3
        hi = [slice(None)] * 3
        lo[axis] = slice(0, -1)
        hi[axis] = slice(1, None)
        pairs = np.argwhere(padded[tuple(lo)] != padded[tuple(hi)])
        doubled = 2 * (pairs - 1)
        doubled[:, axis] += 1
        points.append(doubled)
    return np.ascontiguousarray(np.concatenate(points), dtype=np.int64)


def diameters(points: np.ndarray, spacing) -> np.ndarray:
    """(slice, column, row, 3D) largest pairwise distances in mm; see module doc."""
    out = np.zeros(4, np.float64)
    _diameters(np.ascontiguousarray(points, dtype=np.int64), np.ascontiguousarray(spacing, dtype=np.float64), out)
    return np.sqrt(out)
