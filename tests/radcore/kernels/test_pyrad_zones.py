"""The GLSZM zone kernel :func:`radcore.kernels.pyrad_zones.zones` against the voxel union-find
:func:`radcore.kernels.matrices.zones` (the reference): same zones, same order, bit for bit."""

import itertools

import numpy as np
import pytest

from radcore.kernels import matrices as pt
from radcore.kernels import pyrad_zones as pz
from radcore.pyradiomics.features import angles, glszm
from radcore.kernels.texture import build_texture
from radcore.pyradiomics.inputs import ClassInputs
from radcore.pyradiomics.settings import PyRadiomicsSetting

SHAPES = [(1, 1, 1), (1, 5, 6), (1, 1, 9), (1, 9, 1), (4, 1, 3), (5, 6, 1), (3, 4, 5), (6, 7, 8), (2, 3, 17),
          (9, 8, 7)]
# (False, 0): 3D, 26-connectivity; (True, d): 8-connectivity in the planes across axis d
CONNECTIVITY = [(False, 0), (True, 0), (True, 1), (True, 2)]


def volume(rng, shape, n_levels, fill):
    """int32 levels 1..n_levels and a mask keeping about ``fill`` of the voxels (all when fill == 1)."""
    levels = rng.integers(1, n_levels + 1, size=shape).astype(np.int32)
    mask = rng.random(shape) < fill if fill < 1 else np.ones(shape, bool)
    if not mask.any():
        mask.flat[rng.integers(mask.size)] = True
    return levels, mask


def both(tex, offsets):
    want = pt.zones(tex.ranks, tex.roi, -tex.steps(offsets))
    got = pz.zones(tex.ranks, tex.roi, tex.padded_shape, -offsets)
    return got, want


def assert_same(got, want):
    assert got[0].dtype == np.int32 and got[1].dtype == np.int64
    assert np.array_equal(got[0], want[0])
    assert np.array_equal(got[1], want[1])


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("pad", [1, 2])
@pytest.mark.parametrize("force2D,dim", CONNECTIVITY)
@pytest.mark.parametrize("n_levels,fill", [(1, 1.0), (2, 1.0), (2, 0.7), (3, 0.5), (5, 0.9), (40, 1.0), (40, 0.6)])
def test_zones_match_voxel_kernel(shape, pad, force2D, dim, n_levels, fill):
    rng = np.random.default_rng(sum(shape) * 1000 + n_levels * 10 + pad)
    levels, mask = volume(rng, shape, n_levels, fill)
    tex = build_texture(levels, mask, pad)
    # the GLSZM's offsets (a 3x3x3 neighbourhood) and those of the array's own shape (axes of length 1
    # drop their offsets)
    for like in ((3, 3, 3), shape):
        offsets = angles((1,), like, force2D, dim)
        assert_same(*both(tex, offsets))


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("force2D,dim", CONNECTIVITY)
def test_zones_match_on_smooth_volumes(seed, force2D, dim):
    # long runs and large, winding zones (deep union-find trees, merges late in the sweep)
    rng = np.random.default_rng(seed)
    shape = (12, 15, 20)
    field = rng.normal(size=shape).cumsum(axis=0).cumsum(axis=1).cumsum(axis=2)
    levels = np.digitize(field, np.quantile(field, [0.3, 0.6])).astype(np.int32) + 1
    mask = rng.random(shape) < 0.95
    for pad in (1, 2):
        tex = build_texture(levels, mask, pad)
        assert_same(*both(tex, angles((1,), (3, 3, 3), force2D, dim)))


