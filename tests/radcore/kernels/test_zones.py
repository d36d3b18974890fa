"""radcore.kernels.zones against plain references: a flood fill over the offsets (the zone kernel on the
texture layout), scipy.ndimage.label (label_zones), a brute-force distance to the edge."""

import itertools

import numpy as np
import pytest

from radcore.errors import InvalidImageError
from radcore.kernels import zones
from radcore.kernels.texture import build_texture
from radcore.pyradiomics.features import angles
from tests.radcore.kernels import reference_zones as ref


def _same_partition(labels: np.ndarray, expected: np.ndarray) -> bool:
    """True when the two zone id arrays group the voxels identically (0 = outside in both)."""
    if not np.array_equal(labels > 0, expected > 0):
        return False
    pairs = np.unique(np.stack([labels[labels > 0], expected[expected > 0]]), axis=1)
    return pairs.shape[1] == np.unique(labels[labels > 0]).size == np.unique(expected[expected > 0]).size


# --- the zone kernel on the texture layout -----------------------------------------------------------------

LAYOUT_SHAPES = [(1, 1, 1), (1, 5, 6), (1, 1, 9), (1, 9, 1), (4, 1, 3), (5, 6, 1), (3, 4, 5), (6, 7, 8),
                 (2, 3, 17), (9, 8, 7)]
# (False, 0): 3D, 26-connectivity; (True, d): 8-connectivity in the planes across axis d
CONNECTIVITY = [(False, 0), (True, 0), (True, 1), (True, 2)]


def volume(rng, shape, n_levels, fill):
    """int32 levels 1..n_levels and a mask keeping about ``fill`` of the voxels (all when fill == 1)."""
    levels = rng.integers(1, n_levels + 1, size=shape).astype(np.int32)
    mask = rng.random(shape) < fill if fill < 1 else np.ones(shape, bool)
    if not mask.any():
        mask.flat[rng.integers(mask.size)] = True
    return levels, mask


def assert_matches_flood_fill(levels, mask, pad, offsets):
    """zones and zone_labels on the layout of ``levels`` inside ``mask`` equal the plain flood fill."""
    tex = build_texture(levels, mask, pad)
    want_labels, want_level, want_size = ref.zones_by_offsets(np.where(mask, levels, 0), offsets)
    rank, size = zones.zones(tex.ranks, tex.roi, tex.padded_shape, offsets)
    assert rank.dtype == np.int32 and size.dtype == np.int64
    assert np.array_equal(tex.present[rank - 1], want_level)  # same zones, same (raster) order
    assert np.array_equal(size, want_size)
    labels, rank2, size2 = zones.zone_labels(tex.ranks, tex.roi, tex.padded_shape, offsets)
    inner = (slice(pad, -pad),) * 3
    assert labels.dtype == np.int32
    assert np.array_equal(labels.reshape(tex.padded_shape)[inner], want_labels)
    assert np.array_equal(rank2, rank) and np.array_equal(size2, size)


@pytest.mark.parametrize("shape", LAYOUT_SHAPES)
@pytest.mark.parametrize("pad", [1, 2])
@pytest.mark.parametrize("force2D,dim", CONNECTIVITY)
@pytest.mark.parametrize("n_levels,fill", [(1, 1.0), (2, 0.7), (3, 0.5), (5, 0.9), (40, 0.6)])
def test_zones_match_flood_fill(shape, pad, force2D, dim, n_levels, fill):
    rng = np.random.default_rng(sum(shape) * 1000 + n_levels * 10 + pad)
    levels, mask = volume(rng, shape, n_levels, fill)
    # the GLSZM's offsets (a 3x3x3 neighbourhood) and those of the array's own shape (axes of length 1
    # drop their offsets)
    for like in ((3, 3, 3), shape):
        assert_matches_flood_fill(levels, mask, pad, angles((1,), like, force2D, dim))


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("force2D,dim", CONNECTIVITY)
def test_zones_match_flood_fill_on_smooth_volumes(seed, force2D, dim):
    # long runs and large, winding zones (deep union-find trees, merges late in the sweep)
    rng = np.random.default_rng(seed)
    shape = (12, 15, 20)
    field = rng.normal(size=shape).cumsum(axis=0).cumsum(axis=1).cumsum(axis=2)
    levels = np.digitize(field, np.quantile(field, [0.3, 0.6])).astype(np.int32) + 1
    mask = rng.random(shape) < 0.95
    for pad in (1, 2):
        assert_matches_flood_fill(levels, mask, pad, angles((1,), (3, 3, 3), force2D, dim))


