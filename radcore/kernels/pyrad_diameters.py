"""Largest distances between ROI border voxels (PyRadiomics' maximum 3D and 2D diameters).

``surface_points(mask) -> int64 (n, 3)``
    the vertices of the marching-cubes surface of a binary mask, i.e. the midpoints of the face-adjacent
    (inside, outside) voxel pairs (outside the array counts as outside), as doubled (z, y, x) indices
    (2 index + 1 along the pair's axis): integers, so points in one plane compare exactly.
``diameters(points, spacing) -> float64 (4,)``
    over all pairs of ``points``, the largest Euclidean distance in mm between two points with the same z
    (slice), the same y (column), the same x (row), and overall: (slice, column, row, 3D).

Pruning (exact, no tolerance): the largest distance within a point set is attained between two vertices
of its convex hull, and a hull vertex is extreme on every axis-parallel line through it (the smallest or
largest coordinate among the points sharing its other two coordinates; otherwise it lies between two
points). So the 3D diameter only needs the points extreme along z, y and x, and the diameter in a plane
z = c only the points extreme along y and x within their rows (same z and x, same z and y). Within each
candidate set the pairs are searched from the points farthest from the set's centroid c inwards and the
search stops once |a - c| + |b - c|, an upper bound of |a - b|, cannot beat the best distance found.
"""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True, nogil=True)
def _extreme_flags(points, flags):
    """flags[p] bit k set when point p has the smallest or largest coordinate k on its line along axis k.

    ``points`` are non-negative int64 (n, 3).
    """
    n = points.shape[0]
    dims = np.zeros(3, np.int64)
    for p in range(n):
        for k in range(3):
            if points[p, k] + 1 > dims[k]:
                dims[k] = points[p, k] + 1
    for axis in range(3):
        a = (axis + 1) % 3
        b = (axis + 2) % 3
        lo = np.full((dims[a], dims[b]), np.iinfo(np.int64).max, np.int64)
        hi = np.full((dims[a], dims[b]), -1, np.int64)
        for p in range(n):
            v = points[p, axis]
            i = points[p, a]
            j = points[p, b]
            if v < lo[i, j]:
                lo[i, j] = v
            if v > hi[i, j]:
                hi[i, j] = v
        bit = 1 << axis
        for p in range(n):
            v = points[p, axis]
            i = points[p, a]
            j = points[p, b]
            if v == lo[i, j] or v == hi[i, j]:
                flags[p] |= bit


@numba.njit(cache=True, nogil=True)
def _max_sq_distance(points, index, spacing):
    """Largest squared distance (mm^2) between two of ``points[index]`` (0 for fewer than two)."""
    m = index.shape[0]
    if m < 2:
        return 0.0
    centre = np.zeros(3)
    for q in range(m):
        for k in range(3):
            centre[k] += points[index[q], k] * spacing[k]
    for k in range(3):
        centre[k] /= m
    radius = np.empty(m)
    for q in range(m):
        r = 0.0
        for k in range(3):
            d = points[index[q], k] * spacing[k] - centre[k]
            r += d * d
        radius[q] = np.sqrt(r)
    order = np.argsort(-radius)
    best = 0.0
    for qa in range(m):
        ra = radius[order[qa]]
        bound = ra + radius[order[0]]
        if bound * bound * (1.0 + 1e-9) < best:
            break
        a = index[order[qa]]
        for qb in range(qa + 1, m):
            bound = ra + radius[order[qb]]
            if bound * bound * (1.0 + 1e-9) < best:
                break
            b = index[order[qb]]
            dz = (points[a, 0] - points[b, 0]) * spacing[0]
            dy = (points[a, 1] - points[b, 1]) * spacing[1]
            dx = (points[a, 2] - points[b, 2]) * spacing[2]
            d = dz * dz + dy * dy + dx * dx
            if d > best:
                best = d
    return best


@numba.njit(cache=True, nogil=True)
def _plane_max(points, flags, axis, need, spacing):
    """Largest squared distance between candidate points (flags & need == need) sharing coordinate ``axis``."""
    n = points.shape[0]
    keep = np.zeros(n, np.bool_)
    count = 0
    for p in range(n):
        if flags[p] & need == need:
            keep[p] = True
            count += 1
    cand = np.empty(count, np.int64)
    c = 0
    for p in range(n):
        if keep[p]:
            cand[c] = p
            c += 1
    key = np.empty(count, np.int64)
    for q in range(count):
        key[q] = points[cand[q], axis]
    order = np.argsort(key, kind="mergesort")
    cand = cand[order]
    key = key[order]
    best = 0.0
    start = 0
    while start < count:
        stop = start + 1
        while stop < count and key[stop] == key[start]:
            stop += 1
        d = _max_sq_distance(points, cand[start:stop], spacing)
        if d > best:
            best = d
        start = stop
    return best


@numba.njit(cache=True, nogil=True)
def _diameters(points, spacing, out):
    n = points.shape[0]
    flags = np.zeros(n, np.int64)
    _extreme_flags(points, flags)
    # plane of equal z: extreme along y (bit 1) and x (bit 2); equal y: z and x; equal x: z and y
    out[0] = _plane_max(points, flags, 0, 6, spacing)
    out[1] = _plane_max(points, flags, 1, 5, spacing)
    out[2] = _plane_max(points, flags, 2, 3, spacing)
    count = 0
    for p in range(n):
        if flags[p] == 7:
            count += 1
    cand = np.empty(count, np.int64)
    c = 0
    for p in range(n):
        if flags[p] == 7:
            cand[c] = p
            c += 1
    out[3] = _max_sq_distance(points, cand, spacing)


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
    points = np.asarray(points, dtype=np.int64).reshape(-1, 3)
    out = np.zeros(4, np.float64)
    if len(points) >= 2:
        shifted = np.ascontiguousarray(points - points.min(axis=0))
        _diameters(shifted, np.ascontiguousarray(spacing, dtype=np.float64), out)
    return np.sqrt(out)
