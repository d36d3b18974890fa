import numpy as np
import pytest

import radcore
from radcore.features import stat
from tests.reference import DIGITAL_PHANTOM, compare


def test_digital_phantom_matches_ibsi_reference():
    values = radcore.extract(*DIGITAL_PHANTOM, config={"families": ["stat"]}, naming="ibsi")
    ok, bad = compare(values, "dig_phantom", prefix="stat_")
    assert not bad
    assert len(ok) == 18


def test_hand_computed_values():
    x = np.array([1.0, 2.0, 3.0, 4.0])
    assert stat.mean(x) == 2.5
    assert stat.variance(x) == pytest.approx(1.25)
    assert stat.energy(x) == 30.0
    assert stat.value_range(x) == 3.0
    assert stat.median_absolute_deviation(x) == 1.0


def test_flat_roi_gives_defined_values():
    x = np.full(10, 7.0)
    assert stat.skewness(x) == 0.0
    assert stat.kurtosis(x) == 0.0
    assert stat.variance(x) == 0.0
