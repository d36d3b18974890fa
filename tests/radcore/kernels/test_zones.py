import numpy as np
import pytest

from radcore.errors import InvalidImageError
from radcore.kernels import zones
from tests.radcore.kernels import reference_zones as ref


def _same_partition(labels: np.ndarray, expected: np.ndarray) -> bool:
    """True when the two zone id arrays group the voxels identically (0 = outside in both)."""
    if not np.array_equal(labels > 0, expected > 0):
        return False
    pairs = np.unique(np.stack([labels[labels > 0], expected[expected > 0]]), axis=1)
    return pairs.shape[1] == np.unique(labels[labels > 0]).size == np.unique(expected[expected > 0]).size


@pytest.mark.parametrize("connectivity", [4, 8, 6, 18, 26])
@pytest.mark.parametrize("shape", ref.SHAPES)
@pytest.mark.parametrize("seed", [0, 1])
def test_label_zones_matches_reference(shape, connectivity, seed):
    levels = ref.random_levels(np.random.default_rng(seed), shape, 3)
    labels, zone_level, zone_size = zones.label_zones(levels, connectivity)
    assert labels.dtype == np.int32 and labels.shape == levels.shape
    assert _same_partition(labels, ref.zones(levels, connectivity))
    n = zone_level.size
    assert np.array_equal(np.bincount(labels.ravel(), minlength=n + 1)[1:], zone_size)
    for k in range(n):
        assert np.all(levels[labels == k + 1] == zone_level[k])
    # numbered in raster order of the first voxel
    first = [np.flatnonzero(labels.ravel() == k + 1)[0] for k in range(n)]
    assert first == sorted(first)
    expected_slices = np.array(first, dtype=np.int64) // (shape[1] * shape[2])
    assert np.array_equal(zones.zone_slices(labels, n), expected_slices)


def test_label_zones_hand_example():
    levels = np.array([[[1, 2, 1], [1, 2, 1], [3, 3, 1]]], np.int32)
    labels, zone_level, zone_size = zones.label_zones(levels, 8)
    assert labels.tolist() == [[[1, 2, 3], [1, 2, 3], [4, 4, 3]]]
    assert zone_level.tolist() == [1, 2, 1, 3]
    assert zone_size.tolist() == [2, 2, 3, 2]
    # 4-connectivity splits nothing here; diagonal contact joins with 8 only
    diag = np.array([[[1, 0], [0, 1]]], np.int32)
    assert zones.label_zones(diag, 4)[2].tolist() == [1, 1]
    assert zones.label_zones(diag, 8)[2].tolist() == [2]


def test_flat_roi_touching_the_border_is_one_zone():
    levels = np.ones((3, 4, 5), np.int32)
    labels, zone_level, zone_size = zones.label_zones(levels, 26)
    assert zone_size.tolist() == [60] and zone_level.tolist() == [1]
    labels, _, zone_size = zones.label_zones(levels, 8)
    assert zone_size.tolist() == [20, 20, 20]
    assert zones.zone_slices(labels, 3).tolist() == [0, 1, 2]


def test_empty_levels_give_no_zones():
    labels, zone_level, zone_size = zones.label_zones(np.zeros((2, 3, 3), np.int32))
    assert zone_level.size == 0 and zone_size.size == 0 and not labels.any()


@pytest.mark.parametrize("connectivity", [4, 6])
@pytest.mark.parametrize("shape", ref.SHAPES)
@pytest.mark.parametrize("fill", [0.7, 1.0])
def test_distance_to_edge_matches_brute_force(shape, connectivity, fill):
    mask = np.random.default_rng(3).random(shape) < fill
    dist = zones.distance_to_edge(mask, connectivity)
    assert dist.dtype == np.int32
    assert np.array_equal(dist, ref.distance_to_edge(mask, connectivity))


def test_distance_to_edge_hand_example():
    mask = np.ones((1, 5, 5), bool)
    assert zones.distance_to_edge(mask, 4)[0].tolist() == [
        [1, 1, 1, 1, 1], [1, 2, 2, 2, 1], [1, 2, 3, 2, 1], [1, 2, 2, 2, 1], [1, 1, 1, 1, 1]]
    # a single slice is all edge in 3D
    assert zones.distance_to_edge(mask, 6).max() == 1
    assert zones.distance_to_edge(np.ones((1, 1, 1), bool), 6).tolist() == [[[1]]]


def test_zone_minimum():
    labels = np.array([[[1, 1, 2], [0, 2, 2]]], np.int32)
    values = np.array([[[5, 3, 9], [0, 7, 8]]])
    assert zones.zone_minimum(labels, values, 2).tolist() == [3, 7]


def test_box_offsets_and_neighbours():
    assert zones.box_offsets((1, 1, 1)).shape == (26, 3)
    assert zones.box_offsets((0, 2, 2)).shape == (24, 3)
    assert [len(zones.neighbour_offsets(c)) for c in (4, 8, 6, 18, 26)] == [4, 8, 6, 18, 26]


def test_errors_name_the_problem():
    with pytest.raises(ValueError, match="connectivity must be one of"):
        zones.label_zones(np.ones((1, 2, 2), np.int32), 5)
    with pytest.raises(InvalidImageError, match="3D"):
        zones.label_zones(np.ones((2, 2), np.int32))
    with pytest.raises(InvalidImageError, match="integer"):
        zones.label_zones(np.ones((1, 2, 2)))
    with pytest.raises(InvalidImageError, match="same shape"):
        zones.zone_minimum(np.ones((1, 2, 2), np.int32), np.ones((1, 2, 3)), 1)
