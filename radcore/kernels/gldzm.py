"""Grey level distance zone matrix (IBSI 3.9, GLDZM).

A zone (see :mod:`radcore.kernels.zones`) has the distance min over its voxels of the voxel's distance to
the ROI edge, the voxel distance being the number of face steps (4-connected in 2D, 6-connected in 3D)
needed to leave the edge mask; voxels on the edge have distance 1.

Public API:

``zone_distances(labels, n_zones, edge_mask, connectivity=6) -> int64 (n_zones,)``
    distance of each zone of ``labels`` (from ``label_zones``) to the edge of ``edge_mask`` (bool, same
    shape). Which mask defines the edge is the caller's choice (morphological or intensity mask).
    ``connectivity=4`` measures distances within each slice (2D / 2.5D aggregation).

``distance_zone_matrix(levels, n_levels, edge_mask=None, zone_connectivity=26, distance_connectivity=6)``
    the dense GLDZM float64 (n_levels, max_distance) of a grey-level array; ``edge_mask`` defaults to
    ``levels > 0``. For 2D / 2.5D use ``zone_connectivity=8, distance_connectivity=4``.
"""

from __future__ import annotations

import numpy as np

from radcore.errors import InvalidImageError
from radcore.kernels.glszm import zone_count_matrix
from radcore.kernels.zones import distance_to_edge, label_zones, zone_minimum


def zone_distances(labels: np.ndarray, n_zones: int, edge_mask: np.ndarray,
                   connectivity: int = 6) -> np.ndarray:
    """Distance of each zone to the edge of ``edge_mask``; see module doc."""
    if np.shape(labels) != np.shape(edge_mask):
        raise InvalidImageError(
            f"labels {np.shape(labels)} and edge_mask {np.shape(edge_mask)} must have the same shape"
        )
    dist = distance_to_edge(edge_mask, connectivity)
    out = zone_minimum(labels, dist, n_zones)
    if n_zones and out.min() < 1:
        raise InvalidImageError("every zone voxel must lie inside edge_mask")
    return out


def distance_zone_matrix(levels: np.ndarray, n_levels: int, edge_mask: np.ndarray | None = None,
                         zone_connectivity: int = 26, distance_connectivity: int = 6) -> np.ndarray:
    """The dense GLDZM (n_levels, max_distance) of ``levels``; see module doc."""
    labels, zone_level, _ = label_zones(levels, zone_connectivity)
    mask = np.asarray(levels) > 0 if edge_mask is None else edge_mask
    dist = zone_distances(labels, zone_level.size, mask, distance_connectivity)
    return zone_count_matrix(zone_level, dist, n_levels)
