import numpy as np
import pytest

from radcore.errors import InvalidImageError
from radcore.kernels import directions
from radcore.kernels.glcm import cooccurrence_slices, cooccurrence_volume


def reference_cooccurrence(levels, offsets, n_levels, symmetric=True, by_slice=False):
    """Slow NumPy reference: shifted views of the array, pairs counted with np.add.at."""
    nz = levels.shape[0]
    out = np.zeros((nz if by_slice else 1, len(offsets), n_levels, n_levels))
    for k, d in enumerate(offsets):
        src, dst = [], []
        for n, step in zip(levels.shape, d):
            src.append(slice(max(0, -step), min(n, n - step)))
            dst.append(slice(max(0, step), min(n, n + step)))
        a, b = levels[tuple(src)], levels[tuple(dst)]
        z = np.broadcast_to(np.arange(nz)[src[0]][:, None, None], a.shape)
        keep = (a > 0) & (b > 0)
        group = z[keep] if by_slice else np.zeros(keep.sum(), int)
        np.add.at(out, (group, k, a[keep] - 1, b[keep] - 1), 1.0)
        if symmetric:
            np.add.at(out, (group, k, b[keep] - 1, a[keep] - 1), 1.0)
    return out if by_slice else out[0]


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


def test_errors_name_the_problem():
    levels = np.ones((1, 2, 2), np.int32)
    with pytest.raises(InvalidImageError, match="above n_levels"):
        cooccurrence_volume(levels * 3, directions.VOLUME, 2)
    with pytest.raises(InvalidImageError, match="3D"):
        cooccurrence_volume(levels[0], directions.VOLUME, 2)
    with pytest.raises(ValueError, match="in-plane"):
        cooccurrence_slices(levels, directions.VOLUME, 2)
    with pytest.raises(ValueError, match=r"\(k, 3\)"):
        cooccurrence_volume(levels, [1, 0, 0], 2)


def test_direction_tables():
    assert directions.VOLUME.shape == (13, 3) and directions.VOLUME.dtype == np.int64
    np.testing.assert_array_equal(directions.VOLUME[:4], directions.IN_PLANE)
    both = {tuple(d) for d in directions.VOLUME} | {tuple(-d) for d in directions.VOLUME}
    assert len(both) == 26
    np.testing.assert_array_equal(directions.offsets(2, in_plane=True), 2 * directions.IN_PLANE)
    with pytest.raises(ValueError, match="distance"):
        directions.offsets(0)
