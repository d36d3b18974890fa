"""Grey level distance zone matrix features (IBSI 3.9, family code VMDZ).

The GLDZM s_ij counts the zones (as for the GLSZM: 8-connected per slice in 2D, 26-connected in 3D) with
grey level i and distance j to the ROI edge. A voxel's distance is the number of face steps (4-connected
in 2D, 6-connected in 3D) needed to leave the edge mask (1 on the edge); a zone's distance is the minimum
over its voxels. With N_s zones, N_v ROI voxels and p_ij = s_ij / N_s the formulas are those of the GLSZM
with the zone distance in place of the zone size: the count-matrix formulas of
:mod:`radcore.features.count_matrix`, aggregated as the GLSZM is (:func:`radcore.features.glszm.zone_family_values`).

The edge mask is the ROI's morphological mask by default (``EDGE_MASK``); ``values`` takes either.
"""

from __future__ import annotations

from typing import Iterable, Literal

import numpy as np

from radcore.features import count_matrix as cm
from radcore.features import glszm as g
from radcore.features.registry import Family, Feature
from radcore.kernels.gldzm import zone_distances

#: which ROI mask defines the edge the zone distances are measured to
EDGE_MASK: Literal["morphological", "intensity"] = "morphological"


def _feature(name: str, code: str, tag: str, formula, description: str) -> Feature:
    return Feature("gldzm", name, code, f"dzm_{tag}", formula, description)


FEATURES = (
    _feature("small_distance_emphasis", "0GBI", "sde", cm.small_emphasis, "Small distance emphasis"),
    _feature("large_distance_emphasis", "MB4I", "lde", cm.large_emphasis, "Large distance emphasis"),
    _feature("low_grey_level_zone_emphasis", "S1RA", "lgze", cm.low_grey_emphasis,
             "Low grey level zone emphasis"),
    _feature("high_grey_level_zone_emphasis", "K26C", "hgze", cm.high_grey_emphasis,
             "High grey level zone emphasis"),
    _feature("small_distance_low_grey_level_emphasis", "RUVG", "sdlge", cm.small_low_emphasis,
             "Small distance low grey level emphasis"),
    _feature("small_distance_high_grey_level_emphasis", "DKNJ", "sdhge", cm.small_high_emphasis,
             "Small distance high grey level emphasis"),
    _feature("large_distance_low_grey_level_emphasis", "KLTH", "ldlge", cm.large_low_emphasis,
             "Large distance low grey level emphasis"),
    _feature("large_distance_high_grey_level_emphasis", "1A7J", "ldhge", cm.large_high_emphasis,
             "Large distance high grey level emphasis"),
    _feature("grey_level_non_uniformity", "VFT7", "glnu", cm.grey_non_uniformity, "Grey level non-uniformity"),
    _feature("grey_level_non_uniformity_norm", "7HP3", "glnu_norm", cm.grey_non_uniformity_norm,
             "Normalised grey level non-uniformity"),
    _feature("zone_distance_non_uniformity", "V294", "zdnu", cm.value_non_uniformity,
             "Zone distance non-uniformity"),
    _feature("zone_distance_non_uniformity_norm", "IATH", "zdnu_norm", cm.value_non_uniformity_norm,
             "Normalised zone distance non-uniformity"),
    _feature("zone_percentage", "VIWW", "z_perc", cm.percentage, "Zone percentage"),
    _feature("grey_level_variance", "QK93", "gl_var", cm.grey_variance, "Grey level variance"),
    _feature("zone_distance_variance", "7WT1", "zd_var", cm.value_variance, "Zone distance variance"),
    _feature("zone_distance_entropy", "GBDU", "zd_entr", cm.entropy, "Zone distance entropy"),
)


def values(roi, disc, aggregations: Iterable[str],
           edge_mask: Literal["morphological", "intensity"] = EDGE_MASK) -> dict[tuple[str, str], float]:
    """GLDZM features for ``aggregations``, distances measured to the edge of ``edge_mask``."""
    if edge_mask == "morphological":
        mask = np.asarray(roi.morph_mask, bool) | (disc.levels > 0)
    elif edge_mask == "intensity":
        mask = disc.levels > 0
    else:
        raise ValueError(f"edge_mask must be 'morphological' or 'intensity', got {edge_mask!r}")

    def zone_value(labels, zone_level, zone_size, in_plane):
        return zone_distances(labels, zone_level.size, mask, 4 if in_plane else 6)

    return g.zone_family_values(FEATURES, disc, aggregations, zone_value)


def compute(roi, disc, settings) -> dict[tuple[str, str], float]:
    """GLDZM features for each of settings.texture.zone_aggregations."""
    return values(roi, disc, settings.texture.zone_aggregations)


FAMILY = Family(
    "gldzm", "dzm", FEATURES, compute, aggregations="zone_aggregations",
)
