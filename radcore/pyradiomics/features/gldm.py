"""PyRadiomics grey level dependence matrix (GLDM) features.

Matrix: a neighbour of ROI voxel v is a ROI voxel v + o, o any offset whose infinity norm is one of
``distances`` (in-plane only with ``force2D``); it is dependent when its grey level differs from v's by at
most alpha = ``gldm_a``. P(i, j) counts the voxels of level i with j - 1 dependent neighbours (j >= 1).
Counted by :func:`radcore.kernels.pyrad_texture.neighbourhood` over the levels present (one pass shared
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

These are the GLRLM formulas with dependences for runs (:mod:`radcore.pyradiomics.features.glrlm`).
GrayLevelNonUniformityNormalized (equal to first-order Uniformity) and DependencePercentage (always 1)
are deprecated in PyRadiomics: computed only when asked for by name.
"""

from __future__ import annotations

import numpy as np

from radcore.kernels.pyrad_formulas import run_features
from radcore.pyradiomics.features import EPS, glrlm, neighbourhood, select

#: PyRadiomics GLDM name -> the GLRLM formula it shares
_SAME_AS = {
    "SmallDependenceEmphasis": "ShortRunEmphasis",
    "LargeDependenceEmphasis": "LongRunEmphasis",
    "GrayLevelNonUniformity": "GrayLevelNonUniformity",
    "DependenceNonUniformity": "RunLengthNonUniformity",
    "DependenceNonUniformityNormalized": "RunLengthNonUniformityNormalized",
    "GrayLevelVariance": "GrayLevelVariance",
    "DependenceVariance": "RunVariance",
    "DependenceEntropy": "RunEntropy",
    "LowGrayLevelEmphasis": "LowGrayLevelRunEmphasis",
    "HighGrayLevelEmphasis": "HighGrayLevelRunEmphasis",
    "SmallDependenceLowGrayLevelEmphasis": "ShortRunLowGrayLevelEmphasis",
    "SmallDependenceHighGrayLevelEmphasis": "ShortRunHighGrayLevelEmphasis",
    "LargeDependenceLowGrayLevelEmphasis": "LongRunLowGrayLevelEmphasis",
    "LargeDependenceHighGrayLevelEmphasis": "LongRunHighGrayLevelEmphasis",
    "GrayLevelNonUniformityNormalized": "GrayLevelNonUniformityNormalized",
    "DependencePercentage": "RunPercentage",
}
FEATURES = tuple(list(_SAME_AS)[:14])
OPTIONAL = ("GrayLevelNonUniformityNormalized", "DependencePercentage")


def matrix(inputs, setting) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The GLDM (n_levels, n_dependences) over present levels and dependences, levels, dependences."""
    counts, _, _, present = neighbourhood(inputs, setting, float(setting.gldm_a))
    dependences = np.flatnonzero(counts.sum(axis=0) > 0)
    return counts[:, dependences], present, (dependences + 1).astype(np.float64)


def compute(inputs, setting, enabled=None) -> dict[str, float]:
    """The GLDM features of ``inputs`` (ClassInputs) keyed by PyRadiomics name."""
    names = select("gldm", FEATURES, OPTIONAL, enabled)
    P, i, j = matrix(inputs, setting)
    row = run_features(P[None], i, j, EPS)[0]
    out = {name: float(row[glrlm.COLUMN[_SAME_AS[name]]]) for name in names}
    if "DependencePercentage" in out:
        out["DependencePercentage"] = float(P.sum() / np.count_nonzero(inputs.mask))
    return out
