"""Zones of PyRadiomics' GLSZM on the padded flat layout of :mod:`radcore.kernels.matrices`.

``zones(ranks, roi, padded_shape, back_offsets) -> (zone_rank int32 (z,), zone_size int64 (z,))``
    the result of :func:`radcore.kernels.matrices.zones` (same zones, same order): the connected
    components of equal rank, two ROI voxels linked when they differ by one of the offsets (dz, dy, dx)
    of ``back_offsets`` (k, 3) or by its opposite; zones listed in raster order of their first voxel.
    ``ranks`` (int32, 0 outside the ROI, 1..n inside) and ``roi`` (int64 ascending flat indices) are
    the layout padded by at least the largest offset component, ``padded_shape`` its (z, y, x) shape.

Algorithm: one raster sweep of union-find over voxels, as the voxel kernel, but with the comparisons
taken out of the branchy part. The offsets are taken one of each opposite pair, the one pointing back
in raster order (first non-zero component negative), k <= 13 of them. For each row (z, y), over the
span from its first to its last ROI voxel, a bit mask per voxel marks which of the k back neighbours
have the voxel's rank (k passes of contiguous compares, which LLVM vectorises). Back neighbours of
rank g that are neighbours of one another were linked when the later of them was visited, so only one
representative per group of mutually connected set bits needs a union; a table over the 2**k masks
(built once per offset set) holds the number of such groups and a representative of each (its member
farthest back). A voxel with no group starts a zone; otherwise it is hung under the representative of
its first group (no search), and only with two or more groups are roots searched (path halving) and
joined, the larger root under the smaller. Every parent thus comes earlier in raster order and each
root is its zone's first voxel, so a last ascending sweep over ``roi`` numbers the zones as their roots
come (a voxel's parent is already numbered) and counts their voxels.

Offset sets of more than 13 back offsets go to :func:`radcore.kernels.matrices.zones`.

(Union-find over runs along x instead of voxels was tried first: on smoothed-noise volumes binned to
16-140 levels the runs average 1.0-2.5 voxels; it came out 1.5-2.5x slower than the voxel kernel in
3D, and slower than this kernel in every case measured.)
"""

from __future__ import annotations

import functools

import numba
import numpy as np

from radcore.kernels import matrices
from radcore.kernels.matrices import find_root

#: most back offsets the mask table takes (2**13 masks)
MAX_OFFSETS = 13


@numba.njit(cache=True, nogil=True)
def _zones(ranks, roi, nx, steps, n_groups, rep, parent, mask):
    # steps: the k back steps and a last 0, as uint64 (c + step wraps to c - |step|); rep[m, j]: index
    # into steps of the representative of group j of mask m (rep[0, 0] = k: a voxel with no group is
    # its own parent); ``mask``: scratch for one row. Indices are unsigned (all >= 0 by the layout):
    # numba then skips its negative-index wrap-around, and the mask loops compile branch-free and
    # vectorise.
    n_roi = roi.shape[0]
    k_steps = steps.shape[0] - 1
    n_zones = 0
    t = 0
    while t < n_roi:
        lo = roi[t]
        row_end = lo - lo % nx + nx
        u = t + 1
        while u < n_roi and roi[u] < row_end:
            u += 1
        # masks over the row's span lo .. roi[u - 1]
        width = numba.uint64(roi[u - 1] + 1 - lo)
        base = numba.uint64(lo)
        for x in range(width):
            mask[x] = 0
        for k in range(k_steps):
            back = base + steps[k]
            bit = numba.int32(1 << k)
            for x in range(width):
                mask[x] |= numba.int32(ranks[back + x] == ranks[base + x]) * bit
        for v in range(t, u):
            c = numba.uint64(roi[v])
            m = numba.uint64(mask[c - base])
            n = n_groups[m]
            parent[c] = c + steps[numba.uint64(rep[m, 0])]
            n_zones += n == 0
            if n > 1:
                root = find_root(parent, c)
                for j in range(1, n):
                    b = find_root(parent, c + steps[numba.uint64(rep[m, j])])
                    if b < root:
                        parent[root] = b
                        root = b
                        n_zones -= 1
                    elif b > root:
                        parent[b] = root
                        n_zones -= 1
        t = u
    # parents come earlier in roi order: one ascending sweep replaces parent[c] by ~(zone number), the
    # zone of its root (a new zone) or of its parent (numbered already); zone_rank is written by every
    # voxel of a zone (all of one rank), which keeps the sweep branch-free
    zone_rank = np.empty(n_zones, np.int32)
    zone_size = np.zeros(n_zones, np.int64)
    z = numba.uint64(0)
    for t in range(n_roi):
        c = numba.uint64(roi[t])
        p = numba.uint64(parent[c])
        new = p == c
        label = z if new else numba.uint64(~parent[p])
        z += numba.uint64(new)
        parent[c] = ~numba.int64(label)
        zone_rank[label] = ranks[c]
        zone_size[label] += 1
    return zone_rank, zone_size


