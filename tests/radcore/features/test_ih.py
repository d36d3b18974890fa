import numpy as np
import pytest

import radcore
from radcore.features import ih
from radcore.features.registry import family
from tests.reference import DIGITAL_PHANTOM, compare


def test_digital_phantom_matches_ibsi_reference():
    values = radcore.extract(*DIGITAL_PHANTOM, config={"families": ["ih"], "discretisation": {"method": "none"}},
                             naming="ibsi")
    ok, bad = compare(values, "dig_phantom", prefix="ih_")
    assert not bad
    assert len(ok) == 23


def test_hand_computed_histogram():
    # levels 1 x2, 2 x1, 4 x3 with Ng = 5: n = [2, 1, 0, 3, 0]
    h = ih.histogram(np.array([1, 1, 2, 4, 4, 4]), 5)
    np.testing.assert_array_equal(h.n, [2, 1, 0, 3, 0])
    np.testing.assert_allclose(ih.gradient(h), [-1, -1, 1, 0, -3])
    assert ih.max_gradient(h) == 1 and ih.max_gradient_level(h) == 3
    assert ih.min_gradient(h) == -3 and ih.min_gradient_level(h) == 5
    assert ih.mode(h) == 4
    p = np.array([2, 1, 3]) / 6
    assert ih.entropy(h) == pytest.approx(-np.sum(p * np.log2(p)))
    assert ih.uniformity(h) == pytest.approx(np.sum(p**2))
    by_name = {f.name: f.function for f in ih.FEATURES}
    assert by_name["mean"](h) == pytest.approx(16 / 6)
    assert by_name["range"](h) == 3


def test_mode_tie_takes_level_closest_to_mean():
    h = ih.histogram(np.array([1, 1, 4, 4, 5]), 5)
    assert ih.mode(h) == 4  # mean 3 is closer to 4 than to 1


def test_single_level_roi_gives_defined_values():
    h = ih.histogram(np.array([1, 1, 1]), 1)
    assert ih.entropy(h) == 0.0 and ih.uniformity(h) == 1.0
    assert ih.max_gradient(h) == 0.0 and ih.min_gradient_level(h) == 1.0


def test_every_feature_is_registered_with_docstring_and_code():
    fam = family("ih")
    assert len(fam.features) == 23
    assert len({f.ibsi_tag for f in fam.features}) == 23
    for f in fam.features:
        assert f.ibsi_code and f.function.__doc__ and f.ibsi_tag.startswith("ih_")
