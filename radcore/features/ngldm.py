"""Neighbouring grey level dependence matrix features (IBSI 3.11, family code REK0).

s_ij counts the ROI voxels with grey level i and dependence j = 1 + the number of ROI neighbours within
Chebyshev distance d (in-plane for 2D) whose grey level differs from i by at most the coarseness alpha (see
:mod:`radcore.kernels.ngldm`). N_s = sum_ij s_ij (every ROI voxel is a neighbourhood), N_v the ROI voxel
count, p_ij = s_ij / N_s; the formulas are those of the GLSZM with the dependence count in place of the
zone size (see :mod:`radcore.features.glszm`), plus the dependence count energy.

Aggregations: ``2D`` per slice (2D neighbourhoods), features averaged over slices holding ROI voxels;
``2_5D`` the per-slice matrices summed; ``3D`` volumetric neighbourhoods. Distance and alpha are
settings.texture.ngldm_distance and ngldm_coarseness.
"""

from __future__ import annotations

import numpy as np

from radcore.features import glszm as g
from radcore.features.registry import Family, Feature
from radcore.kernels.ngldm import ngldm_by_slice


def _feature(name: str, code: str, tag: str, fn, description: str) -> Feature:
    return Feature("ngldm", name, code, f"ngl_{tag}", fn, description)


FEATURES = (
    _feature("low_dependence_emphasis", "SODN", "lde", g.small_emphasis, "Low dependence emphasis"),
    _feature("high_dependence_emphasis", "IMOQ", "hde", g.large_emphasis, "High dependence emphasis"),
    _feature("low_grey_level_count_emphasis", "TL9H", "lgce", g.low_grey_emphasis,
             "Low grey level count emphasis"),
    _feature("high_grey_level_count_emphasis", "OAE7", "hgce", g.high_grey_emphasis,
             "High grey level count emphasis"),
    _feature("low_dependence_low_grey_level_emphasis", "EQ3F", "ldlge", g.small_low_emphasis,
             "Low dependence low grey level emphasis"),
    _feature("low_dependence_high_grey_level_emphasis", "JA6D", "ldhge", g.small_high_emphasis,
             "Low dependence high grey level emphasis"),
    _feature("high_dependence_low_grey_level_emphasis", "NBZI", "hdlge", g.large_low_emphasis,
             "High dependence low grey level emphasis"),
    _feature("high_dependence_high_grey_level_emphasis", "9QMG", "hdhge", g.large_high_emphasis,
             "High dependence high grey level emphasis"),
    _feature("grey_level_non_uniformity", "FP8K", "glnu", g.grey_non_uniformity, "Grey level non-uniformity"),
    _feature("grey_level_non_uniformity_norm", "5SPA", "glnu_norm", g.grey_non_uniformity_norm,
             "Normalised grey level non-uniformity"),
    _feature("dependence_count_non_uniformity", "Z87G", "dcnu", g.value_non_uniformity,
             "Dependence count non-uniformity"),
    _feature("dependence_count_non_uniformity_norm", "OKJI", "dcnu_norm", g.value_non_uniformity_norm,
             "Normalised dependence count non-uniformity"),
    _feature("dependence_count_percentage", "6XV8", "dc_perc", g.percentage, "Dependence count percentage"),
    _feature("grey_level_variance", "1PFV", "gl_var", g.grey_variance, "Grey level variance"),
    _feature("dependence_count_variance", "DNX2", "dc_var", g.value_variance, "Dependence count variance"),
    _feature("dependence_count_entropy", "FCBV", "dc_entr", g.entropy, "Dependence count entropy"),
    _feature("dependence_count_energy", "CAS9", "dc_energy", g.energy, "Dependence count energy"),
)


def _matrix(counts: np.ndarray, n_voxels: float) -> g.ZoneMatrix:
    return g.ZoneMatrix(counts, np.arange(1, counts.shape[1] + 1, dtype=np.float64), n_voxels)


def compute(roi, disc, settings) -> dict[tuple[str, str], float]:
    """NGLDM features for each of settings.texture.zone_aggregations."""
    d = settings.texture.ngldm_distance
    alpha = settings.texture.ngldm_coarseness
    aggregations = settings.texture.zone_aggregations
    n_voxels = np.count_nonzero(disc.levels > 0, axis=(1, 2))
    out: dict[tuple[str, str], float] = {}
    if "2D" in aggregations or "2_5D" in aggregations:
        per_slice = ngldm_by_slice(disc.levels, disc.n_levels, (0, d, d), alpha)
        if "2D" in aggregations:
            slices = [_matrix(per_slice[z], n_voxels[z]) for z in np.flatnonzero(n_voxels)]
            out.update(g.aggregated(FEATURES, "2D", slices))
        if "2_5D" in aggregations:
            out.update(g.aggregated(FEATURES, "2_5D", [_matrix(per_slice.sum(axis=0), n_voxels.sum())]))
    if "3D" in aggregations:
        counts = ngldm_by_slice(disc.levels, disc.n_levels, (d, d, d), alpha).sum(axis=0)
        out.update(g.aggregated(FEATURES, "3D", [_matrix(counts, n_voxels.sum())]))
    return out


FAMILY = Family("ngldm", "ngl", FEATURES, compute, aggregated=True)
