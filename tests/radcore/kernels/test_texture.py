"""radcore.kernels.texture (layout, co-occurrence and run lengths of both conventions) against slow NumPy references."""

import numpy as np
import pytest

from radcore.kernels import directions
from radcore.kernels.texture import build_texture, cooccurrence_counts, longest_possible_run, run_length_counts
from tests.radcore.kernels.reference_texture import reference_cooccurrence, reference_run_lengths, seeded_levels


def _texture(levels, offsets):
    levels = np.ascontiguousarray(levels, dtype=np.int32)
    pad = max(1, int(np.abs(np.asarray(offsets)).max(initial=1)))
    return build_texture(levels, levels > 0, pad)


def cooccurrence_volume(levels, offsets, n_levels, symmetric=True):
    return cooccurrence_counts(_texture(levels, offsets), offsets, n_levels, symmetric=symmetric)[0]


def cooccurrence_slices(levels, offsets, n_levels, symmetric=True):
    return cooccurrence_counts(_texture(levels, offsets), offsets, n_levels, by_slice=True, symmetric=symmetric)


def run_lengths_volume(levels, offsets, n_levels, max_run=None):
    max_run = longest_possible_run(levels.shape, offsets) if max_run is None else max_run
    return run_length_counts(_texture(levels, offsets), offsets, n_levels, max_run)[0]


def run_lengths_slices(levels, offsets, n_levels, max_run=None):
    max_run = longest_possible_run(levels.shape, offsets) if max_run is None else max_run
    return run_length_counts(_texture(levels, offsets), offsets, n_levels, max_run, by_slice=True)


def random_levels(rng, shape, n_levels, roi_fraction=0.7):
    levels = rng.integers(1, n_levels + 1, size=shape).astype(np.int32)
    levels[rng.random(shape) > roi_fraction] = 0
    return levels


SHAPES = [(1, 6, 7), (1, 1, 1), (3, 4, 5), (5, 1, 8), (4, 7, 1), (2, 9, 9)]


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("distance", [1, 2])
@pytest.mark.parametrize("symmetric", [True, False])
def test_matches_numpy_reference(shape, distance, symmetric):
    rng = np.random.default_rng(sum(shape) + distance)
    levels = random_levels(rng, shape, 5)
    off3 = directions.offsets(distance)
    off2 = directions.offsets(distance, in_plane=True)
    np.testing.assert_array_equal(
        cooccurrence_volume(levels, off3, 5, symmetric), reference_cooccurrence(levels, off3, 5, symmetric)
    )
    np.testing.assert_array_equal(
        cooccurrence_slices(levels, off2, 5, symmetric),
        reference_cooccurrence(levels, off2, 5, symmetric, by_slice=True),
    )


def test_roi_touching_every_border_and_flat_roi():
    levels = np.full((3, 4, 5), 2, np.int32)
    m = cooccurrence_volume(levels, directions.VOLUME, 3)
    np.testing.assert_array_equal(m, reference_cooccurrence(levels, directions.VOLUME, 3))
    assert m[:, [0, 2], :].sum() == 0 and m[:, :, [0, 2]].sum() == 0
    # 0° direction: 3 * 4 rows with 4 neighbour pairs each, counted both ways
    assert m[0, 1, 1] == 2 * 3 * 4 * 4


def test_hand_computed_pairs():
    levels = np.array([[[1, 2], [2, 2]]], np.int32)
    m = cooccurrence_volume(levels, [[0, 0, 1]], 2)
    np.testing.assert_array_equal(m[0], [[0, 1], [1, 2]])
    m = cooccurrence_volume(levels, [[0, 0, 1]], 2, symmetric=False)
    np.testing.assert_array_equal(m[0], [[0, 1], [0, 1]])


def test_voxels_outside_roi_are_ignored():
    levels = np.array([[[1, 0, 1, 1]]], np.int32)
    m = cooccurrence_volume(levels, [[0, 0, 1], [0, 0, 2]], 1)
    assert m[0, 0, 0] == 2  # only the pair (2, 3), both ways
    assert m[1, 0, 0] == 2  # only the pair (0, 2) at distance 2


def test_slices_sum_to_volume_for_in_plane_offsets():
    levels = random_levels(np.random.default_rng(7), (4, 6, 5), 4)
    slices = cooccurrence_slices(levels, directions.IN_PLANE, 4)
    np.testing.assert_array_equal(slices.sum(axis=0), cooccurrence_volume(levels, directions.IN_PLANE, 4))


def test_single_voxel_gives_empty_matrices():
    levels = np.zeros((2, 3, 3), np.int32)
    levels[1, 1, 1] = 1
    assert cooccurrence_volume(levels, directions.VOLUME, 1).sum() == 0


