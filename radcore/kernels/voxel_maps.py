"""Voxel feature maps: PyRadiomics' classes in a cube kernel around every ROI voxel, one compiled loop.

For every centre voxel c the kernel holds the voxels v of ``region`` with |v_a - c_a| <= r_a on each axis
a (``radii``; inside the array). Its grey levels keep their values from ``levels`` (the discretisation of
the whole region), renumbered 1..n over the n levels present in the kernel into a small padded flat layout
(:mod:`radcore.kernels.matrices`; the same box for every voxel, so the flat steps are computed once), on
which the shared matrix kernels run unchanged:

- first order: the kernel's intensities sorted, :func:`radcore.kernels.pyrad_firstorder._firstorder`,
  the level histogram's entropy -sum p log2(p + eps) and uniformity sum p^2, and N_p;
- GLCM: :func:`radcore.kernels.matrices._cooccurrence` per offset (``symmetric`` adds the transpose),
  each non-empty matrix normalised and evaluated by :func:`radcore.kernels.glcm_formulas._glcm_one` over
  the kernel's levels with PyRadiomics' N_g, the highest level of the whole region, appended (a zero row:
  it changes only the N_g of IDMN and IDN); the columns averaged over the non-empty offsets (NaN
  ignored); bit a of ``glcm_empty`` set when offset a has no pair;
- GLRLM: :func:`radcore.kernels.matrices._run_lengths`, features per offset by
  :func:`radcore.kernels.count_matrix._features`, averaged (NaN ignored) over the offsets along which two
  kernel voxels share a line (as PyRadiomics drops the others, like the segment's GLRLM);
- GLSZM: zones of :func:`radcore.kernels.zones._zones`, one matrix over the zone sizes that occur
  (:func:`radcore.kernels.glszm._compressed_counts`);
- GLDM and NGTDM: :func:`radcore.kernels.matrices._neighbourhood` (one pass for both), the GLDM by
  :func:`radcore.kernels.count_matrix._features`, the NGTDM by
  :func:`radcore.kernels.ngtdm_formulas._ngtdm_one`.

The loop runs over blocks of centres in a ``numba.prange`` (:func:`voxel_features` ``parallel``), or
serially in the same compiled code for cohort workers (one thread each).
"""

from __future__ import annotations

import math
import types

import numba
import numpy as np

from radcore.kernels.count_matrix import N_FORMULAS as N_COUNT
from radcore.kernels.count_matrix import _features as _count_features
from radcore.kernels.glcm_formulas import N_FORMULAS as N_GLCM
from radcore.kernels.glcm_formulas import _glcm_one
from radcore.kernels.matrices import _SPAN, _cooccurrence, _neighbourhood, _run_lengths
from radcore.kernels.ngtdm_formulas import N_FORMULAS as N_NGTDM
from radcore.kernels.ngtdm_formulas import _ngtdm_one
from radcore.kernels.pyrad_firstorder import _QUANTILES, STAT_NAMES, _firstorder
from radcore.kernels.glszm import _compressed_counts
from radcore.kernels.zones import _back_offsets, _groups, _zones

#: first-order columns: the statistics of :data:`STAT_NAMES`, then entropy, uniformity, N_p
FIRSTORDER_COLUMNS = STAT_NAMES + ("entropy", "uniformity", "n_voxels")
#: voxels per block of the parallel loop (each block allocates its own work space)
BLOCK = 64
CLASSES = ("firstorder", "glcm", "glrlm", "glszm", "gldm", "ngtdm")


@numba.njit(cache=True, nogil=True)
def _nanmean_rows(table, k, out):
    # mean over the first k rows of each column, NaN ignored (NaN when no row has a number)
    for f in range(table.shape[1]):
        total = 0.0
        n = 0
        for a in range(k):
            v = table[a, f]
            if v == v:
                total += v
                n += 1
        out[f] = total / n if n else np.nan


