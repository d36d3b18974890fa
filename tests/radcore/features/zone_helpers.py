"""Small builders shared by the zone-family feature tests."""

from __future__ import annotations

import numpy as np

from radcore.roi import Discretised, RoiImage
from radcore.settings import from_mapping

ZONE_CONFIG = {
    "families": ["glszm", "gldzm", "ngtdm", "ngldm"],
    "discretisation": {"method": "none"},
    "texture": {"zone_aggregations": ["2D", "2_5D", "3D"]},
}


def case(levels, morph_mask=None):
    """(RoiImage, Discretised) of an int grey-level array; intensity mask = levels > 0."""
    levels = np.asarray(levels, np.int32)
    mask = levels > 0
    morph = mask if morph_mask is None else np.asarray(morph_mask, bool)
    roi = RoiImage(levels.astype(np.float64), morph, mask, (1.0, 1.0, 1.0))
    return roi, Discretised(levels, int(max(levels.max(), 1)))


def settings(aggregations=("2D", "2_5D", "3D"), **texture):
    return from_mapping({"texture": {"zone_aggregations": list(aggregations), **texture}})


def assert_all_finite(values):
    bad = {k: v for k, v in values.items() if not np.isfinite(v)}
    assert not bad, bad
