"""Texture matrices of one discretised image for PyRadiomics' classes, on a shared padded flat layout.

All kernels read ``ranks``: the grey levels of a (z, y, x) array renumbered 1..n over the levels present
in the ROI (ascending; 0 outside the ROI), padded with ``pad`` zeros on every side and raveled (C order),
so a neighbour ``c + step`` never leaves the array (``pad`` >= the largest offset component) and ROI
voxels are visited through ``roi`` (int64 flat indices into the padded array, ascending). Offsets are
(dz, dy, dx) rows turned into flat ``steps`` (:func:`radcore.kernels.zones.flat_offsets`).

``cooccurrence(ranks, roi, steps, n) -> float64 (k, n, n)``
    ``M[k, a - 1, b - 1]`` counts the ROI voxel pairs (c, c + steps[k]) with ranks a and b (not
    symmetrised).
``run_lengths(ranks, roi, steps, n, max_run) -> float64 (k, n, max_run)``
    ``M[k, g - 1, l - 1]`` counts the maximal runs c, c + s, ..., c + (l - 1) s of rank g along
    ``steps[k]`` (runs longer than ``max_run`` counted in the last column).
``zones(ranks, roi, back_steps) -> (zone_rank int32 (z,), zone_size int64 (z,))``
    connected components of equal rank, two ROI voxels linked when one is the other plus a neighbour
    step; ``back_steps`` holds one of each opposite pair of steps (the negative ones). Union-find with
    the smaller flat index as root; zones are listed in raster order of their first voxel.
``digitize(values, mask, edges) -> (levels int32 (z, y, x), highest level)``
    inside ``mask`` the number of ``edges`` (ascending) <= the value (numpy.digitize, right=False;
    comparisons in float64, exact for every input type used), 0 outside.
``layout(levels, mask, pad) -> (values, ranks, roi, hist)``
    the padded flat layout above of int32 ``levels`` (>= 1 inside ``mask``) and the level histogram
    (int64, index = level) of the ROI.
``neighbourhood(values, ranks, roi, steps, alpha, n) -> (dependence (n, k + 1), count (n,), s (n,))``
    for every ROI voxel c of level g = values[c] (rank r): its ROI neighbours c + steps[k] of levels h;
    ``dependence[r - 1, d]`` counts the voxels with d neighbours where |g - h| <= alpha, ``count[r - 1]``
    the voxels, ``s[r - 1]`` sums |g - mean h| over voxels with at least one neighbour (GLDM, NGTDM).
"""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True, nogil=True)
def _cooccurrence(ranks, roi, steps, out):
    # unsigned indices (all >= 0 by the layout): no negative-index wrap-around checks in the loop
    k_steps = steps.shape[0]
    n = numba.uint64(out.shape[1])
    flat = out.reshape(-1)
    for t in range(roi.shape[0]):
        c = numba.uint64(roi[t])
        row = numba.uint64(ranks[c] - 1) * n
        for k in range(k_steps):
            b = ranks[c + numba.uint64(steps[k])]
            if b > 0:
                flat[(numba.uint64(k) * n) * n + row + numba.uint64(b - 1)] += 1.0


