"""Grey-level run-length matrix features (IBSI 3.7, family code TP0I).

Notation (IBSI): ``r_ij`` the number of runs of grey level i = 1..Ng and length j = 1..Nr;
``N_s = sum_ij r_ij`` the number of runs; ``r_i. = sum_j r_ij``, ``r_.j = sum_i r_ij``;
``p_ij = r_ij / N_s``; ``N_v`` the number of voxels the runs cover, ``N_v = sum_ij j r_ij`` (the ROI
voxel count times the number of directions merged into the matrix, as IBSI's note on merged matrices
asks). Entropies use log base 2; ``0 log 0 = 0``.

The formulas are the count-matrix formulas of :mod:`radcore.features.count_matrix` (run length for j),
shared with the GLSZM, GLDZM, NGLDM and PyRadiomics' GLRLM, GLSZM and GLDM. Runs follow the 4 in-plane or 13 volumetric directions; the matrices are
aggregated as described in :mod:`radcore.features.directional`. Every non-empty matrix gives finite
values, also for a flat ROI.
"""

from __future__ import annotations

import numpy as np

from radcore.features import count_matrix as cm
from radcore.features.directional import SLICE_AGGREGATIONS, VOLUME_AGGREGATIONS, aggregate
from radcore.features.registry import Family, Feature
from radcore.kernels import directions
from radcore.kernels.texture import longest_possible_run, run_length_counts
from radcore.roi import Discretised

def _feature(name: str, code: str, formula, description: str, pyradiomics: str) -> Feature:
    return Feature("glrlm", name, code, f"rlm_{name}", formula, description, pyradiomics=pyradiomics)


FEATURES = (
    _feature("sre", "22OV", cm.small_emphasis, "Short runs emphasis", "ShortRunEmphasis"),
    _feature("lre", "W4KF", cm.large_emphasis, "Long runs emphasis", "LongRunEmphasis"),
    _feature("lgre", "V3SW", cm.low_grey_emphasis, "Low grey level run emphasis", "LowGrayLevelRunEmphasis"),
    _feature("hgre", "G3QZ", cm.high_grey_emphasis, "High grey level run emphasis", "HighGrayLevelRunEmphasis"),
    _feature("srlge", "HTZT", cm.small_low_emphasis, "Short run low grey level emphasis",
             "ShortRunLowGrayLevelEmphasis"),
    _feature("srhge", "GD3A", cm.small_high_emphasis, "Short run high grey level emphasis",
             "ShortRunHighGrayLevelEmphasis"),
    _feature("lrlge", "IVPO", cm.large_low_emphasis, "Long run low grey level emphasis",
             "LongRunLowGrayLevelEmphasis"),
    _feature("lrhge", "3KUM", cm.large_high_emphasis, "Long run high grey level emphasis",
             "LongRunHighGrayLevelEmphasis"),
    _feature("glnu", "R5YN", cm.grey_non_uniformity, "Grey level non-uniformity", "GrayLevelNonUniformity"),
    _feature("glnu_norm", "OVBL", cm.grey_non_uniformity_norm, "Normalised grey level non-uniformity",
             "GrayLevelNonUniformityNormalized"),
    _feature("rlnu", "W92Y", cm.value_non_uniformity, "Run length non-uniformity", "RunLengthNonUniformity"),
    _feature("rlnu_norm", "IC23", cm.value_non_uniformity_norm, "Normalised run length non-uniformity",
             "RunLengthNonUniformityNormalized"),
    _feature("r_perc", "9ZK5", cm.percentage, "Run percentage", "RunPercentage"),
    _feature("gl_var", "8CE5", cm.grey_variance, "Grey level variance", "GrayLevelVariance"),
    _feature("rl_var", "SXLW", cm.value_variance, "Run length variance", "RunVariance"),
    _feature("rl_entr", "HJ9O", cm.entropy, "Run entropy", "RunEntropy"),
)


def evaluate(counts: np.ndarray) -> dict[str, np.ndarray]:
    """Every GLRLM feature of each count matrix of the stack (n, Ng, Nr), grey levels 1..Ng and run
    lengths 1..Nr: name -> (n,)."""
    grey = np.arange(1, counts.shape[-2] + 1, dtype=np.float64)
    run = np.arange(1, counts.shape[-1] + 1, dtype=np.float64)
    values = cm.evaluate(counts, grey, run)
    return {f.name: values[:, cm.COLUMN[f.function]] for f in FEATURES}


def matrices(disc: Discretised, aggregations) -> tuple:
    """(per-slice (n_slices, 4, Ng, Nr) or None, volume (13, Ng, Nr) or None) run counts as needed, counted
    on the discretised ROI's shared texture layout.

    Both share Nr, trimmed to the longest run present.
    """
    slices = volume = None
    need_slices = any(a in SLICE_AGGREGATIONS for a in aggregations)
    need_volume = any(a in VOLUME_AGGREGATIONS for a in aggregations)
    tex, n_levels = disc.texture(1), disc.n_levels
    max_run = longest_possible_run(disc.levels.shape, directions.VOLUME if need_volume else directions.IN_PLANE)
    longest = 1
    if need_slices:
        slices = run_length_counts(tex, directions.IN_PLANE, n_levels, max_run, by_slice=True)
        longest = max(longest, _longest(slices))
    if need_volume:
        if slices is None:
            volume = run_length_counts(tex, directions.VOLUME, n_levels, max_run)[0]
        else:  # the in-plane directions are the slices' sum
            rest = run_length_counts(tex, directions.VOLUME[len(directions.IN_PLANE):], n_levels, max_run)[0]
            volume = np.concatenate([slices.sum(axis=0), rest])
        longest = max(longest, _longest(volume))
    return (
        None if slices is None else slices[..., :longest],
        None if volume is None else volume[..., :longest],
    )


def _longest(counts: np.ndarray) -> int:
    present = np.nonzero(counts.reshape(-1, counts.shape[-1]).any(axis=0))[0]
    return int(present[-1]) + 1 if present.size else 1


def compute(roi, disc, settings) -> dict[tuple[str, str], float]:
    """GLRLM features for each aggregation in ``settings.texture.matrix_aggregations``."""
    aggregations = settings.texture.matrix_aggregations
    slices, volume = matrices(disc, aggregations)
    return aggregate(slices, volume, aggregations, evaluate, [f.name for f in FEATURES])


FAMILY = Family(
    "glrlm", "rlm", FEATURES, compute, aggregations="matrix_aggregations", pyradiomics="glrlm",
)
