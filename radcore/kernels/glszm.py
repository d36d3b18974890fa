"""Grey level size zone matrix (IBSI 3.8, GLSZM) and the zone count matrix shared with the GLDZM.

Public API:

``zone_count_matrix(zone_level, zone_value, n_levels, n_values=None) -> float64 (n_levels, n_values)``
    ``m[i - 1, j - 1]`` = number of zones with grey level i (1..n_levels) and value j (1..n_values; the
    zone size for the GLSZM, its distance to the ROI edge for the GLDZM). ``n_values`` defaults to the
    largest value.

``compressed_zone_matrix(zone_level, zone_value, n_levels) -> (float64 (n_levels, k), int64 (k,))``
    the same counts restricted to the k values that occur (sorted ascending), and those values. Features
    only need occurring columns; the dense matrix of a large ROI can be much wider than this.

Voxel maps count each neighbourhood's zones with the compiled form of ``compressed_zone_matrix``
(``_compressed_counts``, tested against it).

``size_zone_matrix(levels, n_levels, connectivity=26) -> float64 (n_levels, max_zone_size)``
    the dense GLSZM of a grey-level array (int32 (z, y, x), 0 outside the ROI). IBSI: 26-connectivity in
    3D, 8-connectivity per slice in 2D (use ``connectivity=8``: zones never cross slices and the result is
    the 2.5D, slice-merged matrix). PyRadiomics uses the same definition.
"""

from __future__ import annotations

import numba
import numpy as np

from radcore.errors import InvalidImageError
from radcore.kernels.zones import label_zones


@numba.njit(cache=True, nogil=True)
def _zone_count_matrix(zone_level, zone_column, matrix):
    for k in range(zone_level.shape[0]):
        matrix[zone_level[k] - 1, zone_column[k]] += 1.0


@numba.njit(cache=True, nogil=True)
def _compressed_counts(zone_level, zone_value, n_levels, column):
    # the counts of :func:`compressed_zone_matrix` as (1, n_levels, k) and the k values (float64) that occur;
    # ``column`` (int64, longer than the largest value) holds zeros on entry and is left so
    top = 0
    for z in range(zone_value.shape[0]):
        column[zone_value[z]] = 1
        top = max(top, zone_value[z])
    k = 0
    for v in range(top + 1):
        if column[v]:
            column[v] = k
            k += 1
    values = np.empty(k)
    where = np.empty(zone_value.shape[0], np.int64)
    for z in range(zone_value.shape[0]):
        where[z] = column[zone_value[z]]
        values[where[z]] = zone_value[z]
    matrix = np.zeros((1, n_levels, k))
    _zone_count_matrix(zone_level, where, matrix[0])
    for z in range(zone_value.shape[0]):
        column[zone_value[z]] = 0
    return matrix, values


def zone_count_matrix(zone_level: np.ndarray, zone_value: np.ndarray, n_levels: int,
                      n_values: int | None = None) -> np.ndarray:
    """Dense counts of zones per (grey level, value); see module doc."""
    zone_level, zone_value = _check_zones(zone_level, zone_value, n_levels)
    top = int(zone_value.max()) if zone_value.size else 0
    if n_values is None:
        n_values = max(top, 1)
    if top > n_values or (zone_value.size and zone_value.min() < 1):
        raise InvalidImageError(f"zone values must lie in 1..{n_values}, got up to {top}")
    matrix = np.zeros((n_levels, n_values), np.float64)
    _zone_count_matrix(zone_level, zone_value - 1, matrix)
    return matrix


def compressed_zone_matrix(zone_level: np.ndarray, zone_value: np.ndarray,
                           n_levels: int) -> tuple[np.ndarray, np.ndarray]:
    """Counts of zones per (grey level, occurring value) and the occurring values; see module doc."""
    zone_level, zone_value = _check_zones(zone_level, zone_value, n_levels)
    values, column = np.unique(zone_value, return_inverse=True)
    matrix = np.zeros((n_levels, values.size), np.float64)
    _zone_count_matrix(zone_level, column.astype(np.int64).ravel(), matrix)
    return matrix, values


def size_zone_matrix(levels: np.ndarray, n_levels: int, connectivity: int = 26) -> np.ndarray:
    """The dense GLSZM (n_levels, max_zone_size) of ``levels``; see module doc."""
    _, zone_level, zone_size = label_zones(levels, connectivity)
    return zone_count_matrix(zone_level, zone_size, n_levels)


def _check_zones(zone_level, zone_value, n_levels):
    zone_level = np.ascontiguousarray(zone_level, dtype=np.int32)
    zone_value = np.ascontiguousarray(zone_value, dtype=np.int64)
    if zone_level.shape != zone_value.shape or zone_level.ndim != 1:
        raise InvalidImageError(
            f"zone_level {zone_level.shape} and zone_value {zone_value.shape} must be 1D of equal length"
        )
    if zone_level.size and (zone_level.min() < 1 or zone_level.max() > n_levels):
        raise InvalidImageError(
            f"zone grey levels must lie in 1..n_levels={n_levels}, got {zone_level.min()}..{zone_level.max()}"
        )
    return zone_level, zone_value
