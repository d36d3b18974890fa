"""Neighbouring grey level dependence matrix features (IBSI 3.11, family code REK0).

s_ij counts the ROI voxels with grey level i and dependence j = 1 + the number of ROI neighbours within
Chebyshev distance d (in-plane for 2D) whose grey level differs from i by at most the coarseness alpha (see
:mod:`radcore.kernels.ngldm`). N_s = sum_ij s_ij (every ROI voxel is a neighbourhood), N_v the ROI voxel
count, p_ij = s_ij / N_s; the formulas are the count-matrix formulas of
:mod:`radcore.features.count_matrix` with the dependence count for j, including the dependence count energy.
PyRadiomics' GLDM is this matrix (alpha = ``gldm_a``, every distance in ``distances``).

Aggregations: ``2D`` per slice (2D neighbourhoods), features averaged over slices holding ROI voxels;
``2_5D`` the per-slice matrices summed; ``3D`` volumetric neighbourhoods. Distance and alpha are
settings.texture.ngldm_distance and ngldm_coarseness. The counts come from the discretised ROI's shared
neighbourhood pass (:meth:`radcore.roi.Discretised.neighbourhoods`:
:func:`radcore.kernels.texture.neighbourhood_counts`, as :func:`radcore.kernels.ngldm.ngldm_by_slice` computes
them).
"""

from __future__ import annotations

import numpy as np

from radcore.features import count_matrix as cm
from radcore.features import glszm as g
from radcore.features.registry import Family, Feature


#: feature -> the name of the same formula in PyRadiomics' GLDM (which has no energy)
PYRADIOMICS = {
    "low_dependence_emphasis": "SmallDependenceEmphasis",
    "high_dependence_emphasis": "LargeDependenceEmphasis",
    "low_grey_level_count_emphasis": "LowGrayLevelEmphasis",
    "high_grey_level_count_emphasis": "HighGrayLevelEmphasis",
    "low_dependence_low_grey_level_emphasis": "SmallDependenceLowGrayLevelEmphasis",
    "low_dependence_high_grey_level_emphasis": "SmallDependenceHighGrayLevelEmphasis",
    "high_dependence_low_grey_level_emphasis": "LargeDependenceLowGrayLevelEmphasis",
    "high_dependence_high_grey_level_emphasis": "LargeDependenceHighGrayLevelEmphasis",
    "grey_level_non_uniformity": "GrayLevelNonUniformity",
    "grey_level_non_uniformity_norm": "GrayLevelNonUniformityNormalized",
    "dependence_count_non_uniformity": "DependenceNonUniformity",
    "dependence_count_non_uniformity_norm": "DependenceNonUniformityNormalized",
    "dependence_count_percentage": "DependencePercentage",
    "grey_level_variance": "GrayLevelVariance",
    "dependence_count_variance": "DependenceVariance",
    "dependence_count_entropy": "DependenceEntropy",
}


def _feature(name: str, code: str, tag: str, formula, description: str) -> Feature:
    return Feature("ngldm", name, code, f"ngl_{tag}", formula, description, pyradiomics=PYRADIOMICS.get(name, ""))


FEATURES = (
    _feature("low_dependence_emphasis", "SODN", "lde", cm.small_emphasis, "Low dependence emphasis"),
    _feature("high_dependence_emphasis", "IMOQ", "hde", cm.large_emphasis, "High dependence emphasis"),
    _feature("low_grey_level_count_emphasis", "TL9H", "lgce", cm.low_grey_emphasis,
             "Low grey level count emphasis"),
    _feature("high_grey_level_count_emphasis", "OAE7", "hgce", cm.high_grey_emphasis,
             "High grey level count emphasis"),
    _feature("low_dependence_low_grey_level_emphasis", "EQ3F", "ldlge", cm.small_low_emphasis,
             "Low dependence low grey level emphasis"),
    _feature("low_dependence_high_grey_level_emphasis", "JA6D", "ldhge", cm.small_high_emphasis,
             "Low dependence high grey level emphasis"),
    _feature("high_dependence_low_grey_level_emphasis", "NBZI", "hdlge", cm.large_low_emphasis,
             "High dependence low grey level emphasis"),
    _feature("high_dependence_high_grey_level_emphasis", "9QMG", "hdhge", cm.large_high_emphasis,
             "High dependence high grey level emphasis"),
    _feature("grey_level_non_uniformity", "FP8K", "glnu", cm.grey_non_uniformity, "Grey level non-uniformity"),
    _feature("grey_level_non_uniformity_norm", "5SPA", "glnu_norm", cm.grey_non_uniformity_norm,
             "Normalised grey level non-uniformity"),
    _feature("dependence_count_non_uniformity", "Z87G", "dcnu", cm.value_non_uniformity,
             "Dependence count non-uniformity"),
    _feature("dependence_count_non_uniformity_norm", "OKJI", "dcnu_norm", cm.value_non_uniformity_norm,
             "Normalised dependence count non-uniformity"),
    _feature("dependence_count_percentage", "6XV8", "dc_perc", cm.percentage, "Dependence count percentage"),
    _feature("grey_level_variance", "1PFV", "gl_var", cm.grey_variance, "Grey level variance"),
    _feature("dependence_count_variance", "DNX2", "dc_var", cm.value_variance, "Dependence count variance"),
    _feature("dependence_count_entropy", "FCBV", "dc_entr", cm.entropy, "Dependence count entropy"),
    _feature("dependence_count_energy", "CAS9", "dc_energy", cm.energy, "Dependence count energy"),
)


def compute(roi, disc, settings) -> dict[tuple[str, str], float]:
    """NGLDM features for each of settings.texture.zone_aggregations."""
    d = settings.texture.ngldm_distance
    alpha = settings.texture.ngldm_coarseness
    aggregations = settings.texture.zone_aggregations
    n_voxels = np.count_nonzero(disc.levels > 0, axis=(1, 2))
    out: dict[tuple[str, str], float] = {}
    if "2D" in aggregations or "2_5D" in aggregations:
        per_slice = disc.neighbourhoods((0, d, d), alpha)[0]
        j = np.arange(1, per_slice.shape[2] + 1, dtype=np.float64)
        if "2D" in aggregations:
            held = np.flatnonzero(n_voxels)
            out.update(g.aggregated(FEATURES, "2D", per_slice[held], j, n_voxels[held]))
        if "2_5D" in aggregations:
            out.update(g.aggregated(FEATURES, "2_5D", per_slice.sum(axis=0)[None], j, n_voxels.sum()))
    if "3D" in aggregations:
        counts = disc.neighbourhoods((d, d, d), alpha)[0].sum(axis=0)
        j = np.arange(1, counts.shape[1] + 1, dtype=np.float64)
        out.update(g.aggregated(FEATURES, "3D", counts[None], j, n_voxels.sum()))
    return out


FAMILY = Family(
    "ngldm", "ngl", FEATURES, compute, aggregations="zone_aggregations", pyradiomics="gldm",
)
