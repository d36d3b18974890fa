"""IBSI-2 Laws filters against full 3D kernels turned with numpy.rot90 and convolved by scipy.ndimage."""

import numpy as np
import pytest
from scipy import ndimage

from radcore.errors import SettingsError
from radcore.filters.laws import laws_filter, parse_kernel
from tests.radcore.filters.rotations import rotations_3d


def full_kernel(name):
    """The separable product as a (z, y, x) array, kernels named in x, y, z order."""
    parts = parse_kernel(name)
    if len(parts) == 3:
        return np.einsum("i,j,k->ijk", parts[2], parts[1], parts[0])
    return np.einsum("j,k->jk", parts[1], parts[0])[None]


def test_kernels_are_l2_normalised_and_named_in_axis_order():
    e3, w5, r5 = parse_kernel("E3W5R5")
    assert np.linalg.norm(w5) == pytest.approx(1.0)
    assert e3 == pytest.approx(np.array([-1, 0, 1]) / np.sqrt(2))
    k = full_kernel("E3W5R5")
    assert k.shape == (5, 5, 3)  # R5 along z, W5 along y, E3 along x
    with pytest.raises(SettingsError, match="must chain"):
        parse_kernel("E5X5")


def test_single_orientation_against_scipy():
    x = np.random.default_rng(0).normal(size=(9, 10, 11))
    expected = ndimage.convolve(x, full_kernel("E5L5S5"), mode="reflect")
    np.testing.assert_allclose(laws_filter(x, "E5L5S5", "mirror"), expected, rtol=1e-12, atol=1e-12)


def test_rotation_invariant_max_over_24_rotations_and_energy():
    x = np.random.default_rng(1).normal(size=(8, 9, 10))
    rotations = rotations_3d(full_kernel("E5L5S5"))
    assert len(rotations) == 24
    expected = np.max([ndimage.convolve(x, k, mode="constant") for k in rotations], axis=0)
    got = laws_filter(x, "E5L5S5", "zero", rotation_invariance=True, pooling="max")
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)
    energy = ndimage.uniform_filter(np.abs(expected), 5, mode="constant")
    got = laws_filter(x, "E5L5S5", "zero", True, "max", energy_delta=2)
    np.testing.assert_allclose(got, energy, rtol=1e-12, atol=1e-12)


def test_2d_rotation_invariance_turns_in_plane():
    x = np.random.default_rng(2).normal(size=(3, 9, 10))
    k = full_kernel("L5S5")
    expected = np.max([ndimage.convolve(x, np.rot90(k, r, (1, 2)), mode="wrap") for r in range(4)], axis=0)
    got = laws_filter(x, "L5S5", "periodic", rotation_invariance=True)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)
