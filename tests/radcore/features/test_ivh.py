import numpy as np
import pytest

import radcore
from radcore.features import ivh
from radcore.features.registry import family
from radcore.preprocess.discretise import ivh_levels
from radcore.settings import DiscretisationSettings
from tests.reference import DIGITAL_PHANTOM, compare


def test_digital_phantom_matches_ibsi_reference():
    values = radcore.extract(*DIGITAL_PHANTOM, config={"families": ["ivh"]}, naming="ibsi")
    ok, bad = compare(values, "dig_phantom", prefix="ivh_")
    assert not bad
    assert len(ok) == 6


def test_hand_computed_curve():
    # ten voxels: 1 x4, 2 x3, 3 x2, 5 x1 on the grid 1..5
    x = np.array([1] * 4 + [2] * 3 + [3] * 2 + [5], float)
    h = ivh.volume_histogram(x, np.arange(1.0, 6.0))
    np.testing.assert_allclose(h.volume, [1.0, 0.6, 0.3, 0.1, 0.1])
    np.testing.assert_allclose(h.fraction, [0, 0.25, 0.5, 0.75, 1.0])
    assert ivh.v10(h) == pytest.approx(0.6)  # first gamma >= 0.1 is G = 2
    assert ivh.v90(h) == pytest.approx(0.1)
    assert ivh.i10(h) == 4.0  # first level with nu <= 0.1
    assert ivh.i90(h) == 2.0
    assert ivh.v10_minus_v90(h) == pytest.approx(0.5)
    assert ivh.i10_minus_i90(h) == 2.0
    assert ivh.area_under_curve(h) == pytest.approx(0.25 * (1.6 + 0.9 + 0.4 + 0.2) / 2)


def test_single_value_roi_gives_defined_values():
    lv = ivh_levels(np.full(4, 7.0), DiscretisationSettings(method="none"))
    h = ivh.volume_histogram(lv.values, lv.grid)
    assert ivh.v10(h) == 0.0 and ivh.i10(h) == 7.0 and ivh.area_under_curve(h) == 0.0


def test_fixed_bin_number_levels_give_bin_numbers():
    lv = ivh_levels(np.linspace(-100, 100, 101), DiscretisationSettings(method="fixed_bin_number", bin_number=10))
    h = ivh.volume_histogram(lv.values, lv.grid)
    # 101 voxels, 10 per bin and 11 in bin 10: nu(2) = 91/101 > 0.9, nu(3) = 81/101
    assert ivh.i10(h) == 10.0 and ivh.i90(h) == 3.0


def test_every_feature_is_registered_with_docstring_and_code():
    fam = family("ivh")
    assert [f.ibsi_tag for f in fam.features] == [
        "ivh_v10", "ivh_v90", "ivh_i10", "ivh_i90", "ivh_diff_v10_v90", "ivh_diff_i10_i90", "ivh_auc"]
    for f in fam.features:
        assert f.ibsi_code and f.function.__doc__
