"""IBSI-2 LoG: the separable sum equals convolution with the sampled kernel of the IBSI formula."""

import math

import numpy as np
import pytest
from scipy import ndimage

from radcore.errors import SettingsError
from radcore.filters.laplacian_of_gaussian import laplacian_of_gaussian, radius


def ibsi_kernel(sigma_v, truncation, d):
    """w(r) = -(1/s^2) (2 pi s^2)^(-d/2) (d - |r|^2/s^2) exp(-|r|^2 / (2 s^2)) on |r_a| <= R."""
    r = int(math.floor(truncation * sigma_v + 0.5))
    grid = np.indices((2 * r + 1,) * d) - r
    r2 = (grid**2).sum(axis=0)
    s2 = sigma_v**2
    return -(1 / s2) * (2 * math.pi * s2) ** (-d / 2) * (d - r2 / s2) * np.exp(-r2 / (2 * s2))


@pytest.mark.parametrize("boundary, mode", [("zero", "constant"), ("mirror", "reflect"), ("periodic", "wrap")])
def test_3d_against_the_sampled_kernel(boundary, mode):
    x = np.random.default_rng(1).normal(size=(12, 13, 14))
    expected = ndimage.convolve(x, ibsi_kernel(1.5, 3.0, 3), mode=mode)
    got = laplacian_of_gaussian(x, (2.0, 2.0, 2.0), 3.0, 3.0, "3D", boundary)  # sigma 3 mm = 1.5 voxels
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)


def test_2d_filters_each_slice_with_the_in_plane_spacing():
    x = np.random.default_rng(2).normal(size=(3, 15, 16))
    kernel = ibsi_kernel(2.0, 4.0, 2)[None]
    got = laplacian_of_gaussian(x, (5.0, 0.5, 0.5), 1.0, 4.0, "2D", "nearest")
    np.testing.assert_allclose(got, ndimage.convolve(x, kernel, mode="nearest"), rtol=1e-10, atol=1e-12)


def test_radius_and_errors():
    assert radius(2.5, 4.0) == 10 and radius(1.4, 4.0) == 6  # floor(5.6 + 0.5)
    with pytest.raises(SettingsError, match="positive"):
        laplacian_of_gaussian(np.zeros((3, 3, 3)), (1.0, 1.0, 1.0), 0.0)
