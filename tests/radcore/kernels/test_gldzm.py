import numpy as np
import pytest

from radcore.errors import InvalidImageError
from radcore.kernels import gldzm
from radcore.kernels.zones import label_zones
from tests.radcore.kernels import reference_zones as ref


@pytest.mark.parametrize("zone_conn,dist_conn", [(8, 4), (26, 6)])
@pytest.mark.parametrize("shape", ref.SHAPES)
def test_distance_zone_matrix_matches_reference(shape, zone_conn, dist_conn):
    levels = ref.random_levels(np.random.default_rng(11), shape, 3)
    edge = levels > 0
    ids = ref.zones(levels, zone_conn)
    dist = ref.distance_to_edge(edge, dist_conn)
    zone_dist = {i: dist[ids == i].min() for i in np.unique(ids[ids > 0])}
    expected = np.zeros((3, max(zone_dist.values(), default=1)))
    for i, d in zone_dist.items():
        expected[i // 10**6 - 1, d - 1] += 1
    assert np.array_equal(gldzm.distance_zone_matrix(levels, 3, None, zone_conn, dist_conn), expected)


def test_hand_example_rings():
    levels = np.ones((1, 5, 5), np.int32)
    levels[0, 1:4, 1:4] = 2
    levels[0, 2, 2] = 3
    m = gldzm.distance_zone_matrix(levels, 3, zone_connectivity=8, distance_connectivity=4)
    assert m.tolist() == [[1, 0, 0], [0, 1, 0], [0, 0, 1]]
    # in 3D a single slice is all edge
    assert gldzm.distance_zone_matrix(levels, 3).tolist() == [[1], [1], [1]]


def test_edge_mask_is_a_parameter():
    levels = np.zeros((1, 5, 5), np.int32)
    levels[0, 1:4, 1:4] = 1
    levels[0, 2, 2] = 2
    labels, zone_level, _ = label_zones(levels, 8)
    assert gldzm.zone_distances(labels, 2, levels > 0, 4).tolist() == [1, 2]
    assert gldzm.zone_distances(labels, 2, np.ones((1, 5, 5), bool), 4).tolist() == [2, 3]
    with pytest.raises(InvalidImageError, match="inside edge_mask"):
        gldzm.zone_distances(labels, 2, levels == 2, 4)
    with pytest.raises(InvalidImageError, match="same shape"):
        gldzm.zone_distances(labels, 2, np.ones((2, 5, 5), bool), 4)