@numba.njit(cache=True, nogil=True)
def _run_lengths(ranks, roi, steps, length, out):
    # ``length[c]``: the voxels of c's run up to c. With a positive step the voxel before c on its line
    # comes earlier in raster order, so one ascending sweep per direction fills it; a run ends (and is
    # counted) where the next voxel on the line has another rank. ``length`` needs no reset: it is only
    # read where the previous voxel has c's rank, i.e. at ROI voxels written earlier in the sweep.
    # Indices are unsigned (every one is >= 0 by the layout): numba then skips its negative-index
    # wrap-around, and the select below compiles branch-free -- together about 3x faster.
    n_levels = out.shape[1]
    max_run = out.shape[2]
    hist = np.zeros(n_levels * max_run, np.int64)
    for k in range(steps.shape[0]):
        s = numba.uint64(steps[k])
        hist[:] = 0
        for t in range(roi.shape[0]):
            c = numba.uint64(roi[t])
            g = ranks[c]
            b = c - s
            p = length[b] + 1
            n = p if ranks[b] == g else 1
            length[c] = n
            hist[numba.uint64((g - 1) * max_run + min(n, max_run) - 1)] += ranks[c + s] != g
        for q in range(n_levels * max_run):
            out[k, q // max_run, q % max_run] = hist[q]


@numba.njit(cache=True, nogil=True)
def _find(parent, c):
    c = numba.uint64(c)
    while numba.uint64(parent[c]) != c:
        p = numba.uint64(parent[c])
        parent[c] = parent[p]
        c = numba.uint64(parent[p])
    return c


@numba.njit(cache=True, nogil=True)
def _zones(ranks, roi, back_steps, n_covered, parent, size):
    # with n_covered > 0, back_steps[0] is the step to the previous voxel on the row (c - 1) and
    # back_steps[1:1 + n_covered] the steps whose neighbours are also back neighbours of c - 1: when
    # c - 1 has c's rank it was already linked to those of them of that rank, so linking c to c - 1
    # links c to them too (the components, hence the output, are the same)
    first_rest = 1 + n_covered if n_covered > 0 else 0
    for t in range(roi.shape[0]):
        c = numba.uint64(roi[t])
        parent[c] = c
        root = c  # c's root, kept current while linking
        g = ranks[c]
        start = 0
        if n_covered > 0 and ranks[c + numba.uint64(back_steps[0])] == g:
            root = _find(parent, c + numba.uint64(back_steps[0]))
            parent[c] = root
            start = first_rest
        for k in range(start, back_steps.shape[0]):
            q = c + numba.uint64(back_steps[k])
            if ranks[q] == g:
                b = _find(parent, q)
                if b < root:
                    parent[root] = b
                    root = b
                elif b > root:
                    parent[b] = root
    n_zones = 0
    for t in range(roi.shape[0]):
        c = numba.uint64(roi[t])
        r = _find(parent, c)
        size[r] += 1
        if r == c:
            n_zones += 1
    zone_rank = np.empty(n_zones, np.int32)
    zone_size = np.empty(n_zones, np.int64)
    z = 0
    for t in range(roi.shape[0]):
        c = numba.uint64(roi[t])
        if numba.uint64(parent[c]) == c:
            zone_rank[z] = ranks[c]
            zone_size[z] = size[c]
            z += 1
    return zone_rank, zone_size


@numba.njit(cache=True, nogil=True)
def _neighbourhood(values, ranks, roi, steps, alpha, dependence, count, s):
    # integer levels: |g - h| <= alpha  <=>  |g - h| <= floor(alpha); outside voxels hold 0 and add
    # nothing to the sum, so the loop needs no branches; indices are unsigned (>= 0 by the layout), which
    # spares numba's negative-index wrap-around
    limit = np.int64(np.floor(alpha)) if alpha >= 0 else np.int64(-1)
    for t in range(roi.shape[0]):
        c = roi[t]
        g = np.int64(values[c])
        r = ranks[c] - 1
        n = np.int64(0)
        total = np.int64(0)
        dep = np.int64(0)
        for k in range(steps.shape[0]):
            h = np.int64(values[numba.uint64(c + steps[k])])
            inside = np.int64(h > 0)
            n += inside
            total += h
            dep += inside & np.int64(abs(g - h) <= limit)
        dependence[r, dep] += 1.0
        count[r] += 1.0
        if n > 0:
            s[r] += abs(g - total / n)


@numba.njit(cache=True, nogil=True)
def _digitize(values, mask, edges, levels):
    n = edges.shape[0]
    top = 0
    nz, ny, nx = values.shape
    for z in range(nz):
        for y in range(ny):
            for x in range(nx):
                if not mask[z, y, x]:
                    levels[z, y, x] = 0
                    continue
                v = np.float64(values[z, y, x])
                lo = 0
                hi = n
                if v != v:  # NaN sorts last, as in numpy
                    lo = n
                while lo < hi:
                    mid = (lo + hi) // 2
                    if edges[mid] <= v:
                        lo = mid + 1
                    else:
                        hi = mid
                levels[z, y, x] = lo
                top = max(top, lo)
    return top


@numba.njit(cache=True, nogil=True)
def _layout(levels, mask, pad, hist, values, ranks, roi):
    nz, ny, nx = levels.shape
    for z in range(nz):
        for y in range(ny):
            for x in range(nx):
                if mask[z, y, x]:
                    hist[levels[z, y, x]] += 1
    lookup = np.zeros(hist.shape[0], np.int32)
    r = 0
    for g in range(1, hist.shape[0]):
        if hist[g] > 0:
            r += 1
            lookup[g] = r
    py = ny + 2 * pad
    px = nx + 2 * pad
    t = 0
    for z in range(nz):
        for y in range(ny):
            base = ((z + pad) * py + y + pad) * px + pad
            for x in range(nx):
                if mask[z, y, x]:
                    g = levels[z, y, x]
                    values[base + x] = g
                    ranks[base + x] = lookup[g]
                    roi[t] = base + x
                    t += 1


def digitize(values: np.ndarray, mask: np.ndarray, edges: np.ndarray) -> tuple[np.ndarray, int]:
    """(int32 levels, highest level) of ``values`` inside ``mask`` binned by ``edges``; see module doc."""
    values = np.asarray(values)
    if values.dtype not in (np.float32, np.float64):
        values = values.astype(np.float64)
    shape = values.shape
    if values.ndim > 3:
        raise ValueError(f"digitize takes arrays of up to 3 dimensions, got {values.ndim}")
    as3d = (1,) * (3 - values.ndim) + shape
    levels = np.empty(as3d, np.int32)
    top = _digitize(values.reshape(as3d), np.asarray(mask, dtype=np.bool_).reshape(as3d),
                    np.asarray(edges, dtype=np.float64), levels)
    return levels.reshape(shape), int(top)


def layout(levels: np.ndarray, mask: np.ndarray, pad: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(values int32, ranks int32, roi int64, hist int64) of ``levels`` padded by ``pad``; see module doc."""
    mask = np.asarray(mask, dtype=np.bool_)
    size = int(np.prod([n + 2 * pad for n in levels.shape]))
    values = np.zeros(size, np.int32)
    ranks = np.zeros(size, np.int32)
    roi = np.empty(int(np.count_nonzero(mask)), np.int64)
    hist = np.zeros(int(levels.max(initial=0)) + 1, np.int64)
    _layout(np.asarray(levels, dtype=np.int32), mask, int(pad), hist, values, ranks, roi)
    return values, ranks, roi, hist


def cooccurrence(ranks: np.ndarray, roi: np.ndarray, steps: np.ndarray, n: int) -> np.ndarray:
    """Pair counts (k, n, n) float64; see module doc."""
    out = np.zeros((len(steps), n, n), np.float64)
    _cooccurrence(ranks, roi, np.ascontiguousarray(steps, dtype=np.int64), out)
    return out


def run_lengths(ranks: np.ndarray, roi: np.ndarray, steps: np.ndarray, n: int, max_run: int) -> np.ndarray:
    """Run counts (k, n, max_run) float64; see module doc."""
    steps = np.ascontiguousarray(steps, dtype=np.int64)
    if np.any(steps <= 0):
        raise ValueError("run directions must have positive flat steps (one of each opposite pair)")
    out = np.zeros((len(steps), n, max(int(max_run), 1)), np.float64)
    _run_lengths(ranks, roi, steps, np.zeros(ranks.shape[0], np.int32), out)
    return out


def zones(ranks: np.ndarray, roi: np.ndarray, back_steps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(zone_rank int32, zone_size int64) of the equal-rank components; see module doc."""
    back_steps = np.ascontiguousarray(back_steps, dtype=np.int64).ravel()
    order, n_covered = _covered_order(back_steps)
    parent = np.empty(ranks.shape[0], np.int64)
    size = np.zeros(ranks.shape[0], np.int64)
    return _zones(ranks, roi, back_steps[order], n_covered, parent, size)


def _covered_order(back_steps: np.ndarray) -> tuple[np.ndarray, int]:
    """(order of ``back_steps`` putting -1 first, then the steps s with s + 1 also a back step, then the
    rest; how many of the second kind) -- (identity, 0) when -1 is not a back step."""
    steps = [int(s) for s in back_steps]
    if -1 not in steps:
        return np.arange(len(steps)), 0
    lead = steps.index(-1)
    covered = [k for k, s in enumerate(steps) if k != lead and s + 1 in steps]
    rest = [k for k in range(len(steps)) if k != lead and k not in covered]
    return np.array([lead, *covered, *rest], dtype=np.int64), len(covered)


def neighbourhood(values: np.ndarray, ranks: np.ndarray, roi: np.ndarray, steps: np.ndarray, alpha: float,
                  n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(dependence (n, k + 1), count (n,), s (n,)) float64; see module doc."""
    dependence = np.zeros((n, len(steps) + 1), np.float64)
    count = np.zeros(n, np.float64)
    s = np.zeros(n, np.float64)
    _neighbourhood(values, ranks, roi, np.ascontiguousarray(steps, dtype=np.int64), float(alpha), dependence, count, s)
    return dependence, count, s
