import numpy as np
import pytest

from radcore.errors import InvalidImageError
from radcore.preprocess.discretise import bin_levels, discretise, ivh_levels
from radcore.roi import RoiImage
from radcore.settings import DiscretisationSettings

FBN4 = DiscretisationSettings(method="fixed_bin_number", bin_number=4)
FBS10 = DiscretisationSettings(method="fixed_bin_size", bin_size=10.0)
NONE = DiscretisationSettings(method="none")


def test_fixed_bin_number_uses_roi_range_and_puts_maximum_in_top_bin():
    d, ng = bin_levels(np.array([0.0, 2.4, 2.5, 5.0, 7.5, 10.0]), FBN4)
    np.testing.assert_array_equal(d, [1, 1, 2, 3, 4, 4])
    assert ng == 4 and d.dtype == np.int32


def test_fixed_bin_number_flat_roi_is_all_level_one():
    d, ng = bin_levels(np.full(5, 3.0), FBN4)
    assert d.tolist() == [1] * 5 and ng == 4


def test_fixed_bin_size_starts_at_resegmentation_lower_bound():
    x = np.array([-500.0, -491.0, -490.0, -10.0, 400.0])
    d, ng = bin_levels(x, FBS10, lower_bound=-500.0)
    np.testing.assert_array_equal(d, [1, 1, 2, 50, 91])
    assert ng == 91
    d, _ = bin_levels(np.array([-5.0, 4.0, 5.0]), FBS10)  # no bound: from min X
    np.testing.assert_array_equal(d, [1, 1, 2])
    d, _ = bin_levels(np.array([3.0]), DiscretisationSettings(method="fixed_bin_size", bin_size=2.0, bin_min=0.0), -100.0)
    np.testing.assert_array_equal(d, [2])  # bin_min wins over the resegmentation bound


def test_none_keeps_integer_levels_and_rejects_others():
    d, ng = bin_levels(np.array([1.0, 3.0, 6.0]), NONE)
    assert d.tolist() == [1, 3, 6] and ng == 6
    with pytest.raises(InvalidImageError, match="integer intensities >= 1"):
        bin_levels(np.array([0.0, 2.0]), NONE)
    with pytest.raises(InvalidImageError, match="fixed_bin_number"):
        bin_levels(np.array([1.5, 2.0]), NONE)


def test_discretise_sets_zero_outside_the_intensity_mask():
    image = np.arange(8.0).reshape(2, 2, 2)
    mask = image > 2
    roi = RoiImage(image, mask, mask, (1.0, 1.0, 1.0))
    disc = discretise(roi, FBN4)
    assert disc.levels[~mask].tolist() == [0, 0, 0]
    assert disc.levels[mask].tolist() == [1, 2, 3, 4, 4]  # X = 3..7: floor(4 (X - 3) / 4) + 1, top clipped
    assert disc.n_levels == 4


def test_ivh_levels_fixed_bin_size_uses_bin_centres():
    lv = ivh_levels(np.array([-1000.0, -997.4, 3.0]), DiscretisationSettings(method="fixed_bin_size", bin_size=2.5), -1000.0)
    np.testing.assert_allclose(lv.values, [-998.75, -996.25, 3.75])
    assert lv.grid[0] == -998.75 and lv.grid[-1] == 3.75 and lv.grid.size == 402


def test_ivh_levels_fixed_bin_number_grid_is_one_to_ng():
    lv = ivh_levels(np.array([0.0, 1.0, 2.0]), DiscretisationSettings(method="fixed_bin_number", bin_number=1000))
    np.testing.assert_array_equal(lv.values, [1, 501, 1000])
    np.testing.assert_array_equal(lv.grid, np.arange(1, 1001))


def test_ivh_levels_none_integer_grid_or_distinct_values():
    lv = ivh_levels(np.array([-2.0, 1.0, 1.0]), NONE)
    np.testing.assert_array_equal(lv.grid, [-2, -1, 0, 1])
    lv = ivh_levels(np.array([0.5, 0.25, 0.5]), NONE)
    np.testing.assert_array_equal(lv.grid, [0.25, 0.5])
