"""Neighbouring grey level dependence matrix (IBSI 3.11, NGLDM).

For every ROI voxel with grey level i, its neighbourhood is the box of voxels within Chebyshev distance
(dz, dy, dx) (``dz = 0``: in-plane, 2D), centre excluded, restricted to ROI voxels (level > 0). Its
dependence is j = 1 + the number of neighbours m with |X_m - i| <= alpha (the coarseness parameter), so
1 <= j <= (2dz+1)(2dy+1)(2dx+1). ``s[i - 1, j - 1]`` counts the voxels of level i and dependence j.

Public API:

``ngldm_by_slice(levels, n_levels, distance=(1, 1, 1), alpha=0.0) -> float64 (nz, n_levels, n_dep)``
    the counts split by the slice of the centre voxel; n_dep = (2dz+1)(2dy+1)(2dx+1). Sum over slices for
    the volume's (or, with dz = 0, the slice-merged 2.5D) matrix.

``ngldm(levels, n_levels, distance=(1, 1, 1), alpha=0.0) -> float64 (n_levels, n_dep)``
    the NGLDM of the whole array. PyRadiomics' GLDM is this matrix with its ``gldm_a`` as alpha.

Grey levels are int32 (z, y, x), 1..n_levels inside the ROI, 0 outside. The counts come from the
neighbourhood kernel PyRadiomics' GLDM and NGTDM use, on the shared texture layout
(:func:`radcore.kernels.texture.neighbourhood_counts`).
"""

from __future__ import annotations

import numpy as np

from radcore.errors import InvalidImageError
from radcore.kernels.ngtdm import check_distance, check_levels
from radcore.kernels.texture import build_texture, neighbourhood_counts
from radcore.kernels.zones import box_offsets


def ngldm_by_slice(levels: np.ndarray, n_levels: int, distance: tuple[int, int, int] = (1, 1, 1),
                   alpha: float = 0.0) -> np.ndarray:
    """Per-slice NGLDM counts float64 (nz, n_levels, n_dep); see module doc."""
    levels = check_levels(levels, n_levels)
    distance = check_distance(distance)
    if not alpha >= 0:
        raise InvalidImageError(f"alpha (coarseness) must be >= 0, got {alpha!r}")
    tex = build_texture(levels, levels > 0, max(distance))
    dependence, _, _ = neighbourhood_counts(tex, box_offsets(distance), n_levels, float(alpha))
    return dependence


def ngldm(levels: np.ndarray, n_levels: int, distance: tuple[int, int, int] = (1, 1, 1),
          alpha: float = 0.0) -> np.ndarray:
    """The NGLDM float64 (n_levels, n_dep) of the whole array; see module doc."""
    return ngldm_by_slice(levels, n_levels, distance, alpha).sum(axis=0)
