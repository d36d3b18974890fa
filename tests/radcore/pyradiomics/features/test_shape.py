import itertools

import numpy as np
import pytest

from radcore.pyradiomics.features import shape
from radcore.pyradiomics.inputs import ClassInputs
from radcore.pyradiomics.settings import PyRadiomicsSetting


def inputs(mask, spacing=(1.0, 1.0, 1.0)):
    mask = np.asarray(mask, bool)
    lv = mask.astype(np.int32)
    return ClassInputs(lv.astype(float), mask, mask, lv, 1, spacing)


def test_single_voxel():
    out = shape.compute(inputs(np.ones((1, 1, 1))), PyRadiomicsSetting(), None)
    assert out["MeshVolume"] == pytest.approx(1 / 6)
    assert out["VoxelVolume"] == 1.0
    assert out["Maximum3DDiameter"] == pytest.approx(1.0)  # between opposite face centres
    assert out["MajorAxisLength"] == 0.0


def test_bar_axes_and_diameters():
    out = shape.compute(inputs(np.ones((1, 1, 4)), (3.0, 1.0, 2.0)), PyRadiomicsSetting(), None)
    # x positions 0, 2, 4, 6 mm: variance 5 -> major axis 4 sqrt(5)
    assert out["MajorAxisLength"] == pytest.approx(4 * np.sqrt(5))
    assert out["Maximum3DDiameter"] == pytest.approx(8.0)
    assert out["Maximum2DDiameterSlice"] == pytest.approx(8.0)
    assert out["Elongation"] == 0.0


def test_deprecated_features_only_on_request():
    out = shape.compute(inputs(np.ones((2, 2, 2))), PyRadiomicsSetting(), ("Compactness2", "Sphericity"))
    assert out["Compactness2"] == pytest.approx(out["Sphericity"] ** 3)


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
def test_diameters_equal_all_pairs_of_surface_points(seed):
    rng = np.random.default_rng(seed)
    shape_ = tuple(int(n) for n in rng.integers(1, 7, 3))
    mask = rng.random(shape_) < 0.6
    mask.flat[0] = True
    spacing = rng.random(3) + 0.3
    points = shape.surface_points(mask)
    np.testing.assert_array_equal(shape.diameters(points, spacing), _brute_diameters(points, spacing / 2))


def test_diameters_of_one_point_are_zero():
    assert shape.diameters(np.array([[1, 2, 3]]), (1.0, 1.0, 1.0)) == (0.0, 0.0, 0.0, 0.0)


def test_surface_points_of_a_voxel_are_its_face_centres():
    pts = shape.surface_points(np.ones((1, 1, 1), bool))
    assert sorted(map(tuple, pts)) == sorted([(-1, 0, 0), (1, 0, 0), (0, -1, 0), (0, 1, 0), (0, 0, -1), (0, 0, 1)])
