"""Texture classes on tiny hand-computed arrays."""

import numpy as np
import pytest

from radcore.pyradiomics.features import angles, gldm, glcm, glrlm, glszm, ngtdm
from radcore.pyradiomics.inputs import ClassInputs
from radcore.pyradiomics.settings import PyRadiomicsSetting
from tests.radcore.kernels.reference_zones import zones_by_offsets

# one slice, grey levels 1 and 3 (2 absent): i and j take the values present, not their ranks
LEVELS = np.array([[[1, 1, 3], [1, 3, 3]]], dtype=np.int32)


def inputs(levels=LEVELS):
    mask = levels > 0
    return ClassInputs(levels.astype(float), mask, mask, levels, int(levels.max()), (1.0, 1.0, 1.0))


def test_glcm_single_offset_by_hand():
    setting = PyRadiomicsSetting(force2D=True)
    p, present = glcm.matrices(inputs(), setting)
    assert list(present) == [1.0, 3.0]
    # offset (0, 0, 1): pairs (1,1), (1,3), (1,3), (3,3) -> symmetric counts [[2, 2], [2, 2]]
    offsets = [tuple(a) for a in glcm.angles((1,), LEVELS.shape, True, 0)]
    k = offsets.index((0, 0, 1))
    np.testing.assert_allclose(p[k], [[0.25, 0.25], [0.25, 0.25]])
    out = glcm.compute(inputs(), setting, ("Contrast", "JointAverage"))
    assert np.isfinite(out["Contrast"]) and out["JointAverage"] == pytest.approx(2.0)


def test_glcm_flat_region():
    flat = np.ones((2, 3, 3), np.int32)
    out = glcm.compute(inputs(flat), PyRadiomicsSetting(), None)
    assert out["Correlation"] == 1.0 and out["MCC"] == 1.0 and out["Imc2"] == 0.0 and out["JointEnergy"] == 1.0


def test_glrlm_by_hand():
    setting = PyRadiomicsSetting(force2D=True)
    P, i, j = glrlm.matrices(inputs(), setting)
    assert list(i) == [1.0, 3.0]
    out = glrlm.compute(inputs(), setting, ("RunPercentage",))
    assert 0 < out["RunPercentage"] <= 1


def test_glrlm_drops_offsets_without_two_voxels_on_a_line():
    # a single-slice ROI inside a 3-slice array: the 9 out-of-plane offsets give no matrix
    lv = np.zeros((3, 2, 3), np.int32)
    lv[1] = LEVELS[0]
    a = glrlm.compute(inputs(lv), PyRadiomicsSetting(), None)
    b = glrlm.compute(inputs(LEVELS), PyRadiomicsSetting(force2D=True), None)
    assert a == pytest.approx(b)


def test_glszm_by_hand():
    P, i, j = glszm.matrix(inputs(), PyRadiomicsSetting())
    # zones: {1,1,1} (3 voxels, 26-connected), {3,3,3} (3 voxels)
    np.testing.assert_allclose(P, [[1], [1]])
    out = glszm.compute(inputs(), PyRadiomicsSetting(), ("ZonePercentage", "SmallAreaEmphasis"))
    assert out == pytest.approx({"ZonePercentage": 2 / 6, "SmallAreaEmphasis": 1 / 9})


@pytest.mark.parametrize("force2D,dim", [(False, 0), (True, 0), (True, 1), (True, 2)])
@pytest.mark.parametrize("fill", [1.0, 0.6, 0.0])
def test_glszm_matrix_counts_the_flood_filled_zones(force2D, dim, fill):
    # P over the levels and zone sizes present, from the zones of a plain flood fill and np.unique
    rng = np.random.default_rng(int(fill * 10) + dim)
    levels = rng.integers(1, 5, size=(6, 7, 8)).astype(np.int32)
    mask = rng.random(levels.shape) < fill  # fill 0: an empty ROI, no zones, no sizes
    levels = np.where(mask, levels, 0).astype(np.int32)
    P, i, j = glszm.matrix(inputs(levels), PyRadiomicsSetting(force2D=force2D, force2Ddimension=dim))
    _, level, size = zones_by_offsets(levels, angles((1,), (3, 3, 3), force2D, dim))
    present, row = np.unique(level, return_inverse=True)
    sizes, column = np.unique(size, return_inverse=True)
    want = np.zeros((present.size, sizes.size))
    np.add.at(want, (row, column), 1.0)
    assert np.array_equal(P, want)
    assert np.array_equal(i, present) and np.array_equal(j, sizes)


def test_gldm_by_hand():
    P, i, j = gldm.matrix(inputs(), PyRadiomicsSetting())
    # every voxel has 2 neighbours of its own level -> dependence 3
    np.testing.assert_allclose(P, [[3], [3]])
    assert list(j) == [3.0]
    out = gldm.compute(inputs(), PyRadiomicsSetting(), ("DependencePercentage",))
    assert out["DependencePercentage"] == 1.0


def test_gldm_shell_distance_uses_its_own_kernel():
    rng = np.random.default_rng(0)
    lv = rng.integers(1, 4, size=(3, 6, 6)).astype(np.int32)
    out = gldm.compute(inputs(lv), PyRadiomicsSetting(distances=(2,)), None)
    assert all(np.isfinite(v) for v in out.values())


def test_ngtdm_counts_voxels_without_neighbours():
    lv = np.zeros((1, 3, 3), np.int32)
    lv[0, 0, 0] = 1
    lv[0, 2, 2] = 2  # no neighbours: s = 0 but counted in n
    n, s, i = ngtdm.matrix(inputs(lv), PyRadiomicsSetting())
    assert list(n) == [1.0, 1.0] and list(s) == [0.0, 0.0]
    out = ngtdm.compute(inputs(lv), PyRadiomicsSetting(), None)
    assert out["Coarseness"] == 1e6 and out["Strength"] == 0.0


def test_ngtdm_by_hand():
    lv = np.array([[[1, 2]]], np.int32)
    n, s, i = ngtdm.matrix(inputs(lv), PyRadiomicsSetting())
    np.testing.assert_allclose(s, [1.0, 1.0])
    out = ngtdm.compute(inputs(lv), PyRadiomicsSetting(), None)
    assert out["Coarseness"] == pytest.approx(1.0)
    assert out["Contrast"] == pytest.approx((2 * 0.25 * 1) / 2 * 2 / 2)
