"""The texture matrix kernels of both conventions, on one padded flat layout of a discretised image.

PyRadiomics' classes call them directly; the IBSI families count their co-occurrence and run-length
matrices and neighbourhoods with the same kernels through :mod:`radcore.kernels.texture`. The zones of
both conventions are counted on this layout too, by :func:`radcore.kernels.zones.zones`.

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
``digitize(values, mask, edges) -> (levels int32 (z, y, x), highest level)``
    inside ``mask`` the number of ``edges`` (ascending) <= the value (numpy.digitize, right=False; NaN
    above every edge; comparisons in float64, exact for every input type used), 0 outside. The count
    is guessed from the mean edge spacing and checked against the edges (bisection when the guess is
    more than one off), so equally spaced edges cost O(1) per voxel and any ascending edges give the
    same result as a bisection.
``layout(levels, mask, pad) -> (values, ranks, roi, hist)``
    the padded flat layout above of int32 ``levels`` (>= 1 inside ``mask``) and the level histogram
    (int64, index = level) of the ROI.
``neighbourhood(values, ranks, roi, steps, alpha, n) -> (dependence (n, k + 1), count (n,), s (n,))``
    for every ROI voxel c of level g = values[c] (rank r): its ROI neighbours c + steps[k] (values[c +
    steps[k]] > 0) of levels h; ``dependence[r - 1, d]`` counts the voxels with d neighbours where
    |g - h| <= alpha, ``count[r - 1]`` the voxels, ``s[r - 1]`` sums |g - mean h| over voxels with at
    least one neighbour, in ascending roi order (GLDM, NGTDM; the IBSI NGLDM and NGTDM through
    :func:`radcore.kernels.texture.neighbourhood_counts`, which also counts those voxels). ``values`` must
    be int32. The neighbour
    counts and sums are computed a step at a time over runs of nearby ROI voxels (vectorised), or per
    voxel for short runs.
"""

from __future__ import annotations

import numba
import numpy as np