@numba.njit(cache=True, nogil=True)
def _group_table(adjacent):
    # groups of mask m from those of m without its top bit: the top bit joins every group it touches
    k = adjacent.shape[0]
    groups = np.zeros((1 << k, max(k, 1)), np.int64)  # bit sets, n_groups[m] of them per mask
    n_groups = np.zeros(1 << k, np.int8)
    for m in range(1, 1 << k):
        top = 0
        while m >> (top + 1):
            top += 1
        prev = m ^ (1 << top)
        merged = np.int64(1) << top
        n = 0
        for j in range(n_groups[prev]):
            g = groups[prev, j]
            if g & adjacent[top]:
                merged |= g
            else:
                groups[m, n] = g
                n += 1
        groups[m, n] = merged
        n_groups[m] = n + 1
    rep = np.full((1 << k, max(int(n_groups.max()), 1)), k, np.int8)
    for m in range(1 << k):
        for j in range(n_groups[m]):
            low = 0
            while not groups[m, j] >> low & 1:
                low += 1
            rep[m, j] = low
    return n_groups, rep


@functools.lru_cache(maxsize=16)
def _groups(back: tuple[tuple[int, int, int], ...]) -> tuple[np.ndarray, np.ndarray]:
    """(n_groups int8 (2**k,), rep int8 (2**k, max groups)) of the k back offsets ``back`` (sorted
    ascending): for each mask m of neighbours of the voxel's rank, the number of connected groups of its
    set bits (two offsets adjacent when their difference is an offset or its opposite) and per group the
    index of its lowest bit, i.e. its smallest offset, the one farthest back; rep[0, 0] = k."""
    k = len(back)
    links = set(back) | {tuple(-v for v in b) for b in back}
    adjacent = np.array([sum(1 << j for j in range(k) if tuple(p - q for p, q in zip(back[i], back[j])) in links)
                         for i in range(k)], np.int64)
    return _group_table(adjacent)


def zones(ranks: np.ndarray, roi: np.ndarray, padded_shape: tuple[int, int, int],
          back_offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(zone_rank int32, zone_size int64) of the equal-rank components; see module doc."""
    nz, ny, nx = (int(v) for v in padded_shape)
    if ranks.shape[0] != nz * ny * nx:
        raise ValueError(f"ranks has {ranks.shape[0]} entries, padded_shape {padded_shape} needs {nz * ny * nx}")
    back = set()
    for row in np.asarray(back_offsets, dtype=np.int64).reshape(-1, 3).tolist():
        lead = next((v for v in row if v != 0), 0)
        if lead:
            back.add(tuple(row) if lead < 0 else tuple(-v for v in row))
    back = tuple(sorted(back))
    steps = np.array([dz * ny * nx + dy * nx + dx for dz, dy, dx in back] + [0], np.int64)
    if len(back) > MAX_OFFSETS:
        return matrices.zones(ranks, roi, steps[:-1])
    n_groups, rep = _groups(back)
    parent = np.empty(ranks.shape[0], np.int32 if ranks.shape[0] < 2**31 else np.int64)
    roi = np.ascontiguousarray(roi, dtype=np.int64)
    return _zones(ranks, roi, nx, steps.view(np.uint64), n_groups, rep, parent, np.empty(nx, np.int32))
