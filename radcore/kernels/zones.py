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
"""

from __future__ import annotations

import numba
import numpy as np

from radcore.errors import InvalidImageError

CONNECTIVITIES = (4, 8, 6, 18, 26)


def neighbour_offsets(connectivity: int) -> np.ndarray:
    """(k, 3) int64 (dz, dy, dx) offsets of the neighbours for ``connectivity`` (centre excluded)."""
    if connectivity not in CONNECTIVITIES:
        raise ValueError(f"connectivity must be one of {CONNECTIVITIES}, got {connectivity!r}")
    in_plane = connectivity in (4, 8)
    out = []
    for dz in (0,) if in_plane else (-1, 0, 1):
        for dy in (-1, 0, 1):
            for dx in (-1, 0, 1):
                steps = abs(dz) + abs(dy) + abs(dx)
                if steps == 0:
                    continue
                if connectivity in (4, 6) and steps > 1:
                    continue
                if connectivity == 18 and steps > 2:
                    continue
                out.append((dz, dy, dx))
    return np.array(out, dtype=np.int64)


@numba.njit(cache=True, nogil=True)
def _label_zones(levels, offsets, labels, zone_level, zone_size):
    """Flood-fill zones of equal level; fills labels, zone_level, zone_size; returns the zone count."""
    nz, ny, nx = levels.shape
    stack = np.empty(levels.size, np.int64)
    n = 0
    for z in range(nz):
        for y in range(ny):
            for x in range(nx):
                g = levels[z, y, x]
                if g <= 0 or labels[z, y, x] != 0:
                    continue
                n += 1
                labels[z, y, x] = n
                stack[0] = (z * ny + y) * nx + x
                top = 1
                size = 0
                while top > 0:
                    top -= 1
                    flat = stack[top]
                    size += 1
                    cx = flat % nx
                    cy = (flat // nx) % ny
                    cz = flat // (nx * ny)
                    for k in range(offsets.shape[0]):
                        qz = cz + offsets[k, 0]
                        qy = cy + offsets[k, 1]
                        qx = cx + offsets[k, 2]
                        if qz < 0 or qz >= nz or qy < 0 or qy >= ny or qx < 0 or qx >= nx:
                            continue
                        if levels[qz, qy, qx] != g or labels[qz, qy, qx] != 0:
                            continue
                        labels[qz, qy, qx] = n
                        stack[top] = (qz * ny + qy) * nx + qx
                        top += 1
                zone_level[n - 1] = g
                zone_size[n - 1] = size
    return n


def label_zones(levels: np.ndarray, connectivity: int = 26) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Zones of equal grey level: (labels int32, zone_level int32, zone_size int64); see module doc."""
    levels = _as_levels(levels)
    offsets = neighbour_offsets(connectivity)
    labels = np.zeros(levels.shape, np.int32)
    n_max = int(np.count_nonzero(levels > 0))
    zone_level = np.zeros(n_max, np.int32)
    zone_size = np.zeros(n_max, np.int64)
    n = _label_zones(levels, offsets, labels, zone_level, zone_size)
    return labels, zone_level[:n].copy(), zone_size[:n].copy()


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
def _distance_to_edge(mask, offsets, dist):
    """Multi-source breadth-first search from the mask's edge voxels (distance 1) inwards."""
    nz, ny, nx = mask.shape
    queue = np.empty(mask.size, np.int64)
    tail = 0
    for z in range(nz):
        for y in range(ny):
            for x in range(nx):
                if not mask[z, y, x]:
                    continue
                for k in range(offsets.shape[0]):
                    qz = z + offsets[k, 0]
                    qy = y + offsets[k, 1]
                    qx = x + offsets[k, 2]
                    if (qz < 0 or qz >= nz or qy < 0 or qy >= ny or qx < 0 or qx >= nx
                            or not mask[qz, qy, qx]):
                        dist[z, y, x] = 1
                        queue[tail] = (z * ny + y) * nx + x
                        tail += 1
                        break
    head = 0
    while head < tail:
        flat = queue[head]
        head += 1
        cx = flat % nx
        cy = (flat // nx) % ny
        cz = flat // (nx * ny)
        d = dist[cz, cy, cx] + 1
        for k in range(offsets.shape[0]):
            qz = cz + offsets[k, 0]
            qy = cy + offsets[k, 1]
            qx = cx + offsets[k, 2]
            if qz < 0 or qz >= nz or qy < 0 or qy >= ny or qx < 0 or qx >= nx:
                continue
            if mask[qz, qy, qx] and dist[qz, qy, qx] == 0:
                dist[qz, qy, qx] = d
                queue[tail] = (qz * ny + qy) * nx + qx
                tail += 1


def distance_to_edge(mask: np.ndarray, connectivity: int = 6) -> np.ndarray:
    """int32 steps to leave ``mask`` (1 on its edge, 0 outside); see module doc."""
    mask = np.asarray(mask)
    if mask.ndim != 3:
        raise InvalidImageError(f"mask must be a 3D (z, y, x) array, got shape {mask.shape}")
    mask = np.ascontiguousarray(mask, dtype=np.bool_)
    dist = np.zeros(mask.shape, np.int32)
    _distance_to_edge(mask, neighbour_offsets(connectivity), dist)
    return dist


@numba.njit(cache=True, nogil=True)
def _zone_minimum(labels, values, out):
    nz, ny, nx = labels.shape
    for z in range(nz):
        for y in range(ny):
            for x in range(nx):
                lab = labels[z, y, x]
                if lab > 0 and values[z, y, x] < out[lab - 1]:
                    out[lab - 1] = values[z, y, x]


def zone_minimum(labels: np.ndarray, values: np.ndarray, n_zones: int) -> np.ndarray:
    """int64 (n_zones,): minimum of ``values`` over each zone's voxels."""
    labels = np.ascontiguousarray(labels, dtype=np.int32)
    values = np.ascontiguousarray(values, dtype=np.int64)
    if labels.shape != values.shape:
        raise InvalidImageError(f"labels {labels.shape} and values {values.shape} must have the same shape")
    out = np.full(n_zones, np.iinfo(np.int64).max, np.int64)
    _zone_minimum(labels, values, out)
    return out


def _as_levels(levels: np.ndarray) -> np.ndarray:
    levels = np.asarray(levels)
    if levels.ndim != 3:
        raise InvalidImageError(f"levels must be a 3D (z, y, x) array, got shape {levels.shape}")
    if not np.issubdtype(levels.dtype, np.integer):
        raise InvalidImageError(f"levels must hold integer grey levels, got dtype {levels.dtype}")
    return np.ascontiguousarray(levels, dtype=np.int32)
