"""Voxel feature maps of the IBSI profile: every family's 3D matrices in the box around each voxel, one
compiled loop.

For every centre voxel c its neighbourhood N(c) holds the voxels v of the intensity mask with
|v_a - c_a| <= r_a on each axis a (``radii``; inside the array). As for PyRadiomics' maps
(:mod:`radcore.kernels.voxel_maps`, whose gathering and ranking this loop shares) N(c) is laid out in a
small padded flat box, its grey levels (the discretisation of the whole ROI) renumbered 1..n over the n
levels present, and the shared matrix kernels run on it unchanged:

- ``stat``: the sorted intensities, :func:`radcore.kernels.stat_formulas._stat_one`; ``ih``: the level
  histogram over 1..N_g, :func:`radcore.kernels.stat_formulas._ih_one`;
- GLCM: :func:`radcore.kernels.matrices._cooccurrence` along the 13 directions (times the distance),
  symmetrised and normalised; ``3D_avg`` evaluates each non-empty direction by
  :func:`radcore.kernels.glcm_formulas._glcm_one` (IBSI rules, levels present with N_g, the ROI's highest
  level, appended as a zero row) and averages (NaN ignored), ``3D_comb`` evaluates the directions' sum;
- GLRLM: :func:`radcore.kernels.matrices._run_lengths` along the 13 directions, evaluated by
  :func:`radcore.kernels.count_matrix._features` per direction (``3D_avg``) or summed (``3D_comb``);
- GLSZM and GLDZM: 26-connected zones of :func:`radcore.kernels.zones._zones`, counted over the sizes or
  distances that occur (:func:`radcore.kernels.glszm._compressed_counts`); the zone distance is the
  minimum over the zone of the 6-connected distance to the edge of the morphological mask in the box
  (:func:`radcore.kernels.zones._distance_to_edge`; the mask, joined with the intensity mask as the GLDZM
  joins them, is gathered into the box as N(c) is); the percentage's N_v is N(c)'s voxel count;
- NGTDM and NGLDM: :func:`radcore.kernels.matrices._neighbourhood` over the box of Chebyshev distance d
  (one pass when both families have the same d), the NGTDM (voxels with a neighbour) by
  :func:`radcore.kernels.ngtdm_formulas._ngtdm_one`, the NGLDM by the count-matrix formulas.

The values are those of each family's own ``compute`` on N(c) up to the order of floating-point sums
(``tests/radcore/profiles/test_ibsi_maps.py``). The loop runs over blocks of centres in a ``numba.prange``
(:func:`ibsi_voxel_features` ``parallel``), or serially in the same compiled code for cohort workers.
"""

from __future__ import annotations

import numba
import numpy as np

from radcore.kernels.count_matrix import N_FORMULAS as N_COUNT
from radcore.kernels.count_matrix import _features as _count_features
from radcore.kernels.glcm_formulas import N_FORMULAS as N_GLCM
from radcore.kernels.glcm_formulas import _glcm_one
from radcore.kernels.glszm import _compressed_counts
from radcore.kernels.matrices import _SPAN, _cooccurrence, _neighbourhood, _run_lengths
from radcore.kernels.ngtdm_formulas import N_FORMULAS as N_NGTDM
from radcore.kernels.ngtdm_formulas import _ngtdm_one
from radcore.kernels.pyrad_firstorder import _QUANTILES
from radcore.kernels.stat_formulas import N_IH, N_STAT, _ih_one, _stat_one
from radcore.kernels.voxel_maps import (BLOCK, _clear, _formula_space, _gather, _nanmean_rows, _present,
                                        _probabilities, _steps, serial_and_parallel)
from radcore.kernels.zones import _back_offsets, _distance_to_edge, _groups, _zones, box_offsets, neighbour_offsets

#: what :func:`ibsi_voxel_features` computes, in the order of its ``flags``
PARTS = ("stat", "ih", "glcm_3D_avg", "glcm_3D_comb", "glrlm_3D_avg", "glrlm_3D_comb", "glszm", "gldzm", "ngtdm",
         "ngldm")


