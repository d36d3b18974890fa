import numpy as np
import pytest

import radcore
from radcore.features import ngldm
from tests.radcore.features.zone_helpers import ZONE_CONFIG, assert_all_finite, case, settings
from tests.reference import DIGITAL_PHANTOM, compare

# dependence (d = 1, alpha = 0, in-plane): level 1: four voxels j=4; level 2: two j=2; level 3: j=2, 3, 2
HAND = [[[1, 1, 2], [1, 1, 2], [3, 3, 3]]]


def test_digital_phantom_matches_ibsi_reference():
    values = radcore.extract(*DIGITAL_PHANTOM, config=ZONE_CONFIG, naming="ibsi")
    ok, bad = compare(values, "dig_phantom", prefix="ngl_")
    assert not bad
    assert len(ok) == 51


def test_hand_computed_values():
    roi, disc = case(HAND)
    v = ngldm.compute(roi, disc, settings(["2D"]))
    get = lambda name: v[(name, "2D")]  # noqa: E731
    assert get("low_dependence_emphasis") == pytest.approx((4 / 16 + 2 / 4 + 2 / 4 + 1 / 9) / 9)
    assert get("high_dependence_emphasis") == pytest.approx(89 / 9)
    assert get("dependence_count_energy") == pytest.approx(25 / 81)
    assert get("dependence_count_non_uniformity") == pytest.approx((16 + 1 + 16) / 9)
    assert get("grey_level_non_uniformity") == pytest.approx((16 + 4 + 9) / 9)
    assert get("dependence_count_percentage") == 1.0


def test_coarseness_and_distance_settings_are_used():
    roi, disc = case(HAND)
    base = ngldm.compute(roi, disc, settings(["2D"]))
    coarse = ngldm.compute(roi, disc, settings(["2D"], ngldm_coarseness=1.0))
    far = ngldm.compute(roi, disc, settings(["2D"], ngldm_distance=2))
    key = ("high_dependence_emphasis", "2D")
    assert coarse[key] > base[key]
    assert far[key] > base[key]


@pytest.mark.parametrize("levels", [np.full((3, 4, 4), 2), np.ones((1, 1, 1))])
def test_flat_roi_gives_defined_values(levels):
    roi, disc = case(levels)
    v = ngldm.compute(roi, disc, settings())
    assert_all_finite(v)
    assert v[("grey_level_variance", "3D")] == 0.0


def test_features_are_registered_with_ibsi_codes():
    assert len(ngldm.FEATURES) == 17
    assert all(f.ibsi_code and f.ibsi_tag.startswith("ngl_") and f.function.__doc__ for f in ngldm.FEATURES)