# :func:`_neighbourhood` takes the ROI in runs of roi entries at most _GAP apart spanning at most _SPAN
# flat indices (a multiple of 8), vectorised over the span from _MIN_RUN voxels on
_GAP = 8
_SPAN = 256
_MIN_RUN = 12


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
def _neighbourhood(values, ranks, roi, steps, alpha, dependence, count, s, total, valid):
    # The ROI is cut into runs of roi entries at most _GAP apart. For a run of at least _MIN_RUN voxels
    # the neighbour counts are computed over the run's whole span of flat indices, two steps at a time:
    # contiguous loads that LLVM vectorises (8 lanes with an int32 ``total``, which the caller picks only
    # when no sum can overflow it). The span is rounded up to a multiple of 8 (no scalar remainder) where
    # the array allows: c + step then stays inside the array for every c of the span, as it does for the
    # run's first voxel and for c + max(steps) < size. Non-ROI entries of the span are computed but never
    # read. Shorter runs gather each voxel's neighbours. Either way the voxels are then accumulated one by
    # one in ascending roi order, so ``s`` sums as in a plain per-voxel loop; indices are unsigned (>= 0
    # by the layout), which spares numba's negative-index wrap-around.
    # Integer levels: |g - h| <= alpha  <=>  |g - h| <= floor(alpha), for h > 0 the same as low <= h <=
    # high with low = max(g - floor(alpha), 1), high = g + floor(alpha), both clamped to int32 (exact for
    # int32 h); floor(alpha) is capped at 2**32 (every pair) and is -1 (no pair) for alpha < 0 or NaN.
    limit = np.int64(np.floor(alpha)) if alpha >= 0 else np.int64(-1)
    limit = min(limit, np.int64(1) << 32)
    k_steps = steps.shape[0]
    n_roi = roi.shape[0]
    end = values.shape[0] - (max(steps.max(), 0) if k_steps > 0 else 0)
    n_in = np.empty(_SPAN, np.int32)
    dep = np.empty(_SPAN, np.int32)
    low = np.empty(_SPAN, np.int32)
    high = np.empty(_SPAN, np.int32)
    dep_count = np.zeros(dependence.shape, np.int64)
    t0 = 0
    while t0 < n_roi:
        first = roi[t0]
        t1 = t0 + 1
        while t1 < n_roi and roi[t1] - roi[t1 - 1] <= _GAP and roi[t1] - first < _SPAN - 8:
            t1 += 1
        if t1 - t0 < _MIN_RUN:
            for t in range(t0, t1):
                c = numba.uint64(roi[t])
                g = np.int64(values[c])
                n = np.int64(0)
                tot = np.int64(0)
                d = np.int64(0)
                for k in range(k_steps):
                    h = np.int64(values[c + numba.uint64(steps[k])])
                    inside = np.int64(h > 0)
                    n += inside
                    tot += h
                    d += inside & np.int64(abs(g - h) <= limit)
                x = c - numba.uint64(first)
                n_in[x] = n
                total[x] = tot
                dep[x] = d
        else:
            span = min((roi[t1 - 1] - first + 8) // 8 * 8, end - first)
            centre = values[first:first + span]
            for x in range(span):
                g = np.int64(centre[x])
                low[x] = min(max(g - limit, 1), 2147483647)
                high[x] = max(min(g + limit, 2147483647), 0)
                n_in[x] = 0
                dep[x] = 0
                total[x] = 0
            for k in range(0, k_steps - 1, 2):
                near = values[first + steps[k]:first + steps[k] + span]
                near2 = values[first + steps[k + 1]:first + steps[k + 1] + span]
                for x in range(span):
                    h = near[x]
                    h2 = near2[x]
                    lo = low[x]
                    hi = high[x]
                    n_in[x] += np.int32(h > 0) + np.int32(h2 > 0)
                    total[x] += h + h2
                    dep[x] += (np.int32(h >= lo) & np.int32(h <= hi)) + (np.int32(h2 >= lo) & np.int32(h2 <= hi))
            if k_steps % 2:
                near = values[first + steps[k_steps - 1]:first + steps[k_steps - 1] + span]
                for x in range(span):
                    h = near[x]
                    n_in[x] += np.int32(h > 0)
                    total[x] += h
                    dep[x] += np.int32(h >= low[x]) & np.int32(h <= high[x])
        for t in range(t0, t1):
            c = numba.uint64(roi[t])
            x = c - numba.uint64(first)
            r = numba.uint64(ranks[c] - 1)
            dep_count[r, numba.uint64(dep[x])] += 1
            n = np.int64(n_in[x])
            if n > 0:
                s[r] += abs(np.int64(values[c]) - np.int64(total[x]) / n)
                valid[r] += 1
        t0 = t1
    for r in range(dependence.shape[0]):
        for d in range(dependence.shape[1]):
            dependence[r, d] += dep_count[r, d]
            count[r] += dep_count[r, d]


@numba.njit(cache=True, nogil=True)
def _bisect(edges, v, lo, hi):
    # the number of edges <= v, knowing it lies in [lo, hi]
    while lo < hi:
        mid = (lo + hi) // 2
        if edges[mid] <= v:
            lo = mid + 1
        else:
            hi = mid
    return lo


@numba.njit(cache=True, nogil=True)
def _digitize(values, mask, edges, levels):
    # The level of v (the number of edges <= v) is guessed from v's position between the first and last
    # edge, then checked against the edges around it: one step down or up fixes a guess that rounding put
    # next to the right bin; further off (uneven edges) a bisection on that side finishes. For ascending
    # edges the result is the one a bisection over all edges gives.
    n = edges.shape[0]
    first = edges[0] if n > 0 else 0.0
    spread = edges[n - 1] - first if n > 1 else 0.0
    scale = (n - 1) / spread if spread > 0.0 else 0.0
    if not scale < np.inf:
        scale = 0.0  # no usable spacing: guess 0 or 1 and search
    top = 0
    nz, ny, nx = values.shape
    for z in range(nz):
        for y in range(ny):
            for x in range(nx):
                if not mask[z, y, x]:
                    levels[z, y, x] = 0
                    continue
                v = np.float64(values[z, y, x])
                f = (v - first) * scale
                if v != v:  # NaN sorts last, as in numpy
                    i = n
                elif not (f >= 0.0):  # below the first edge (or a NaN guess)
                    i = 0
                elif f >= n:
                    i = n
                else:
                    i = int(f) + 1
                if i > 0 and edges[i - 1] > v:  # guess too high
                    i -= 1
                    if i > 0 and edges[i - 1] > v:
                        i = _bisect(edges, v, 0, i - 1)
                elif i < n and edges[i] <= v:  # guess too low
                    i += 1
                    if i < n and edges[i] <= v:
                        i = _bisect(edges, v, i + 1, n)
                levels[z, y, x] = i
                top = max(top, i)
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


def sum_buffer(values: np.ndarray, roi: np.ndarray, steps: np.ndarray) -> np.ndarray:
    """Work space for the neighbour sums of :func:`_neighbourhood`: int32 when no partial sum can leave its
    range (always for grey levels), bounded by the values the ROI voxels and their neighbours read."""
    top = 0
    if len(roi):
        read = values[roi[0] + min(steps.min(initial=0), 0):roi[-1] + max(steps.max(initial=0), 0) + 1]
        top = max(-int(read.min()), int(read.max()))
    return np.empty(_SPAN, np.int32 if top * len(steps) < 2**31 else np.int64)


def neighbourhood(values: np.ndarray, ranks: np.ndarray, roi: np.ndarray, steps: np.ndarray, alpha: float,
                  n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(dependence (n, k + 1), count (n,), s (n,)) float64; see module doc."""
    if values.dtype != np.int32:
        raise ValueError(f"neighbourhood takes the int32 values of the layout, got {values.dtype}")
    steps = np.ascontiguousarray(steps, dtype=np.int64)
    dependence = np.zeros((n, len(steps) + 1), np.float64)
    count = np.zeros(n, np.float64)
    s = np.zeros(n, np.float64)
    valid = np.zeros(n, np.float64)
    _neighbourhood(values, ranks, roi, steps, float(alpha), dependence, count, s, sum_buffer(values, roi, steps), valid)
    return dependence, count, s
