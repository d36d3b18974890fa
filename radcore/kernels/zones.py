"""Connected zones of equal grey level, distance to the ROI edge, per-zone minima (IBSI 3.8, 3.9).

Grey-level arrays are (z, y, x) int32 with levels >= 1 inside the ROI and 0 outside (as
``radcore.roi.Discretised.levels``). Neighbourhoods are given by a connectivity:

==============  ===========================================================================
connectivity    neighbours of a voxel
==============  ===========================================================================
4               in-plane, faces only (2D, per slice)
8               in-plane, faces and corners (2D, per slice; IBSI zones by slice)
6               3D faces (IBSI distance steps in 3D)
18              3D faces and edges
26              3D faces, edges and corners (IBSI zones in 3D)
==============  ===========================================================================

Public API (Python wrappers validate and allocate; the ``_``-prefixed numba kernels fill):

``label_zones(levels, connectivity) -> (labels, zone_level, zone_size)``
    ``labels`` int32 like ``levels``: zone number 1..n_zones, 0 outside. Zones are numbered in raster
    (z, y, x) order of their first voxel, so with an in-plane connectivity (4, 8) the zones are sorted by
    slice. ``zone_level`` int32 (n_zones,) the zone's grey level, ``zone_size`` int64 (n_zones,) its
    number of voxels. A zone is a maximal set of voxels of one grey level linked by the neighbourhood.

``zone_slices(labels, n_zones) -> int64 (n_zones,)``
    the slice (z index) of each zone's first voxel.

``distance_to_edge(mask, connectivity) -> int32 like mask``
    for each voxel of ``mask`` the smallest number of steps (to a neighbour given by ``connectivity``,
    4 or 6 for the IBSI Manhattan distance) that leaves the mask; voxels with a neighbour outside the mask
    (or outside the array) get 1; 0 outside the mask. With an in-plane connectivity (4, 8) every slice is
    its own 2D problem.

``zone_minimum(labels, values, n_zones) -> int64 (n_zones,)``
    minimum of ``values`` over the voxels of each zone (the IBSI zone distance when ``values`` is the
    distance map).

Helpers shared with the NGTDM / NGLDM kernels: ``neighbour_offsets(connectivity)`` and
``box_offsets((dz, dy, dx))`` give (k, 3) neighbour offsets; the kernels run on raveled arrays zero-padded
by ``padded`` so neighbours need no bounds checks, stepping by ``flat_offsets(offsets, padded_shape)``.
"""

from __future__ import annotations

import numba
import numpy as np

from radcore.errors import InvalidImageError
from radcore.kernels.matrices import zone_labels

CONNECTIVITIES = (4, 8, 6, 18, 26)


def neighbour_offsets(connectivity: int) -> np.ndarray:
    """(k, 3) int64 (dz, dy, dx) offsets of the neighbours for ``connectivity`` (centre excluded)."""
    if connectivity not in CONNECTIVITIES:
        raise ValueError(f"connectivity must be one of {CONNECTIVITIES}, got {connectivity!r}")
    box = box_offsets((0, 1, 1) if connectivity in (4, 8) else (1, 1, 1))
    max_steps = {4: 1, 8: 2, 6: 1, 18: 2, 26: 3}[connectivity]
    return np.ascontiguousarray(box[np.abs(box).sum(axis=1) <= max_steps])


def box_offsets(distance: tuple[int, int, int]) -> np.ndarray:
    """(k, 3) int64 offsets of the box within Chebyshev distance (dz, dy, dx), centre excluded."""
    dz, dy, dx = distance
    grid = np.mgrid[-dz:dz + 1, -dy:dy + 1, -dx:dx + 1].reshape(3, -1).T
    return np.ascontiguousarray(grid[np.any(grid != 0, axis=1)], dtype=np.int64)


def padded(array: np.ndarray, pad: tuple[int, int, int], dtype) -> np.ndarray:
    """``array`` as ``dtype`` with ``pad`` zeros (False) around each axis, C-contiguous."""
    return np.pad(np.asarray(array, dtype=dtype), [(p, p) for p in pad])