@numba.njit(cache=True, nogil=True)
def _glcm_3d(counts, lv, flags, glcm_table, prob, comb, px, py, psum, pdiff, o_glcm):
    # o_glcm[0]: 3D_avg (the non-empty directions' features, NaN ignored), o_glcm[1]: 3D_comb
    k = counts.shape[0]
    n = counts.shape[1]
    comb[:, :] = 0.0
    kept = 0
    for a in range(k):
        for i in range(n):
            for j in range(n):
                comb[i, j] += counts[a, i, j]
        if flags[2] and _probabilities(counts[a], True, prob):
            _glcm_one(prob, lv, 0.0, True, px, py, psum, pdiff, glcm_table[kept])
            kept += 1
    if flags[2]:
        _nanmean_rows(glcm_table, kept, o_glcm[0])
    if flags[3] and _probabilities(comb, True, prob):
        _glcm_one(prob, lv, 0.0, True, px, py, psum, pdiff, o_glcm[1])


@numba.njit(cache=True, nogil=True)
def _glrlm_3d(runs, lv, jv, flags, rl_table, o_glrlm):
    # o_glrlm[0]: 3D_avg over the 13 directions (each holds every voxel's run), o_glrlm[1]: 3D_comb
    if flags[4]:
        _count_features(runs, lv, jv, 0.0, rl_table)
        _nanmean_rows(rl_table, runs.shape[0], o_glrlm[0])
    if flags[5]:
        comb = np.zeros((1, runs.shape[1], runs.shape[2]))
        for a in range(runs.shape[0]):
            comb[0] += runs[a]
        _count_features(comb, lv, jv, 0.0, o_glrlm[1:2])


