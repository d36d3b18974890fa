import numpy as np
import pytest

import radcore
from radcore.features import gldzm
from tests.radcore.features.zone_helpers import ZONE_CONFIG, assert_all_finite, case, settings
from tests.reference import DIGITAL_PHANTOM, compare


def _rings():
    levels = np.ones((1, 5, 5), np.int32)
    levels[0, 1:4, 1:4] = 2
    levels[0, 2, 2] = 3
    return levels


def test_digital_phantom_matches_ibsi_reference():
    values = radcore.extract(*DIGITAL_PHANTOM, config=ZONE_CONFIG, naming="ibsi")
    ok, bad = compare(values, "dig_phantom", prefix="dzm_")
    assert not bad
    assert len(ok) == 48


def test_hand_computed_values():
    # three zones (levels 1, 2, 3) at distances 1, 2, 3 (4-connected, in-plane)
    roi, disc = case(_rings())
    v = gldzm.compute(roi, disc, settings(["2D"]))
    assert v[("small_distance_emphasis", "2D")] == pytest.approx((1 + 1 / 4 + 1 / 9) / 3)
    assert v[("large_distance_emphasis", "2D")] == pytest.approx(14 / 3)
    assert v[("large_distance_high_grey_level_emphasis", "2D")] == pytest.approx((1 + 16 + 81) / 3)
    assert v[("zone_distance_variance", "2D")] == pytest.approx(np.var([1, 2, 3]))
    assert v[("zone_distance_entropy", "2D")] == pytest.approx(np.log2(3))
    assert v[("zone_percentage", "2D")] == pytest.approx(3 / 25)
    # a single slice is all edge in 3D
    assert gldzm.compute(roi, disc, settings(["3D"]))[("large_distance_emphasis", "3D")] == 1.0


def test_edge_is_the_morphological_mask_by_default():
    levels = np.zeros((1, 5, 5), np.int32)
    levels[0, 1:4, 1:4] = 1
    levels[0, 2, 2] = 2
    morph = np.ones((1, 5, 5), bool)  # resegmentation removed the outer ring from the intensity mask
    roi, disc = case(levels, morph)
    assert gldzm.EDGE_MASK == "morphological"
    v = gldzm.compute(roi, disc, settings(["2D"]))
    assert v[("large_distance_emphasis", "2D")] == pytest.approx((4 + 9) / 2)
    v = gldzm.values(roi, disc, ["2D"], edge_mask="intensity")
    assert v[("large_distance_emphasis", "2D")] == pytest.approx((1 + 4) / 2)
    with pytest.raises(ValueError, match="edge_mask"):
        gldzm.values(roi, disc, ["2D"], edge_mask="outer")


@pytest.mark.parametrize("levels", [np.full((3, 4, 4), 2), np.ones((1, 1, 1))])
def test_flat_roi_gives_defined_values(levels):
    roi, disc = case(levels)
    v = gldzm.compute(roi, disc, settings())
    assert_all_finite(v)
    assert v[("zone_distance_entropy", "3D")] == 0.0


def test_features_are_registered_with_ibsi_codes():
    assert len(gldzm.FEATURES) == 16
    assert all(f.ibsi_code and f.ibsi_tag.startswith("dzm_") and f.function.__doc__ for f in gldzm.FEATURES)