@numba.njit(cache=True, nogil=True)
def _line_pair(values, roi, offset, box):
    # True when two kernel voxels lie on one line along ``offset`` (v and v + m offset, m >= 1)
    bz, by, bx = box[0], box[1], box[2]
    for q in range(roi.shape[0]):
        f = roi[q]
        z = f // (by * bx)
        y = (f // bx) % by
        x = f % bx
        m = 1
        while True:
            zz = z + m * offset[0]
            yy = y + m * offset[1]
            xx = x + m * offset[2]
            if zz < 0 or zz >= bz or yy < 0 or yy >= by or xx < 0 or xx >= bx:
                break
            if values[(zz * by + yy) * bx + xx] > 0:
                return True
            m += 1
    return False


@numba.njit(cache=True, nogil=True)
def _gather(levels, image, region, centre, radii, pad, box, roi, vals, grey, values, lookup):
    # the kernel's voxels: flat index in the local box (ascending), intensity, grey level; the level
    # counts in ``lookup``; returns their number
    nz, ny, nx = levels.shape
    rz, ry, rx = radii[0], radii[1], radii[2]
    by, bx = box[1], box[2]
    count = 0
    for dz in range(-rz, rz + 1):
        z = centre[0] + dz
        if z < 0 or z >= nz:
            continue
        for dy in range(-ry, ry + 1):
            y = centre[1] + dy
            if y < 0 or y >= ny:
                continue
            for dx in range(-rx, rx + 1):
                x = centre[2] + dx
                if x < 0 or x >= nx or not region[z, y, x]:
                    continue
                f = ((dz + rz + pad) * by + dy + ry + pad) * bx + dx + rx + pad
                g = levels[z, y, x]
                roi[count] = f
                vals[count] = image[z, y, x]
                grey[count] = g
                values[f] = g
                lookup[g] += 1
                count += 1
    return count


@numba.njit(cache=True, nogil=True)
def _clear(roi, grey, count, values, ranks, lookup):
    """Undo what :func:`_gather` and the ranking wrote for one kernel, so the block's buffers start clean."""
    for q in range(count):
        f = roi[q]
        values[f] = 0
        ranks[f] = 0
        lookup[grey[q]] = 0


@numba.njit(cache=True, nogil=True)
def _present(lookup, ng):
    # (n, levels present ascending (n + 1, the last slot N_g), their counts); lookup[g] becomes g's rank
    n = 0
    for g in range(1, ng + 1):
        if lookup[g] > 0:
            n += 1
    lv = np.empty(n + 1)
    hist = np.empty(n + 1)
    r = 0
    for g in range(1, ng + 1):
        if lookup[g] > 0:
            lv[r] = g
            hist[r] = lookup[g]
            r += 1
            lookup[g] = r
    lv[n] = ng
    return n, lv, hist


@numba.njit(cache=True, nogil=True)
def _probabilities(counts, symmetric, prob):
    # prob[:n, :n] = the normalised (symmetrised) counts (n, n); False when there is no pair
    n = counts.shape[0]
    tot = 0.0
    for i in range(n):
        for j in range(n):
            v = counts[i, j] + counts[j, i] if symmetric else counts[i, j]
            prob[i, j] = v
            tot += v
    if tot == 0:
        return False
    for i in range(n):
        for j in range(n):
            prob[i, j] /= tot
    return True


@numba.njit(cache=True, nogil=True)
def _formula_space(ng, width, cube, k_glcm, k_runs, k_neighbours):
    # one block's work space of the formulas: the GLCM's p_{x+y}, p_{x-y} and the first-order statistics,
    # the column values j = 1, 2, ... of the run-length (and distance) and dependence matrices, the zone
    # columns of _compressed_counts (zeros), and the per-direction tables of the GLCM and GLRLM
    return (np.empty(max(2 * ng - 1, 1)), np.empty(max(ng, 1)), np.empty(len(STAT_NAMES)),
            np.arange(1, width + 1).astype(np.float64), np.arange(1, k_neighbours + 2).astype(np.float64),
            np.zeros(cube + 1, np.int64), np.empty((max(k_glcm, 1), N_GLCM)), np.empty((max(k_runs, 1), N_COUNT)))


def _body(levels, image, region, centres, radii, pad, box, ng, flags, glcm_steps, glrlm_steps, glrlm_offsets,
          nb_steps, zone_steps, n_groups, rep, symmetric, eps, shift, alpha, quantiles,
          o_levels, o_first, o_glcm, o_empty, o_glrlm, o_glszm, o_gldm, o_ngtdm):
    # one block of BLOCK centres per prange iteration, each with its own work space; per centre: gather the
    # kernel into the local layout, rank its levels, run the enabled classes, clear what it wrote
    rz, ry, rx = radii[0], radii[1], radii[2]
    bz, by, bx = box[0], box[1], box[2]
    size = bz * by * bx
    width = 2 * max(rz, max(ry, rx)) + 1
    cube = (2 * rz + 1) * (2 * ry + 1) * (2 * rx + 1)
    n_centres = centres.shape[0]
    n_blocks = (n_centres + BLOCK - 1) // BLOCK
    k_glcm = glcm_steps.shape[0]
    k_rl = glrlm_steps.shape[0]
    k_nb = nb_steps.shape[0]
    for blk in numba.prange(n_blocks):
        values = np.zeros(size, np.int32)
        ranks = np.zeros(size, np.int32)
        length = np.zeros(size, np.int32)
        parent = np.empty(size, np.int32)
        row_mask = np.empty(bx, np.int32)
        no_labels = np.empty(0, np.int32)
        roi = np.empty(cube, np.int64)
        vals = np.empty(cube)
        grey = np.empty(cube, np.int32)
        lookup = np.zeros(ng + 2, np.int32)
        total_buf = np.empty(_SPAN, np.int32)
        psum, pdiff, stats, jv_run, jv_dep, column, glcm_table, rl_table = _formula_space(ng, width, cube, k_glcm,
                                                                                         k_rl, k_nb)
        for t in range(blk * BLOCK, min((blk + 1) * BLOCK, n_centres)):
            count = _gather(levels, image, region, centres[t], radii, pad, box, roi, vals, grey, values, lookup)
            n, lv, hist = _present(lookup, ng)
            n_ext = n if lv[n - 1] == ng else n + 1
            for q in range(count):
                ranks[roi[q]] = lookup[grey[q]]
            o_levels[t] = n
            lv_n = lv[:n]
            if flags[0]:
                s = np.sort(vals[:count])
                _firstorder(s, shift, quantiles, stats)
                for q in range(stats.shape[0]):
                    o_first[t, q] = stats[q]
                entropy = 0.0
                uniformity = 0.0
                for q in range(n):
                    p = hist[q] / count
                    entropy -= p * math.log2(p + eps)
                    uniformity += p * p
                o_first[t, stats.shape[0]] = entropy
                o_first[t, stats.shape[0] + 1] = uniformity
                o_first[t, stats.shape[0] + 2] = count
            if flags[1]:
                counts = np.zeros((k_glcm, n_ext, n_ext))
                _cooccurrence(ranks, roi[:count], glcm_steps, counts)
                px = np.empty(n_ext)
                py = np.empty(n_ext)
                prob = np.empty((n_ext, n_ext))
                kept = 0
                bits = np.int64(0)
                for a in range(k_glcm):
                    if not _probabilities(counts[a], symmetric, prob):
                        bits |= np.int64(1) << a
                        continue
                    _glcm_one(prob, lv[:n_ext], eps, False, px, py, psum, pdiff, glcm_table[kept])
                    kept += 1
                _nanmean_rows(glcm_table, kept, o_glcm[t])
                o_empty[t] = bits
            if flags[2]:
                runs = np.zeros((k_rl, n, width))
                _run_lengths(ranks, roi[:count], glrlm_steps, length, runs)
                _count_features(runs, lv_n, jv_run, eps, rl_table)
                lines = 0
                for a in range(k_rl):
                    if _line_pair(values, roi[:count], glrlm_offsets[a], box):
                        rl_table[lines] = rl_table[a]
                        lines += 1
                _nanmean_rows(rl_table, lines, o_glrlm[t])
            if flags[3]:
                zone_rank, zone_size = _zones(ranks, roi[:count], bx, zone_steps, n_groups, rep, parent, row_mask,
                                              no_labels)
                sizes, jv_size = _compressed_counts(zone_rank, zone_size, n, column)
                _count_features(sizes, lv_n, jv_size, eps, o_glszm[t:t + 1])
            if flags[4] or flags[5]:
                dependence = np.zeros((n, k_nb + 1))
                n_level = np.zeros(n)
                s_level = np.zeros(n)
                valid = np.zeros(n)
                _neighbourhood(values, ranks, roi[:count], nb_steps, alpha, dependence, n_level, s_level,
                               total_buf, valid)
                if flags[4]:
                    _count_features(dependence.reshape((1, n, k_nb + 1)), lv_n, jv_dep, eps, o_gldm[t:t + 1])
                if flags[5]:
                    _ngtdm_one(n_level, s_level, lv_n, o_ngtdm[t])
            _clear(roi, grey, count, values, ranks, lookup)


def serial_and_parallel(body):
    """Two dispatchers of the loop ``body``: compiled serially, and with ``parallel=True`` (its ``prange``
    on numba's threads). They must not share numba's cache, whose index is keyed by the function's name,
    line and signature but not by ``parallel``: the one compiled first would serve both (a parallel loop
    running serially, or a cohort worker's serial loop on every thread). The parallel one compiles a copy of
    ``body`` named ``<name>_parallel``, cached apart."""
    copy = types.FunctionType(body.__code__, body.__globals__, body.__name__ + "_parallel", body.__defaults__,
                              body.__closure__)
    copy.__qualname__ = body.__qualname__ + "_parallel"
    return numba.njit(cache=True, nogil=True)(body), numba.njit(cache=True, nogil=True, parallel=True)(copy)


_serial, _parallel = serial_and_parallel(_body)


def _stack_body(levels, region, centres, radii, pad, box, ng, glcm_steps, symmetric, sizes, starts, flat):
    k_glcm = glcm_steps.shape[0]
    cube = (2 * radii[0] + 1) * (2 * radii[1] + 1) * (2 * radii[2] + 1)
    size = box[0] * box[1] * box[2]
    for blk in numba.prange((centres.shape[0] + BLOCK - 1) // BLOCK):
        values = np.zeros(size, np.int32)
        ranks = np.zeros(size, np.int32)
        roi = np.empty(cube, np.int64)
        vals = np.empty(cube)
        grey = np.empty(cube, np.int32)
        lookup = np.zeros(ng + 2, np.int32)
        for t in range(blk * BLOCK, min((blk + 1) * BLOCK, centres.shape[0])):
            # (intensities are not needed: the levels stand in for them)
            count = _gather(levels, levels, region, centres[t], radii, pad, box, roi, vals, grey, values, lookup)
            _present(lookup, ng)  # ranks the levels present
            for q in range(count):
                ranks[roi[q]] = lookup[grey[q]]
            m = sizes[t]
            counts = np.zeros((k_glcm, m, m))
            _cooccurrence(ranks, roi[:count], glcm_steps, counts)
            prob = np.zeros((m, m))
            for a in range(k_glcm):
                if _probabilities(counts[a], symmetric, prob):
                    start = starts[t] + a * m * m
                    for i in range(m):
                        for j in range(m):
                            flat[start + i * m + j] = prob[i, j]
            _clear(roi, grey, count, values, ranks, lookup)


_stack_serial, _stack_parallel = serial_and_parallel(_stack_body)


def glcm_stack(levels: np.ndarray, region: np.ndarray, centres: np.ndarray, radii, n_levels: int,
               glcm_offsets: np.ndarray, symmetric: bool, sizes: np.ndarray, parallel: bool = False) -> np.ndarray:
    """The normalised GLCMs of the kernels around ``centres`` (as :func:`voxel_features` counts them), the
    matrix of centre t over its kernel's levels padded with zero rows and columns to ``sizes[t]`` (>= its
    level count): float64 (sum_t k sizes[t]^2,), offset a of centre t at ``k * cumsum(sizes^2)[t - 1] +
    a sizes[t]^2``, all zero for an offset without pairs."""
    radii = np.asarray([int(r) for r in radii], np.int64)
    pad = int(max(np.abs(np.asarray(glcm_offsets)).max(initial=1), 1))
    box = tuple(int(2 * r + 1 + 2 * pad) for r in radii)
    k = len(glcm_offsets)
    sizes = np.ascontiguousarray(sizes, dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(k * sizes**2)[:-1]]).astype(np.int64)
    flat = np.zeros(int(k * np.sum(sizes**2)))
    run = _stack_parallel if parallel else _stack_serial
    run(np.ascontiguousarray(levels, dtype=np.int32), np.ascontiguousarray(region, dtype=np.bool_),
        np.ascontiguousarray(centres, dtype=np.int64), radii, pad, np.array(box, np.int64), int(n_levels),
        _steps(glcm_offsets, box), bool(symmetric), sizes, starts, flat)
    return flat


def _steps(offsets: np.ndarray, box: tuple[int, int, int]) -> np.ndarray:
    offsets = np.asarray(offsets, dtype=np.int64).reshape(-1, 3)
    return np.ascontiguousarray(offsets @ np.array([box[1] * box[2], box[2], 1], np.int64))


def voxel_features(levels: np.ndarray, image: np.ndarray, region: np.ndarray, centres: np.ndarray, radii,
                   n_levels: int, classes, glcm_offsets: np.ndarray, glrlm_offsets: np.ndarray,
                   neighbour_offsets: np.ndarray, zone_offsets: np.ndarray, symmetric: bool, eps: float,
                   shift: float, alpha: float, parallel: bool = False) -> dict[str, np.ndarray]:
    """Per-voxel class results of the kernels around ``centres``; see module doc.

    levels     int32 (z, y, x): grey levels >= 1 inside ``region``, at most ``n_levels``
    image      float64 (z, y, x): the intensities first order reads
    region     bool (z, y, x): the voxels a kernel may hold (the ROI, or everything for an unmasked kernel)
    centres    int64 (N, 3): the centre voxels (z, y, x)
    radii      the kernel's half width per axis (z, y, x)
    classes    the class names (of :data:`CLASSES`) to compute
    *_offsets  (k, 3) offsets (dz, dy, dx): GLCM (one of each opposite pair), GLRLM (the lexicographically
               positive one of each pair), GLDM / NGTDM neighbours (both of each pair), zone links

    Returns {"firstorder": (N, 17) (:data:`FIRSTORDER_COLUMNS`), "glcm": (N, 25) (the columns of
    :func:`radcore.kernels.glcm_formulas.glcm_features`), "glcm_empty": int64 (N,), "glrlm", "glszm",
    "gldm": (N, 17) (:func:`radcore.kernels.count_matrix.count_matrix_features`), "ngtdm": (N, 5)} for the
    classes asked for.
    """
    radii = np.asarray([int(r) for r in radii], np.int64)
    distances = [np.abs(np.asarray(o)).max(initial=1) for o in (glcm_offsets, neighbour_offsets)]
    pad = int(max(max(distances), 1))
    box = tuple(int(2 * r + 1 + 2 * pad) for r in radii)
    back = _back_offsets(zone_offsets)
    zone_steps = np.array([dz * box[1] * box[2] + dy * box[2] + dx for dz, dy, dx in back] + [0], np.int64)
    n_groups, rep = _groups(back)
    rl_steps = _steps(glrlm_offsets, box)
    if np.any(rl_steps <= 0):
        raise ValueError("run directions must have positive flat steps (one of each opposite pair)")
    n = centres.shape[0]
    flags = np.array([c in classes for c in CLASSES], np.bool_)
    shapes = {"firstorder": len(FIRSTORDER_COLUMNS), "glcm": N_GLCM, "glrlm": N_COUNT, "glszm": N_COUNT,
              "gldm": N_COUNT, "ngtdm": N_NGTDM}
    out = {c: np.full((n if c in classes else 0, shapes[c]), np.nan) for c in CLASSES}
    out["glcm_empty"] = np.zeros(n if "glcm" in classes else 0, np.int64)
    out["levels"] = np.zeros(n, np.int64)
    run = _parallel if parallel else _serial
    run(np.ascontiguousarray(levels, dtype=np.int32), np.ascontiguousarray(image, dtype=np.float64),
        np.ascontiguousarray(region, dtype=np.bool_), np.ascontiguousarray(centres, dtype=np.int64), radii, pad,
        np.array(box, np.int64), int(n_levels), flags, _steps(glcm_offsets, box), rl_steps,
        np.ascontiguousarray(glrlm_offsets, dtype=np.int64).reshape(-1, 3),
        _steps(neighbour_offsets, box), zone_steps.view(np.uint64), n_groups, rep, bool(symmetric), float(eps),
        float(shift), float(alpha), np.array(_QUANTILES), out["levels"], out["firstorder"], out["glcm"], out["glcm_empty"],
        out["glrlm"], out["glszm"], out["gldm"], out["ngtdm"])
    return {c: v for c, v in out.items() if c in classes or c == "levels" or (c == "glcm_empty" and "glcm" in classes)}
