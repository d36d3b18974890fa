"""PyRadiomics-specific kernels against plain NumPy references."""

import itertools

import numpy as np
import pytest

from radcore.kernels import ngldm, ngtdm
from radcore.kernels.pyrad_diameters import diameters, surface_points
from radcore.kernels.pyrad_mesh import mesh_volume_area
from tests.radcore.kernels.reference_pyrad_neighbours import neighbourhood_counts
from radcore.pyradiomics.features import angles

SHAPES = [(1, 5, 6), (3, 4, 5), (1, 1, 1), (4, 1, 3)]


def reference_neighbourhood(levels, n_levels, offsets, alpha):
    dep = np.zeros((n_levels, len(offsets) + 1))
    n = np.zeros(n_levels)
    s = np.zeros(n_levels)
    for v in zip(*np.nonzero(levels > 0)):
        g = levels[v]
        neigh = []
        for o in offsets:
            w = tuple(np.array(v) + o)
            if all(0 <= w[k] < levels.shape[k] for k in range(3)) and levels[w] > 0:
                neigh.append(levels[w])
        dep[g - 1, sum(abs(g - h) <= alpha for h in neigh)] += 1
        n[g - 1] += 1
        if neigh:
            s[g - 1] += abs(g - np.mean(neigh))
    return dep, n, s


def random_levels(shape, seed, n_levels=4):
    rng = np.random.default_rng(seed)
    levels = rng.integers(1, n_levels + 1, size=shape).astype(np.int32)
    levels[rng.random(shape) < 0.3] = 0
    return levels


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("distances", [(1,), (2,), (1, 2)])
def test_neighbourhood_counts_match_reference(shape, distances):
    levels = random_levels(shape, 1)
    offsets = angles(distances, (9, 9, 9), bidirectional=True)
    for alpha in (0, 1):
        got = neighbourhood_counts(levels, 4, offsets, alpha)
        want = reference_neighbourhood(levels, 4, offsets, alpha)
        for g, w in zip(got, want):
            np.testing.assert_allclose(g, w)


def test_box_neighbourhood_agrees_with_shared_kernels():
    levels = random_levels((4, 6, 5), 2)
    offsets = angles((1,), levels.shape, bidirectional=True)
    dep, n, s = neighbourhood_counts(levels, 4, offsets, 0)
    np.testing.assert_allclose(ngldm.ngldm(levels, 4, (1, 1, 1), 0.0), dep[:, : ngldm.ngldm(levels, 4).shape[1]])
    np.testing.assert_allclose(ngtdm.ngtdm(levels, 4, (1, 1, 1))[0], s)


def test_angles_follow_pyradiomics():
    assert len(angles((1,), (5, 5, 5))) == 13
    assert len(angles((1,), (5, 5, 5), force2D=True)) == 4
    assert len(angles((1, 2), (5, 5, 5))) == 62
    assert len(angles((1,), (1, 5, 5))) == 4  # no offsets leave a single slice
    first_nonzero = [a[np.flatnonzero(a)[0]] for a in angles((2,), (5, 5, 5))]
    assert min(first_nonzero) > 0


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


@pytest.mark.parametrize("size", [1, 2, 5])
def test_mesh_of_a_box(size):
    # a box of n^3 voxels: the n^3 cube with chamfered edges and corners (n = 1: an octahedron)
    v, a = mesh_volume_area(np.ones((size, size, size), bool), (1.0, 1.0, 1.0))
    # 12 edge prisms of cross-section 1/8 removed, corner terms fixed by the octahedron (n = 1: 1/6)
    assert v == pytest.approx(size**3 - 1.5 * size + 2.0 / 3.0)
    # translation does not change a closed mesh
    v2, a2 = mesh_volume_area(np.pad(np.ones((size, size, size), bool), ((3, 0), (1, 2), (0, 4))), (1.0, 1.0, 1.0))
    assert (v2, a2) == pytest.approx((v, a))


def test_mesh_of_one_voxel_is_an_octahedron():
    v, a = mesh_volume_area(np.ones((1, 1, 1), bool), (1.0, 1.0, 1.0))
    assert v == pytest.approx(1.0 / 6.0)
    assert a == pytest.approx(8 * np.sqrt(3) / 8)
