import numpy as np
import pytest

from radcore.errors import InvalidImageError
from radcore.kernels import glszm
from tests.radcore.kernels import reference_zones as ref


def _reference_matrix(levels, n_levels, connectivity):
    ids = ref.zones(levels, connectivity)
    pairs = [(int(i // 10**6), int(np.sum(ids == i))) for i in np.unique(ids[ids > 0])]
    width = max([s for _, s in pairs], default=1)
    m = np.zeros((n_levels, width))
    for g, s in pairs:
        m[g - 1, s - 1] += 1
    return m


@pytest.mark.parametrize("connectivity", [8, 26])
@pytest.mark.parametrize("shape", ref.SHAPES)
def test_size_zone_matrix_matches_reference(shape, connectivity):
    levels = ref.random_levels(np.random.default_rng(7), shape, 4)
    m = glszm.size_zone_matrix(levels, 4, connectivity)
    assert m.dtype == np.float64
    assert np.array_equal(m, _reference_matrix(levels, 4, connectivity))


def test_hand_example():
    levels = np.array([[[1, 2, 1], [1, 2, 1], [3, 3, 1]]], np.int32)
    assert glszm.size_zone_matrix(levels, 3, 8).tolist() == [[0, 1, 1], [0, 1, 0], [0, 1, 0]]


def test_flat_roi_and_single_voxel():
    assert glszm.size_zone_matrix(np.full((2, 2, 2), 2, np.int32), 2).tolist() == [[0] * 8, [0] * 7 + [1]]
    assert glszm.size_zone_matrix(np.ones((1, 1, 1), np.int32), 1).tolist() == [[1.0]]


def test_compressed_matrix_keeps_occurring_columns():
    m, values = glszm.compressed_zone_matrix(np.array([1, 2, 1]), np.array([5, 1, 5]), 2)
    assert values.tolist() == [1, 5]
    assert m.tolist() == [[0, 2], [1, 0]]
    dense = glszm.zone_count_matrix(np.array([1, 2, 1]), np.array([5, 1, 5]), 2)
    assert np.array_equal(dense[:, values - 1], m)


def test_errors():
    with pytest.raises(InvalidImageError, match="1..n_levels=2"):
        glszm.zone_count_matrix(np.array([3]), np.array([1]), 2)
    with pytest.raises(InvalidImageError, match="equal length"):
        glszm.zone_count_matrix(np.array([1, 1]), np.array([1]), 2)
    with pytest.raises(InvalidImageError, match="zone values"):
        glszm.zone_count_matrix(np.array([1]), np.array([0]), 2)


def test_compiled_compressed_counts_equal_compressed_zone_matrix():
    rng = np.random.default_rng(4)
    column = np.zeros(40, np.int64)
    for _ in range(5):
        level = rng.integers(1, 5, 30).astype(np.int32)
        value = rng.choice([1, 2, 7, 30, 39], 30).astype(np.int64)
        matrix, values = glszm._compressed_counts(level, value, 4, column)
        expected, occurring = glszm.compressed_zone_matrix(level, value, 4)
        np.testing.assert_array_equal(matrix[0], expected)
        np.testing.assert_array_equal(values, occurring)
        assert not column.any()  # left as it came, for the next neighbourhood