def flat_offsets(offsets: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """int64 (k,): ``offsets`` (k, 3) as steps in the raveled C-order array of ``shape``."""
    return np.ascontiguousarray(offsets @ np.array([shape[1] * shape[2], shape[2], 1], np.int64))


# The kernels below work on raveled arrays padded with one zero voxel per side, so neighbours never leave
# the array and need no bounds checks.


def label_zones(levels: np.ndarray, connectivity: int = 26) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Zones of equal grey level: (labels int32, zone_level int32, zone_size int64); see module doc.

    The zones come from the union-find kernel the PyRadiomics classes use
    (:func:`radcore.kernels.matrices.zone_labels`), run on the grey levels themselves.
    """
    levels = _as_levels(levels)
    pad = padded(levels, (1, 1, 1), np.int32)
    steps = flat_offsets(neighbour_offsets(connectivity), pad.shape)
    flat = pad.ravel()
    labels, zone_level, zone_size = zone_labels(flat, np.flatnonzero(flat > 0), steps[steps < 0])
    return labels.reshape(pad.shape)[1:-1, 1:-1, 1:-1].copy(), zone_level, zone_size


@numba.njit(cache=True, nogil=True)
def _zone_slices(labels, out):
    nz, ny, nx = labels.shape
    for z in range(nz):
        for y in range(ny):
            for x in range(nx):
                lab = labels[z, y, x]
                if lab > 0 and out[lab - 1] < 0:
                    out[lab - 1] = z


def zone_slices(labels: np.ndarray, n_zones: int) -> np.ndarray:
    """int64 (n_zones,): the z index of each zone's first voxel."""
    out = np.full(n_zones, -1, np.int64)
    _zone_slices(np.ascontiguousarray(labels, dtype=np.int32), out)
    return out


@numba.njit(cache=True, nogil=True)
def _distance_to_edge(mask, steps, dist, queue):
    """Multi-source breadth-first search from the mask's edge voxels (distance 1) inwards.

    ``queue`` is int64 work space with room for every mask voxel.
    """
    tail = 0
    for c in range(mask.size):
        if not mask[c]:
            continue
        for k in range(steps.size):
            if not mask[c + steps[k]]:
                dist[c] = 1
                queue[tail] = c
                tail += 1
                break
    head = 0
    while head < tail:
        c = queue[head]
        head += 1
        d = dist[c] + 1
        for k in range(steps.size):
            q = c + steps[k]
            if mask[q] and dist[q] == 0:
                dist[q] = d
                queue[tail] = q
                tail += 1


def distance_to_edge(mask: np.ndarray, connectivity: int = 6) -> np.ndarray:
    """int32 steps to leave ``mask`` (1 on its edge, 0 outside); see module doc."""
    mask = np.asarray(mask)
    if mask.ndim != 3:
        raise InvalidImageError(f"mask must be a 3D (z, y, x) array, got shape {mask.shape}")
    pad = padded(mask, (1, 1, 1), np.bool_)
    steps = flat_offsets(neighbour_offsets(connectivity), pad.shape)
    dist = np.zeros(pad.shape, np.int32)
    queue = np.empty(max(int(np.count_nonzero(pad)), 1), np.int64)
    _distance_to_edge(pad.ravel(), steps, dist.ravel(), queue)
    return dist[1:-1, 1:-1, 1:-1].copy()


@numba.njit(cache=True, nogil=True)
def _zone_minimum(labels, values, out):
    for c in range(labels.size):
        lab = labels[c]
        if lab > 0 and values[c] < out[lab - 1]:
            out[lab - 1] = values[c]


def zone_minimum(labels: np.ndarray, values: np.ndarray, n_zones: int) -> np.ndarray:
    """int64 (n_zones,): minimum of ``values`` over each zone's voxels."""
    labels = np.ascontiguousarray(labels, dtype=np.int32)
    values = np.ascontiguousarray(values, dtype=np.int64)
    if labels.shape != values.shape:
        raise InvalidImageError(f"labels {labels.shape} and values {values.shape} must have the same shape")
    out = np.full(n_zones, np.iinfo(np.int64).max, np.int64)
    _zone_minimum(labels.ravel(), values.ravel(), out)
    return out


def _as_levels(levels: np.ndarray) -> np.ndarray:
    levels = np.asarray(levels)
    if levels.ndim != 3:
        raise InvalidImageError(f"levels must be a 3D (z, y, x) array, got shape {levels.shape}")
    if not np.issubdtype(levels.dtype, np.integer):
        raise InvalidImageError(f"levels must hold integer grey levels, got dtype {levels.dtype}")
    return np.ascontiguousarray(levels, dtype=np.int32)
