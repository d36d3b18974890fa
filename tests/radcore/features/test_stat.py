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


@pytest.mark.parametrize("n", [1, 2, 3, 10, 101, 1000])
def test_percentiles_and_median_equal_numpys(n):
    rng = np.random.default_rng(n)
    for x in (rng.normal(size=n) * 100, np.round(rng.normal(size=n) * 3)):
        for values in (x, np.sort(x)):
            qs = (0, 10, 25, 50, 75, 90, 100)
            assert stat.percentiles(values, qs) == [float(np.percentile(x, q)) for q in qs]
            assert stat.median(values) == float(np.median(x))
