"""Slow, plain references for the zone, NGTDM and NGLDM kernels (tests only)."""

from __future__ import annotations

import itertools

import numpy as np
from scipy import ndimage


def structure(connectivity: int) -> np.ndarray:
    """The scipy.ndimage structuring element of a connectivity (4, 8 in-plane; 6, 18, 26 in 3D)."""
    if connectivity in (4, 8):
        s = np.zeros((3, 3, 3), bool)
        s[1] = ndimage.generate_binary_structure(2, 1 if connectivity == 4 else 2)
        return s
    return ndimage.generate_binary_structure(3, {6: 1, 18: 2, 26: 3}[connectivity])


def zones(levels: np.ndarray, connectivity: int) -> np.ndarray:
    """A zone id per voxel (0 outside): level * 10^6 + scipy component number within that level."""
    out = np.zeros(levels.shape, np.int64)
    for g in np.unique(levels[levels > 0]):
        comp, _ = ndimage.label(levels == g, structure(connectivity))
        out[comp > 0] = g * 10**6 + comp[comp > 0]
    return out


def zones_by_offsets(levels: np.ndarray, offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Plain flood fill: (labels int64 like ``levels``, zone_level, zone_size). Two voxels of one level
    (> 0) are linked when they differ by a row (dz, dy, dx) of ``offsets`` or its opposite; zones are
    numbered 1..n in raster order of their first voxel, 0 outside."""
    labels = np.zeros(levels.shape, np.int64)
    rows = [tuple(int(v) for v in o) for o in np.asarray(offsets).reshape(-1, 3)]
    steps = rows + [tuple(-v for v in o) for o in rows]
    zone_level, zone_size = [], []
    for start in map(tuple, np.argwhere(levels > 0)):  # raster order
        if labels[start]:
            continue
        g = levels[start]
        zone_level.append(g)
        labels[start] = len(zone_level)
        todo, size = [start], 0
        while todo:
            p = todo.pop()
            size += 1
            for s in steps:
                q = tuple(a + b for a, b in zip(p, s))
                if all(0 <= c < n for c, n in zip(q, levels.shape)) and not labels[q] and levels[q] == g:
                    labels[q] = len(zone_level)
                    todo.append(q)
        zone_size.append(size)
    return labels, np.array(zone_level, np.int64), np.array(zone_size, np.int64)


def distance_to_edge(mask: np.ndarray, connectivity: int) -> np.ndarray:
    """Brute force: L1 distance (in-plane for 4) from each mask voxel to the nearest voxel outside it."""
    pad = np.pad(mask, 1)
    outside = np.argwhere(~pad).astype(np.int64)
    dist = np.zeros(mask.shape, np.int64)
    for p in np.argwhere(mask):
        q = p + 1
        cand = outside if connectivity == 6 else outside[outside[:, 0] == q[0]]
        dist[tuple(p)] = np.abs(cand - q).sum(axis=1).min()
    return dist


def neighbourhood(levels: np.ndarray, p, distance) -> np.ndarray:
    """Levels of the ROI voxels within Chebyshev ``distance`` (dz, dy, dx) of voxel ``p``, centre excluded."""
    vals = []
    for off in itertools.product(*(range(-d, d + 1) for d in distance)):
        if not any(off):
            continue
        q = tuple(int(a + b) for a, b in zip(p, off))
        if all(0 <= c < n for c, n in zip(q, levels.shape)) and levels[q] > 0:
            vals.append(levels[q])
    return np.array(vals, np.float64)


def ngtdm_by_slice(levels, n_levels, distance):
    s = np.zeros((levels.shape[0], n_levels))
    n = np.zeros((levels.shape[0], n_levels))
    for p in np.argwhere(levels > 0):
        nb = neighbourhood(levels, p, distance)
        if nb.size:
            g = levels[tuple(p)]
            s[p[0], g - 1] += abs(g - nb.mean())
            n[p[0], g - 1] += 1
    return s, n


def ngldm_by_slice(levels, n_levels, distance, alpha):
    n_dep = int(np.prod([2 * d + 1 for d in distance]))
    out = np.zeros((levels.shape[0], n_levels, n_dep))
    for p in np.argwhere(levels > 0):
        g = levels[tuple(p)]
        nb = neighbourhood(levels, p, distance)
        j = 1 + int(np.sum(np.abs(nb - g) <= alpha))
        out[p[0], g - 1, j - 1] += 1
    return out


def random_levels(rng: np.random.Generator, shape, n_levels: int, fill: float = 0.8) -> np.ndarray:
    """int32 levels 1..n_levels on a random fraction ``fill`` of the voxels, 0 elsewhere."""
    levels = rng.integers(1, n_levels + 1, size=shape).astype(np.int32)
    levels[rng.random(shape) > fill] = 0
    return levels


#: small odd shapes: single voxel, single slice, thin, cube-ish
SHAPES = [(1, 1, 1), (1, 4, 6), (2, 1, 5), (3, 4, 5), (5, 6, 7)]
