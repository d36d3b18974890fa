"""PyRadiomics grey level dependence matrix (GLDM) features.

Matrix: a neighbour of ROI voxel v is a ROI voxel v + o, o any offset whose infinity norm is one of
``distances`` (in-plane only with ``force2D``); it is dependent when its grey level differs from v's by at
most alpha = ``gldm_a``. P(i, j) counts the voxels of level i with j - 1 dependent neighbours (j >= 1).
Counted by :func:`radcore.kernels.matrices.neighbourhood` over the levels present (one pass shared
with NGTDM). Rows of absent grey levels and columns of absent dependences are dropped.

Notation: N_z = sum P (the number of ROI voxels); p_g(i) = sum_j P(i, j), p_d(j) = sum_i P(i, j);
p(i, j) = P(i, j) / N_z; mu_i = sum p i, mu_j = sum p j.

SmallDependenceEmphasis = sum_j p_d(j) / j^2 / N_z     LargeDependenceEmphasis = sum_j p_d(j) j^2 / N_z
GrayLevelNonUniformity = sum_i p_g(i)^2 / N_z          (GrayLevelNonUniformityNormalized: / N_z^2)
DependenceNonUniformity = sum_j p_d(j)^2 / N_z         DependenceNonUniformityNormalized: / N_z^2
GrayLevelVariance = sum p (i - mu_i)^2                 DependenceVariance = sum p (j - mu_j)^2
DependenceEntropy = -sum p log2(p + eps)               (DependencePercentage = N_z / N_p = 1)
LowGrayLevelEmphasis = sum_i p_g(i) / i^2 / N_z        HighGrayLevelEmphasis = sum_i p_g(i) i^2 / N_z
SmallDependenceLowGrayLevelEmphasis = sum P / (i^2 j^2) / N_z    ...HighGrayLevel...: sum P i^2 / j^2 / N_z
LargeDependenceLowGrayLevelEmphasis = sum P j^2 / i^2 / N_z      ...HighGrayLevel...: sum P i^2 j^2 / N_z

These are the count-matrix formulas of :mod:`radcore.features.count_matrix` (shared with the IBSI NGLDM,
whose registry records name each formula's PyRadiomics feature), with log2(p + eps) in the entropy.
GrayLevelNonUniformityNormalized (equal to first-order Uniformity) and DependencePercentage (always 1)
are deprecated in PyRadiomics: computed only when asked for by name.
"""

from __future__ import annotations

import numpy as np

from radcore.features import count_matrix
from radcore.pyradiomics.features import EPS, neighbourhood, registry_columns, select

#: the features PyRadiomics computes by default, in its order
FEATURES = (
    "SmallDependenceEmphasis",
    "LargeDependenceEmphasis",
    "GrayLevelNonUniformity",
    "DependenceNonUniformity",
    "DependenceNonUniformityNormalized",
    "GrayLevelVariance",
    "DependenceVariance",
    "DependenceEntropy",
    "LowGrayLevelEmphasis",
    "HighGrayLevelEmphasis",
    "SmallDependenceLowGrayLevelEmphasis",
    "SmallDependenceHighGrayLevelEmphasis",
    "LargeDependenceLowGrayLevelEmphasis",
    "LargeDependenceHighGrayLevelEmphasis",
)
OPTIONAL = ("GrayLevelNonUniformityNormalized", "DependencePercentage")
#: feature name -> column of :func:`radcore.features.count_matrix.evaluate`, from the IBSI NGLDM records
COLUMN = registry_columns("ngldm")


def matrix(inputs, setting) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The GLDM (n_levels, n_dependences) over present levels and dependences, levels, dependences."""
    counts, _, _, present = neighbourhood(inputs, setting, float(setting.gldm_a))
    dependences = np.flatnonzero(counts.sum(axis=0) > 0)
    return counts[:, dependences], present, (dependences + 1).astype(np.float64)


def compute(inputs, setting, enabled=None) -> dict[str, float]:
    """The GLDM features of ``inputs`` (ClassInputs) keyed by PyRadiomics name."""
    names = select("gldm", FEATURES, OPTIONAL, enabled)
    P, i, j = matrix(inputs, setting)
    row = count_matrix.evaluate(P[None], i, j, EPS, np.count_nonzero(inputs.mask))[0]
    return {name: float(row[COLUMN[name]]) for name in names}
