"""PyRadiomics grey level size zone matrix (GLSZM) features.

Matrix: P(i, j) the number of zones (maximal sets of 26-connected ROI voxels of one grey level; 8-connected
within a slice with ``force2D``) of level i and size j voxels, the zones found by
:func:`radcore.kernels.zones.zones` (the kernel the IBSI GLSZM and GLDZM use) on the shared texture layout.
Rows of absent grey levels and columns of absent sizes are dropped: i runs over the grey levels present and
j over the zone sizes present.

Notation: N_z = sum P the number of zones; N_p the number of ROI voxels; p_g(i) = sum_j P(i, j),
p_s(j) = sum_i P(i, j); p(i, j) = P(i, j) / N_z; mu_i = sum p i, mu_j = sum p j.

SmallAreaEmphasis = sum_j p_s(j) / j^2 / N_z          LargeAreaEmphasis = sum_j p_s(j) j^2 / N_z
GrayLevelNonUniformity = sum_i p_g(i)^2 / N_z         ...Normalized: / N_z^2
SizeZoneNonUniformity = sum_j p_s(j)^2 / N_z          ...Normalized: / N_z^2
ZonePercentage = N_z / N_p
GrayLevelVariance = sum p (i - mu_i)^2                ZoneVariance = sum p (j - mu_j)^2
ZoneEntropy = -sum p log2(p + eps)
LowGrayLevelZoneEmphasis = sum_i p_g(i) / i^2 / N_z   HighGrayLevelZoneEmphasis = sum_i p_g(i) i^2 / N_z
SmallAreaLowGrayLevelEmphasis = sum P / (i^2 j^2) / N_z    SmallAreaHighGrayLevelEmphasis = sum P i^2 / j^2 / N_z
LargeAreaLowGrayLevelEmphasis = sum P j^2 / i^2 / N_z      LargeAreaHighGrayLevelEmphasis = sum P i^2 j^2 / N_z

These are the count-matrix formulas of :mod:`radcore.features.count_matrix` (shared with the IBSI GLSZM,
whose registry records name each formula's PyRadiomics feature), with log2(p + eps) in the entropy.
"""

from __future__ import annotations

import numpy as np

from radcore.features import count_matrix
from radcore.kernels.zones import zones
from radcore.pyradiomics.features import EPS, angles, registry_columns, select

#: the features PyRadiomics computes by default, in its order
FEATURES = (
    "SmallAreaEmphasis",
    "LargeAreaEmphasis",
    "GrayLevelNonUniformity",
    "GrayLevelNonUniformityNormalized",
    "SizeZoneNonUniformity",
    "SizeZoneNonUniformityNormalized",
    "ZonePercentage",
    "GrayLevelVariance",
    "ZoneVariance",
    "ZoneEntropy",
    "LowGrayLevelZoneEmphasis",
    "HighGrayLevelZoneEmphasis",
    "SmallAreaLowGrayLevelEmphasis",
    "SmallAreaHighGrayLevelEmphasis",
    "LargeAreaLowGrayLevelEmphasis",
    "LargeAreaHighGrayLevelEmphasis",
)
OPTIONAL: tuple[str, ...] = ()
#: feature name -> column of :func:`radcore.features.count_matrix.evaluate`, from the IBSI GLSZM records
COLUMN = registry_columns("glszm")


def matrix(inputs, setting) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The GLSZM (n_levels, n_sizes) over present levels and sizes, the levels and the sizes (float64)."""
    tex = inputs.texture(1)
    present = tex.present
    # one of each opposite pair of the 26 (8 in-plane with force2D) neighbour offsets
    offsets = angles((1,), (3, 3, 3), setting.force2D, setting.force2Ddimension)
    zone_rank, zone_size = zones(tex.ranks, tex.roi, tex.padded_shape, offsets)
    # the sizes present, ascending, and each zone's column (np.unique without its sort)
    present_size = np.bincount(zone_size) > 0
    sizes = np.flatnonzero(present_size)
    column = np.cumsum(present_size)[zone_size] - 1
    flat = (zone_rank.astype(np.int64) - 1) * sizes.size + column
    counts = np.bincount(flat, minlength=present.size * sizes.size).astype(np.float64)
    return counts.reshape(present.size, sizes.size), present, sizes.astype(np.float64)


def compute(inputs, setting, enabled=None) -> dict[str, float]:
    """The GLSZM features of ``inputs`` (ClassInputs) keyed by PyRadiomics name."""
    names = select("glszm", FEATURES, OPTIONAL, enabled)
    P, i, j = matrix(inputs, setting)
    row = count_matrix.evaluate(P[None], i, j, EPS, np.count_nonzero(inputs.mask))[0]
    return {name: float(row[COLUMN[name]]) for name in names}
