"""IBSI boundary conditions, dilated separable convolution and orientations against scipy.ndimage."""

import numpy as np
import pytest
from scipy import ndimage

from radcore.errors import SettingsError
from radcore.filters.convolution import (
    convolve_axis, convolve_separable, orientation_classes, orientations, oriented_kernels, pad, pool, pool_classes,
    separable_responses,
)

SCIPY_MODE = {"zero": "constant", "nearest": "nearest", "periodic": "wrap", "mirror": "reflect"}


def test_padding_follows_the_ibsi_table():
    row = np.array([1.0, 2.0, 3.0, 4.0])  # a b c d
    assert pad(row, [(2, 2)], "zero").tolist() == [0, 0, 1, 2, 3, 4, 0, 0]
    assert pad(row, [(2, 2)], "nearest").tolist() == [1, 1, 1, 2, 3, 4, 4, 4]
    assert pad(row, [(2, 2)], "periodic").tolist() == [3, 4, 1, 2, 3, 4, 1, 2]
    assert pad(row, [(2, 2)], "mirror").tolist() == [2, 1, 1, 2, 3, 4, 4, 3]  # b a | a b c d | d c


@pytest.mark.parametrize("boundary", list(SCIPY_MODE))
@pytest.mark.parametrize("axis", [0, 1, 2])
def test_convolve_axis_is_scipy_convolve1d(boundary, axis):
    rng = np.random.default_rng(axis)
    x = rng.normal(size=(5, 6, 7))
    kernel = rng.normal(size=5)
    expected = ndimage.convolve1d(x, kernel, axis=axis, mode=SCIPY_MODE[boundary], cval=0.0)
    np.testing.assert_allclose(convolve_axis(x, kernel, axis, boundary), expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("boundary", list(SCIPY_MODE))
def test_dilation_inserts_zeros_between_taps(boundary):
    rng = np.random.default_rng(7)
    x = rng.normal(size=(4, 9, 11))
    kernel = rng.normal(size=3)
    dilated = np.zeros(9)
    dilated[::4] = kernel  # taps 4 voxels apart
    expected = ndimage.convolve1d(x, dilated, axis=2, mode=SCIPY_MODE[boundary])
    np.testing.assert_allclose(convolve_axis(x, kernel, 2, boundary, dilation=4), expected, rtol=1e-12, atol=1e-12)


def test_separable_is_the_outer_product_kernel():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(6, 7, 8))
    kz, ky, kx = rng.normal(size=3), rng.normal(size=5), rng.normal(size=3)
    full = np.einsum("i,j,k->ijk", kz, ky, kx)
    expected = ndimage.convolve(x, full, mode="reflect")
    got = convolve_separable(x, {0: kz, 1: ky, 2: kx}, "mirror")
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


def test_even_kernels_and_unknown_boundaries_are_refused():
    with pytest.raises(ValueError, match="odd length"):
        convolve_axis(np.zeros((3, 3, 3)), np.ones(2), 0, "zero")
    with pytest.raises(SettingsError, match="boundary must be one of"):
        convolve_axis(np.zeros((3, 3, 3)), np.ones(3), 0, "reflect")


@pytest.mark.parametrize("dimensions, count", [("3D", 24), ("2D", 4)])
def test_orientations_are_the_proper_rotations(dimensions, count):
    turns = orientations(dimensions)
    assert len(turns) == count == len(set(turns))
    n = len(turns[0][0])
    for perm, flips in turns:
        matrix = np.zeros((n, n))
        for a in range(n):
            matrix[perm[a], a] = -1.0 if flips[a] else 1.0
        assert np.linalg.det(matrix) == pytest.approx(1.0)
    assert turns[0] == (tuple(range(n)), (False,) * n)


def test_rotated_kernels_give_the_rotated_response():
    """A kernel turned by 90 degrees in-plane gives the response of the image turned the other way."""
    rng = np.random.default_rng(5)
    x = rng.normal(size=(3, 9, 9))
    kx, ky = rng.normal(size=3), rng.normal(size=5)
    responses = [convolve_separable(x, oriented_kernels([kx, ky], t), "periodic") for t in orientations("2D")]
    full = np.einsum("j,k->jk", ky, kx)[None]
    rotated = [ndimage.convolve(x, np.rot90(full, r, axes=(1, 2)), mode="wrap") for r in range(4)]
    for got in responses:
        assert any(np.allclose(got, r, atol=1e-12) for r in rotated)
    for r in rotated:
        assert any(np.allclose(got, r, atol=1e-12) for got in responses)


def test_pooling():
    maps = [np.array([1.0, 5.0]), np.array([3.0, -1.0])]
    assert pool(iter(maps), "max").tolist() == [3.0, 5.0]
    assert pool(iter(maps), "min").tolist() == [1.0, -1.0]
    assert pool(iter(maps), "mean").tolist() == [2.0, 2.0]
    with pytest.raises(SettingsError, match="pooling"):
        pool(maps, "median")


def test_orientation_classes_count_the_distinct_responses():
    from radcore.filters.laws import parse_kernel
    from radcore.filters.separable_wavelet import odd_filters

    assert len(orientation_classes([parse_kernel("L5E5E5")], "3D")) == 3
    assert len(orientation_classes([parse_kernel("E3W5R5")], "3D")) == 6
    assert len(orientation_classes([parse_kernel("L5S5")], "2D")) == 2
    lo, hi = odd_filters("db2")
    assert len(orientation_classes([[lo] * 3, [hi] * 3], "3D")) == 8
    assert len(orientation_classes([[lo] * 3, [lo, hi, lo]], "3D")) == 24
    assert sum(c.plus + c.minus for c in orientation_classes([parse_kernel("L5E5E5")], "3D")) == 24
    (identity,) = orientation_classes([parse_kernel("E5L5S5")], "3D", rotation_invariance=False)
    assert identity.plus + identity.minus == 1


@pytest.mark.parametrize("pooling", ["max", "min", "mean"])
@pytest.mark.parametrize("names", [("E5", "L5", "E5"), ("E3", "W5", "R5"), ("S5", "S5", "S5")])
def test_pooling_by_class_equals_pooling_every_orientation(pooling, names):
    from radcore.filter_options import KERNELS_1D

    x = np.random.default_rng(9).normal(size=(7, 8, 9))
    kernels = [np.array(KERNELS_1D[n], dtype=float) for n in names]
    every = pool((convolve_separable(x, oriented_kernels(kernels, t), "mirror") for t in orientations("3D")), pooling)
    classes = orientation_classes([kernels], "3D")
    by_class = pool_classes(classes, (convolve_separable(x, c.kernels[0], "mirror") for c in classes), pooling)
    np.testing.assert_allclose(by_class, every, rtol=1e-12, atol=1e-12)


def test_separable_responses_share_passes_and_give_each_cascade_alone():
    rng = np.random.default_rng(4)
    x = rng.normal(size=(6, 7, 8))
    a, b, c = (rng.normal(size=3) for _ in range(3))
    cascades = [[(0, a, 1), (1, b, 1), (2, c, 2)], [(0, a, 1), (1, b, 1), (2, a, 2)], [(0, a, 1), (1, c, 1)],
                [(0, a, 2), (1, b, 1)], [(1, a, 1), (0, a, 1), (1, a, 2)]]
    for got, cascade in zip(separable_responses(x, cascades, "mirror"), cascades):
        expected = x
        for axis, kernel, dilation in cascade:
            expected = convolve_axis(expected, kernel, axis, "mirror", dilation)
        np.testing.assert_array_equal(got, expected)
