import numpy as np
import pytest

import radcore
from radcore.features import ngtdm
from tests.radcore.features.zone_helpers import ZONE_CONFIG, assert_all_finite, case, settings
from tests.reference import DIGITAL_PHANTOM, compare


def test_digital_phantom_matches_ibsi_reference():
    values = radcore.extract(*DIGITAL_PHANTOM, config=ZONE_CONFIG, naming="ibsi")
    ok, bad = compare(values, "dig_phantom", prefix="ngt_")
    assert not bad
    assert len(ok) == 15


def test_hand_computed_values():
    # levels 1 2 3 in a row: s = (1, 0, 1), n = (1, 1, 1)
    m = ngtdm.Ngtdm(np.array([1.0, 0.0, 1.0]), np.array([1.0, 1.0, 1.0]))
    assert ngtdm.coarseness(m) == pytest.approx(1.5)
    assert ngtdm.contrast(m) == pytest.approx(4 / 27)
    assert ngtdm.busyness(m) == pytest.approx(0.25)
    assert ngtdm.complexity(m) == pytest.approx(2.0)
    assert ngtdm.strength(m) == pytest.approx(4.0)
    roi, disc = case([[[1, 2, 3]]])
    v = ngtdm.compute(roi, disc, settings(["2D", "3D"]))
    for f in ngtdm.FEATURES:
        assert v[(f.name, "2D")] == pytest.approx(f.function(m))
        assert v[(f.name, "3D")] == pytest.approx(f.function(m))


def test_levels_absent_are_skipped():
    # grey level 2 absent: N_gp = 2
    m = ngtdm.Ngtdm(np.array([1.0, 0.0, 2.0]), np.array([2.0, 0.0, 2.0]))
    assert ngtdm.contrast(m) == pytest.approx(0.5 * 0.5 * 4 * 2 / 2 * 3 / 4)


def test_distance_setting_is_used():
    levels = np.array([[[1, 2, 3, 4, 5]]])
    roi, disc = case(levels)
    near = ngtdm.compute(roi, disc, settings(["3D"]))
    far = ngtdm.compute(roi, disc, settings(["3D"], ngtdm_distance=2))
    assert near[("coarseness", "3D")] != far[("coarseness", "3D")]


@pytest.mark.parametrize("levels", [np.full((3, 4, 4), 2), np.ones((1, 1, 1)), [[[1, 0, 2]]]])
def test_flat_or_isolated_roi_gives_defined_values(levels):
    roi, disc = case(levels)
    v = ngtdm.compute(roi, disc, settings())
    assert_all_finite(v)
    assert v[("coarseness", "3D")] == ngtdm.MAX_COARSENESS
    assert v[("contrast", "3D")] == v[("busyness", "3D")] == v[("strength", "3D")] == 0.0


def test_features_are_registered_with_ibsi_codes():
    assert len(ngtdm.FEATURES) == 5
    assert all(f.ibsi_code and f.ibsi_tag.startswith("ngt_") and f.function.__doc__ for f in ngtdm.FEATURES)