def test_zones_one_zone_and_hand_example():
    levels = np.ones((4, 5, 6), np.int32)
    tex = build_texture(levels, np.ones_like(levels, bool), 1)
    rank, size = zones.zones(tex.ranks, tex.roi, tex.padded_shape, angles((1,), (3, 3, 3)))
    assert rank.tolist() == [1] and size.tolist() == [120]
    # 8-connected within the one plane: rows 1 1 / 2 1 / 1 2 -> the four 1s (one by a diagonal) and the
    # two 2s (diagonal neighbours)
    levels = np.array([[[1, 1], [2, 1], [1, 2]]], np.int32)
    tex = build_texture(levels, np.ones_like(levels, bool), 1)
    labels, rank, size = zones.zone_labels(tex.ranks, tex.roi, tex.padded_shape, angles((1,), (3, 3, 3), True, 0))
    assert rank.tolist() == [1, 2] and size.tolist() == [4, 2]
    assert labels.reshape(tex.padded_shape)[1, 1:-1, 1:-1].tolist() == [[1, 1], [2, 1], [1, 2]]


def test_zones_empty_roi_and_offset_signs():
    levels = np.ones((2, 3, 4), np.int32)
    tex = build_texture(levels, np.zeros_like(levels, bool), 1)
    rank, size = zones.zones(tex.ranks, tex.roi, tex.padded_shape, angles((1,), (3, 3, 3)))
    assert rank.size == 0 and size.size == 0 and rank.dtype == np.int32 and size.dtype == np.int64
    # offsets of either sign (and repeated) give the same zones
    rng = np.random.default_rng(5)
    levels, mask = volume(rng, (5, 6, 7), 3, 0.8)
    tex = build_texture(levels, mask, 1)
    offsets = angles((1,), (3, 3, 3))
    want = zones.zones(tex.ranks, tex.roi, tex.padded_shape, offsets)
    flipped = np.where(rng.random((len(offsets), 1)) < 0.5, offsets, -offsets)
    got = zones.zones(tex.ranks, tex.roi, tex.padded_shape, np.concatenate([flipped, offsets]))
    assert all(np.array_equal(g, w) for g, w in zip(got, want))
    assert_matches_flood_fill(levels, mask, 1, flipped)


@pytest.mark.parametrize("seed", range(4))
def test_zones_other_offset_sets(seed):
    # in-plane distance 2 (8 back offsets reaching 2 voxels) goes through the mask table; the 3D
    # distance-2 neighbourhood (62 back offsets) is more than the table takes
    rng = np.random.default_rng(seed)
    levels, mask = volume(rng, (5, 6, 7), 2, 0.8)
    assert_matches_flood_fill(levels, mask, 2, angles((2,), (5, 5, 5), True, 0))
    tex = build_texture(levels, mask, 2)
    with pytest.raises(ValueError, match="at most 13 opposite pairs"):
        zones.zones(tex.ranks, tex.roi, tex.padded_shape, angles((1, 2), (5, 5, 5)))


def test_zones_check_the_layout():
    tex = build_texture(np.ones((2, 3, 4), np.int32), np.ones((2, 3, 4), bool), 1)
    with pytest.raises(ValueError, match="padded_shape"):
        zones.zones(tex.ranks, tex.roi, (2, 3, 4), angles((1,), (3, 3, 3)))


def reference_groups(back, m):
    """Connected groups (sets of offset indices) of the set bits of ``m``, by plain search."""
    k = len(back)
    near = set(back) | {tuple(-v for v in b) for b in back}
    left = {i for i in range(k) if m >> i & 1}
    groups = []
    while left:
        todo = [min(left)]
        group = set(todo)
        while todo:
            i = todo.pop()
            for j in list(left - group):
                if tuple(a - b for a, b in zip(back[i], back[j])) in near:
                    group.add(j)
                    todo.append(j)
        left -= group
        groups.append(group)
    return groups


@pytest.mark.parametrize("force2D,dim", CONNECTIVITY)
def test_group_table(force2D, dim):
    back = zones._back_offsets(angles((1,), (3, 3, 3), force2D, dim))
    n_groups, rep = zones._groups(back)
    k = len(back)
    assert n_groups.shape == (1 << k,) and n_groups[0] == 0 and rep[0, 0] == k
    masks = range(1 << k)
    if k > 8:  # 3D: the first 256 masks and 500 random ones
        masks = itertools.chain(range(256), np.random.default_rng(0).integers(1 << k, size=500))
    for m in masks:
        groups = reference_groups(back, int(m))
        assert n_groups[m] == len(groups)
        got = [rep[m, j] for j in range(n_groups[m])]
        # one representative per group, the member farthest back
        assert sorted(got) == sorted(min(g, key=lambda i: back[i]) for g in groups)


# --- label_zones on grey-level arrays ----------------------------------------------------------------------


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
