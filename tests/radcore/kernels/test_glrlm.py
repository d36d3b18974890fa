import itertools

import numpy as np
import pytest

from radcore.errors import InvalidImageError
from radcore.kernels import directions
from radcore.kernels.glrlm import longest_possible_run, run_lengths_slices, run_lengths_volume


def reference_run_lengths(levels, offsets, n_levels, max_run, by_slice=False):
    """Slow reference: walk every line of each direction and group equal neighbours."""
    shape = np.array(levels.shape)
    nz = levels.shape[0]
    out = np.zeros((nz if by_slice else 1, len(offsets), n_levels, max_run))
    for k, d in enumerate(np.asarray(offsets)):
        for start in itertools.product(*(range(n) for n in levels.shape)):
            prev = np.array(start) - d
            if np.all((prev >= 0) & (prev < shape)):
                continue  # not the first voxel of a line
            line, pos = [], np.array(start)
            while np.all((pos >= 0) & (pos < shape)):
                line.append((levels[tuple(pos)], pos[0]))
                pos = pos + d
            index = 0
            for g, group in itertools.groupby(line, key=lambda t: t[0]):
                n = len(list(group))
                if g > 0:
                    z = line[index][1] if by_slice else 0
                    out[z, k, g - 1, min(n, max_run) - 1] += 1
                index += n
    return out if by_slice else out[0]


def random_levels(rng, shape, n_levels, roi_fraction=0.8):
    levels = rng.integers(1, n_levels + 1, size=shape).astype(np.int32)
    levels[rng.random(shape) > roi_fraction] = 0
    return levels


SHAPES = [(1, 6, 7), (1, 1, 1), (3, 4, 5), (5, 1, 8), (4, 7, 1), (2, 5, 6)]


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
    with pytest.raises(InvalidImageError, match="above n_levels"):
        run_lengths_volume(levels * 2, directions.VOLUME, 1)
    with pytest.raises(ValueError, match="in-plane"):
        run_lengths_slices(levels, directions.VOLUME, 1)
    with pytest.raises(ValueError, match="zero step"):
        run_lengths_volume(levels, [[0, 0, 0]], 1)
    with pytest.raises(ValueError, match="max_run"):
        run_lengths_volume(levels, directions.VOLUME, 1, max_run=0)