def test_direction_tables():
    assert directions.VOLUME.shape == (13, 3) and directions.VOLUME.dtype == np.int64
    np.testing.assert_array_equal(directions.VOLUME[:4], directions.IN_PLANE)
    both = {tuple(d) for d in directions.VOLUME} | {tuple(-d) for d in directions.VOLUME}
    assert len(both) == 26
    np.testing.assert_array_equal(directions.offsets(2, in_plane=True), 2 * directions.IN_PLANE)
    with pytest.raises(ValueError, match="distance"):
        directions.offsets(0)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("n_levels", [1, 3])
def test_matches_reference(shape, n_levels):
    levels = random_levels(np.random.default_rng(sum(shape) * n_levels), shape, n_levels)
    nr = max(shape)
    np.testing.assert_array_equal(
        run_lengths_volume(levels, directions.VOLUME, n_levels, nr),
        reference_run_lengths(levels, directions.VOLUME, n_levels, nr),
    )
    np.testing.assert_array_equal(
        run_lengths_slices(levels, directions.IN_PLANE, n_levels, nr),
        reference_run_lengths(levels, directions.IN_PLANE, n_levels, nr, by_slice=True),
    )


def test_steps_longer_than_one():
    levels = random_levels(np.random.default_rng(3), (3, 6, 6), 2)
    off = directions.offsets(2)
    np.testing.assert_array_equal(
        run_lengths_volume(levels, off, 2, 6), reference_run_lengths(levels, off, 2, 6)
    )


def test_hand_computed_row():
    levels = np.array([[[1, 1, 2, 0, 2]]], np.int32)
    m = run_lengths_volume(levels, [[0, 0, 1]], 2)
    assert m.shape == (1, 2, 5)
    np.testing.assert_array_equal(m[0], [[0, 1, 0, 0, 0], [2, 0, 0, 0, 0]])


def test_flat_roi_touching_the_border():
    levels = np.full((2, 3, 4), 1, np.int32)
    m = run_lengths_volume(levels, directions.VOLUME, 1)
    assert m[0, 0, 3] == 2 * 3  # one run of 4 along x per row
    assert m[2, 0, 2] == 2 * 4  # one run of 3 along y per column
    # every voxel lies in exactly one run per direction
    np.testing.assert_array_equal((m * np.arange(1, m.shape[-1] + 1)).sum(axis=(1, 2)), 24)


def test_each_voxel_in_one_run_per_direction():
    levels = random_levels(np.random.default_rng(11), (4, 6, 5), 3)
    m = run_lengths_volume(levels, directions.VOLUME, 3)
    covered = (m * np.arange(1, m.shape[-1] + 1)).sum(axis=(1, 2))
    np.testing.assert_array_equal(covered, np.count_nonzero(levels))


def test_long_runs_clipped_to_max_run():
    levels = np.ones((1, 1, 6), np.int32)
    m = run_lengths_volume(levels, [[0, 0, 1]], 1, max_run=4)
    assert m[0, 0, 3] == 1 and m.sum() == 1


def test_longest_possible_run():
    assert longest_possible_run((3, 10, 7), directions.IN_PLANE) == 10
    assert longest_possible_run((3, 10, 7), [[1, 1, 1]]) == 3
    assert longest_possible_run((3, 10, 7), [[0, 0, 2]]) == 4
    assert longest_possible_run((1, 1, 1), directions.VOLUME) == 1


def test_errors_name_the_problem():
    levels = np.ones((1, 2, 2), np.int32)
    with pytest.raises(ValueError, match="grey level 3 above n_levels = 2"):
        cooccurrence_volume(levels * 3, directions.VOLUME, 2)
    with pytest.raises(ValueError, match="in-plane"):
        cooccurrence_slices(levels, directions.VOLUME, 2)
    with pytest.raises(ValueError, match="in-plane"):
        run_lengths_slices(levels, directions.VOLUME, 1)
    with pytest.raises(ValueError, match="lexicographically positive"):
        run_lengths_volume(levels, [[0, 0, 0]], 1)
    with pytest.raises(ValueError, match="lexicographically positive"):
        run_lengths_volume(levels, [[0, 0, -1]], 1)
    with pytest.raises(ValueError, match="max_run"):
        run_lengths_volume(levels, directions.VOLUME, 1, max_run=0)


LAYOUT_SHAPES = [(1, 5, 6), (3, 4, 5), (1, 1, 1), (4, 1, 3), (5, 6, 4)]


@pytest.mark.parametrize("shape", LAYOUT_SHAPES)
def test_texture_layout(shape):
    levels = seeded_levels(shape, 1)
    tex = build_texture(levels, levels > 0, 2)
    assert tex.present.tolist() == sorted(set(levels[levels > 0].tolist()))
    assert tex.counts.sum() == np.count_nonzero(levels)
    values = tex.values.reshape(tex.padded_shape)[2:-2, 2:-2, 2:-2]
    np.testing.assert_array_equal(values, levels)
    assert len(tex.roi) == np.count_nonzero(levels)
