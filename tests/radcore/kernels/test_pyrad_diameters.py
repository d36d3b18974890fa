"""radcore.kernels.pyrad_diameters against a brute-force search over all point pairs."""

import itertools

import numpy as np
import pytest

from radcore.kernels.pyrad_diameters import diameters, surface_points


def _brute_diameters(points, spacing):
    want = np.zeros(4)
    for a, b in itertools.combinations(points, 2):
        d = np.sum(((a - b) * spacing) ** 2)
        for k in range(3):
            if a[k] == b[k]:
                want[k] = max(want[k], d)
        want[3] = max(want[3], d)
    return np.sqrt(want)


@pytest.mark.parametrize("seed", range(6))
def test_pruned_diameters_equal_all_pairs(seed):
    rng = np.random.default_rng(seed)
    shape = tuple(int(n) for n in rng.integers(1, 7, 3))
    mask = rng.random(shape) < 0.6
    mask.flat[0] = True
    spacing = rng.random(3) + 0.3
    points = surface_points(mask)
    np.testing.assert_array_equal(diameters(points, spacing / 2), _brute_diameters(points, spacing / 2))


def test_diameters_of_one_point_are_zero():
    np.testing.assert_array_equal(diameters(np.array([[1, 2, 3]]), (1.0, 1.0, 1.0)), np.zeros(4))


def test_diameters_match_brute_force():
    rng = np.random.default_rng(3)
    pts = rng.integers(0, 6, size=(40, 3))
    spacing = np.array([2.0, 0.5, 0.7])
    want = np.zeros(4)
    for a, b in itertools.combinations(pts, 2):
        d = np.linalg.norm((a - b) * spacing)
        for k in range(3):
            if a[k] == b[k]:
                want[k] = max(want[k], d)
        want[3] = max(want[3], d)
    np.testing.assert_allclose(diameters(pts, spacing), want)


def test_surface_points_of_a_voxel_are_its_face_centres():
    pts = surface_points(np.ones((1, 1, 1), bool))
    assert sorted(map(tuple, pts)) == sorted([(-1, 0, 0), (1, 0, 0), (0, -1, 0), (0, 1, 0), (0, 0, -1), (0, 0, 1)])