def _body(levels, image, region, edge_levels, edge_image, edge_region, centres, radii, pad, box, ng, flags,
          glcm_steps, rl_steps, zone_steps, n_groups, rep, edge_steps, ngtdm_steps, ngldm_steps, alpha, perc,
          quantiles, o_stat, o_ih, o_glcm, o_glrlm, o_glszm, o_gldzm, o_ngtdm, o_ngldm):
    # one block of BLOCK centres per prange iteration, each with its own work space; per centre: gather
    # N(c) into the local layout, rank its levels, run the enabled families, clear what it wrote. The
    # edge_* arrays are the GLDZM's edge mask as int32 levels, float64 intensities (unread) and region, so
    # that _gather lays it out as it lays out N(c)
    rz, ry, rx = radii[0], radii[1], radii[2]
    bx = box[2]
    size = box[0] * box[1] * bx
    width = 2 * max(rz, max(ry, rx)) + 1
    cube = (2 * rz + 1) * (2 * ry + 1) * (2 * rx + 1)
    n_centres = centres.shape[0]
    k_glcm = glcm_steps.shape[0]
    k_rl = rl_steps.shape[0]
    k_td = ngtdm_steps.shape[0]
    k_ld = ngldm_steps.shape[0]
    shared_nb = k_td == k_ld and flags[8] and flags[9]
    for blk in numba.prange((n_centres + BLOCK - 1) // BLOCK):
        values = np.zeros(size, np.int32)
        ranks = np.zeros(size, np.int32)
        length = np.zeros(size, np.int32)
        parent = np.empty(size, np.int32)
        labels = np.zeros(size, np.int32)
        edge = np.zeros(size, np.int32)
        dist = np.zeros(size, np.int32)
        queue = np.empty(size, np.int64)
        edge_roi = np.empty(cube, np.int64)  # the union of the masks in the box (GLDZM), gathered as N(c)
        edge_vals = np.empty(cube)
        edge_grey = np.empty(cube, np.int32)
        edge_lookup = np.zeros(2, np.int32)
        row_mask = np.empty(bx, np.int32)
        roi = np.empty(cube, np.int64)
        vals = np.empty(cube)
        grey = np.empty(cube, np.int32)
        work = np.empty(cube)
        lookup = np.zeros(ng + 2, np.int32)
        histogram = np.zeros(ng)
        total_buf = np.empty(_SPAN, np.int32)
        shared = np.empty(N_STAT)
        psum, pdiff, stats, jv_run, jv_dep, column, glcm_table, rl_table = _formula_space(ng, width, cube, k_glcm,
                                                                                         k_rl, k_ld)
        for t in range(blk * BLOCK, min((blk + 1) * BLOCK, n_centres)):
            count = _gather(levels, image, region, centres[t], radii, pad, box, roi, vals, grey, values, lookup)
            if flags[1]:
                for q in range(count):
                    histogram[grey[q] - 1] += 1.0
                _ih_one(histogram, work, quantiles, stats, shared, o_ih[t])
                for q in range(count):
                    histogram[grey[q] - 1] = 0.0
            n, lv, hist = _present(lookup, ng)
            n_ext = n if lv[n - 1] == ng else n + 1
            for q in range(count):
                ranks[roi[q]] = lookup[grey[q]]
            lv_n = lv[:n]
            if flags[0]:
                _stat_one(np.sort(vals[:count]), quantiles, stats, o_stat[t])
            if flags[2] or flags[3]:
                counts = np.zeros((k_glcm, n_ext, n_ext))
                _cooccurrence(ranks, roi[:count], glcm_steps, counts)
                _glcm_3d(counts, lv[:n_ext], flags, glcm_table, np.empty((n_ext, n_ext)), np.empty((n_ext, n_ext)),
                         np.empty(n_ext), np.empty(n_ext), psum, pdiff, o_glcm[t])
            if flags[4] or flags[5]:
                runs = np.zeros((k_rl, n, width))
                _run_lengths(ranks, roi[:count], rl_steps, length, runs)
                _glrlm_3d(runs, lv_n, jv_run, flags, rl_table, o_glrlm[t])
            if flags[6] or flags[7]:
                zone_rank, zone_size = _zones(ranks, roi[:count], bx, zone_steps, n_groups, rep, parent, row_mask,
                                              labels)
                n_zones = zone_rank.shape[0]
                if flags[6]:  # sum_j j s_j = N_v: the formula's percentage is the IBSI's
                    sizes, jv_size = _compressed_counts(zone_rank, zone_size, n, column)
                    _count_features(sizes, lv_n, jv_size, 0.0, o_glszm[t:t + 1])
                if flags[7]:
                    m = _gather(edge_levels, edge_image, edge_region, centres[t], radii, pad, box, edge_roi, edge_vals,
                                edge_grey, edge, edge_lookup)
                    _distance_to_edge(edge, edge_steps, dist, queue)
                    nearest = np.full(n_zones, width, np.int64)
                    for q in range(count):
                        z = labels[roi[q]] - 1
                        nearest[z] = min(nearest[z], dist[roi[q]])
                    distances, jv_distance = _compressed_counts(zone_rank, nearest, n, column)
                    _count_features(distances, lv_n, jv_distance, 0.0, o_gldzm[t:t + 1])
                    o_gldzm[t, perc] = n_zones / count
                    _clear(edge_roi, edge_grey, m, edge, dist, edge_lookup)
            if flags[8] or flags[9]:
                dependence = np.zeros((n, k_ld + 1))
                n_level = np.zeros(n)
                s_level = np.zeros(n)
                valid = np.zeros(n)
                if flags[9] or shared_nb:
                    _neighbourhood(values, ranks, roi[:count], ngldm_steps, alpha, dependence, n_level, s_level,
                                   total_buf, valid)
                if flags[9]:
                    _count_features(dependence.reshape((1, n, k_ld + 1)), lv_n, jv_dep, 0.0, o_ngldm[t:t + 1])
                    o_ngldm[t, perc] = 1.0  # every voxel is a neighbourhood: N_s = N_v
                if flags[8]:
                    if not shared_nb:
                        s_level[:] = 0.0
                        valid[:] = 0.0
                        _neighbourhood(values, ranks, roi[:count], ngtdm_steps, alpha, np.zeros((n, k_td + 1)),
                                       n_level, s_level, total_buf, valid)
                    _ngtdm_one(valid, s_level, lv_n, o_ngtdm[t])
            _clear(roi, grey, count, values, ranks, lookup)


_serial, _parallel = serial_and_parallel(_body)


def ibsi_voxel_features(levels: np.ndarray, image: np.ndarray, int_mask: np.ndarray, morph_mask: np.ndarray,
                        centres: np.ndarray, radii, n_levels: int, parts, glcm_distance: int, ngtdm_distance: int,
                        ngldm_distance: int, alpha: float, percentage_column: int,
                        parallel: bool = False) -> dict[str, np.ndarray]:
    """Per-voxel family values in the neighbourhoods of ``centres``; see module doc.

    levels      int32 (z, y, x): grey levels 1..``n_levels`` inside ``int_mask`` (the whole ROI's)
    image       float64 (z, y, x): the intensities ``stat`` reads
    int_mask    bool (z, y, x): the intensity mask; ``morph_mask`` the morphological one (GLDZM edges)
    centres     int64 (N, 3): the centre voxels (z, y, x), inside ``int_mask``
    radii       the box's half width per axis (z, y, x)
    parts       the names (of :data:`PARTS`) to compute
    percentage_column  the count-matrix column of the percentage, whose N_v the zone and dependence
                families replace

    Returns {"stat": (N, 18), "ih": (N, 23) (the registry's orders), "glcm": (N, 2, 25) (3D_avg, 3D_comb;
    :func:`radcore.kernels.glcm_formulas.glcm_features`' columns), "glrlm": (N, 2, 17), "glszm", "gldzm",
    "ngldm": (N, 17) (:func:`radcore.kernels.count_matrix.count_matrix_features`' columns), "ngtdm": (N, 5)},
    NaN in what ``parts`` leaves out.
    """
    from radcore.kernels import directions

    radii = np.asarray([int(r) for r in radii], np.int64)
    pad = int(max(glcm_distance, ngtdm_distance, ngldm_distance, 1))
    box = tuple(int(2 * r + 1 + 2 * pad) for r in radii)
    back = _back_offsets(neighbour_offsets(26))
    zone_steps = np.array([dz * box[1] * box[2] + dy * box[2] + dx for dz, dy, dx in back] + [0], np.int64)
    n_groups, rep = _groups(back)
    n = centres.shape[0]
    flags = np.array([p in parts for p in PARTS], np.bool_)
    out = {"stat": np.full((n if flags[0] else 0, N_STAT), np.nan),
           "ih": np.full((n if flags[1] else 0, N_IH), np.nan),
           "glcm": np.full((n if flags[2] or flags[3] else 0, 2, N_GLCM), np.nan),
           "glrlm": np.full((n if flags[4] or flags[5] else 0, 2, N_COUNT), np.nan),
           "glszm": np.full((n if flags[6] else 0, N_COUNT), np.nan),
           "gldzm": np.full((n if flags[7] else 0, N_COUNT), np.nan),
           "ngtdm": np.full((n if flags[8] else 0, N_NGTDM), np.nan),
           "ngldm": np.full((n if flags[9] else 0, N_COUNT), np.nan)}
    run = _parallel if parallel else _serial
    union = np.asarray(int_mask, dtype=np.bool_) | np.asarray(morph_mask, dtype=np.bool_)  # the GLDZM's edge mask
    run(np.ascontiguousarray(levels, dtype=np.int32), np.ascontiguousarray(image, dtype=np.float64),
        np.ascontiguousarray(int_mask, dtype=np.bool_), union.astype(np.int32), union.astype(np.float64), union,
        np.ascontiguousarray(centres, dtype=np.int64), radii, pad, np.array(box, np.int64), int(n_levels), flags,
        _steps(directions.offsets(glcm_distance), box), _steps(directions.VOLUME, box), zone_steps.view(np.uint64),
        n_groups, rep, _steps(neighbour_offsets(6), box), _steps(_box(ngtdm_distance), box),
        _steps(_box(ngldm_distance), box), float(alpha), int(percentage_column), np.array(_QUANTILES),
        out["stat"], out["ih"], out["glcm"], out["glrlm"], out["glszm"], out["gldzm"], out["ngtdm"], out["ngldm"])
    return out


def _box(distance: int) -> np.ndarray:
    return box_offsets((int(distance),) * 3)