def test_zones_one_zone_and_hand_example():
    levels = np.ones((4, 5, 6), np.int32)
    tex = build_texture(levels, np.ones_like(levels, bool), 1)
    rank, size = pz.zones(tex.ranks, tex.roi, tex.padded_shape, -angles((1,), (3, 3, 3)))
    assert rank.tolist() == [1] and size.tolist() == [120]
    # 8-connected within the one plane: rows 1 1 / 2 1 / 1 2 -> the four 1s (one by a diagonal) and the
    # two 2s (diagonal neighbours)
    levels = np.array([[[1, 1], [2, 1], [1, 2]]], np.int32)
    tex = build_texture(levels, np.ones_like(levels, bool), 1)
    rank, size = pz.zones(tex.ranks, tex.roi, tex.padded_shape, -angles((1,), (3, 3, 3), True, 0))
    assert rank.tolist() == [1, 2] and size.tolist() == [4, 2]


def test_zones_empty_roi_and_offset_signs():
    levels = np.ones((2, 3, 4), np.int32)
    tex = build_texture(levels, np.zeros_like(levels, bool), 1)
    rank, size = pz.zones(tex.ranks, tex.roi, tex.padded_shape, -angles((1,), (3, 3, 3)))
    assert rank.size == 0 and size.size == 0 and rank.dtype == np.int32 and size.dtype == np.int64
    # offsets of either sign (and repeated) give the same zones
    rng = np.random.default_rng(5)
    levels, mask = volume(rng, (5, 6, 7), 3, 0.8)
    tex = build_texture(levels, mask, 1)
    offsets = angles((1,), (3, 3, 3))
    want = pt.zones(tex.ranks, tex.roi, -tex.steps(offsets))
    flipped = np.where(rng.random((len(offsets), 1)) < 0.5, offsets, -offsets)
    assert_same(pz.zones(tex.ranks, tex.roi, tex.padded_shape, np.concatenate([flipped, offsets])), want)


@pytest.mark.parametrize("seed", range(4))
def test_zones_other_offset_sets(seed):
    rng = np.random.default_rng(seed)
    levels, mask = volume(rng, (5, 6, 7), 2, 0.8)
    tex = build_texture(levels, mask, 2)
    # in-plane distance 2 (8 back offsets reaching 2 voxels) goes through the mask table; the 3D
    # distance-2 neighbourhood (62 back offsets) is more than the table takes and falls back
    for offsets, table in ((angles((2,), (5, 5, 5), True, 0), True), (angles((1, 2), (5, 5, 5)), False)):
        assert (len(offsets) <= pz.MAX_OFFSETS) == table
        assert_same(*both(tex, offsets))


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
    back = tuple(sorted(tuple(-v for v in row) for row in angles((1,), (3, 3, 3), force2D, dim).tolist()))
    n_groups, rep = pz._groups(back)
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


@pytest.mark.parametrize("force2D,dim", CONNECTIVITY)
@pytest.mark.parametrize("fill", [1.0, 0.6, 0.0])
def test_glszm_matrix_as_before(force2D, dim, fill):
    # glszm.matrix against its previous formulation: the voxel kernel and np.unique over the sizes
    rng = np.random.default_rng(int(fill * 10) + dim)
    if fill:
        levels, mask = volume(rng, (6, 7, 8), 4, fill)
    else:  # an empty ROI: no zones, no sizes
        levels, mask = np.ones((2, 3, 4), np.int32), np.zeros((2, 3, 4), bool)
    levels = np.where(mask, levels, 0).astype(np.int32)
    inputs = ClassInputs(levels.astype(float), mask, mask, levels, int(levels.max()), (1.0, 1.0, 1.0))
    setting = PyRadiomicsSetting(force2D=force2D, force2Ddimension=dim)
    P, i, j = glszm.matrix(inputs, setting)
    tex = inputs.texture(1)
    rank, size = pt.zones(tex.ranks, tex.roi, -tex.steps(angles((1,), (3, 3, 3), force2D, dim)))
    sizes, column = np.unique(size, return_inverse=True)
    want = np.bincount((rank.astype(np.int64) - 1) * sizes.size + column.ravel(),
                       minlength=tex.present.size * sizes.size).astype(np.float64)
    assert np.array_equal(P, want.reshape(tex.present.size, sizes.size))
    assert np.array_equal(i, tex.present) and np.array_equal(j, sizes.astype(np.float64))
