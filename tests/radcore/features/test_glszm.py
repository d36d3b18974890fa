import numpy as np
import pytest

import radcore
from radcore.features import glszm
from tests.radcore.features.zone_helpers import ZONE_CONFIG, assert_all_finite, case, settings
from tests.reference import DIGITAL_PHANTOM, compare

# 8-connected zones: level 1 sizes 2 and 3, level 2 size 2, level 3 size 2 (N_s = 4, N_v = 9)
HAND = [[[1, 2, 1], [1, 2, 1], [3, 3, 1]]]


def test_digital_phantom_matches_ibsi_reference():
    values = radcore.extract(*DIGITAL_PHANTOM, config=ZONE_CONFIG, naming="ibsi")
    ok, bad = compare(values, "dig_phantom", prefix="szm_")
    assert not bad
    assert len(ok) == 48


def test_hand_computed_values():
    roi, disc = case(HAND)
    v = glszm.compute(roi, disc, settings(["2D"]))
    get = lambda name: v[(name, "2D")]  # noqa: E731
    assert get("small_zone_emphasis") == pytest.approx((3 / 4 + 1 / 9) / 4)
    assert get("large_zone_emphasis") == pytest.approx(21 / 4)
    assert get("low_grey_level_zone_emphasis") == pytest.approx((2 + 1 / 4 + 1 / 9) / 4)
    assert get("large_zone_high_grey_level_emphasis") == pytest.approx((4 + 9 + 16 + 36) / 4)
    assert get("grey_level_non_uniformity") == pytest.approx(6 / 4)
    assert get("grey_level_non_uniformity_norm") == pytest.approx(6 / 16)
    assert get("zone_size_non_uniformity") == pytest.approx(10 / 4)
    assert get("zone_percentage") == pytest.approx(4 / 9)
    assert get("grey_level_variance") == pytest.approx(np.var([1, 1, 2, 3]))
    assert get("zone_size_variance") == pytest.approx(np.var([2, 3, 2, 2]))
    assert get("zone_size_entropy") == pytest.approx(2.0)
    # one slice: all aggregations agree
    both = glszm.compute(roi, disc, settings())
    for f in glszm.FEATURES:
        assert both[(f.name, "2D")] == pytest.approx(both[(f.name, "2_5D")])
        assert both[(f.name, "2D")] == pytest.approx(both[(f.name, "3D")])


def test_2d_averages_slices_and_2_5d_merges_them():
    levels = np.array([[[1, 1], [2, 2]], [[1, 2], [1, 2]], [[0, 0], [0, 0]]])
    roi, disc = case(levels)
    v = glszm.compute(roi, disc, settings())
    per_slice = [glszm.compute(*case(levels[z:z + 1]), settings(["3D"])) for z in range(2)]
    for f in glszm.FEATURES:
        assert v[(f.name, "2D")] == pytest.approx(np.mean([p[(f.name, "3D")] for p in per_slice]))
    assert v[("zone_percentage", "2_5D")] == pytest.approx(4 / 8)
    assert v[("zone_percentage", "3D")] == pytest.approx(2 / 8)


def test_only_requested_aggregations():
    roi, disc = case(HAND)
    assert {a for _, a in glszm.compute(roi, disc, settings(["3D"]))} == {"3D"}


@pytest.mark.parametrize("levels", [np.full((3, 4, 4), 2), np.ones((1, 1, 1))])
def test_flat_roi_gives_defined_values(levels):
    roi, disc = case(levels)
    v = glszm.compute(roi, disc, settings())
    assert_all_finite(v)
    assert v[("zone_size_entropy", "3D")] == 0.0
    assert v[("zone_size_variance", "3D")] == 0.0
    assert v[("grey_level_non_uniformity_norm", "3D")] == 1.0


def test_features_are_registered_with_ibsi_codes():
    assert len(glszm.FEATURES) == 16
    assert all(f.ibsi_code and f.ibsi_tag.startswith("szm_") and f.function.__doc__ for f in glszm.FEATURES)
