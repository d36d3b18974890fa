"""IBSI-2 Gabor against direct convolution (scipy.ndimage) with the image-sized kernel of the formula."""

import math

import numpy as np
import pytest
from scipy import ndimage

from radcore.errors import SettingsError
from radcore.filters.gabor import angles, distinct_angles, gabor_filter

MODES = {"zero": "constant", "nearest": "nearest", "periodic": "wrap", "mirror": "reflect"}


def full_kernel(side, sigma_v, gamma, lambda_v, theta_deg):
    """g[v, u] on a side x side grid (voxels), no cut-off: the IBSI formula as written."""
    h = side // 2
    v, u = np.mgrid[-h:h + 1, -h:h + 1].astype(float)
    t = math.radians(theta_deg)
    ur = u * math.cos(t) + v * math.sin(t)
    vr = -u * math.sin(t) + v * math.cos(t)
    return np.exp(-(ur**2 + gamma**2 * vr**2) / (2 * sigma_v**2)) * np.exp(2j * math.pi * ur / lambda_v)


def modulus(planes, g, mode):
    """|planes * g| over the last two axes of a stack, by direct convolution."""
    re = ndimage.convolve(planes, g.real[None], mode=mode)
    im = ndimage.convolve(planes, g.imag[None], mode=mode)
    return np.hypot(re, im)


@pytest.mark.parametrize("boundary", list(MODES))
def test_axial_single_angle(boundary):
    x = np.random.default_rng(0).normal(size=(3, 10, 12))
    g = full_kernel(13, 1.5, 0.7, 3.0, 60.0)  # largest in-plane dimension 12, made odd
    expected = modulus(x, g, MODES[boundary])
    got = gabor_filter(x, (2.0, 2.0, 2.0), 3.0, 0.7, 6.0, 60.0, None, "axial", boundary)
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-10)


def test_the_kernel_cut_off_changes_nothing():
    """On an image much larger than the envelope the kernel is cut at TAIL sigmas: same map."""
    x = np.random.default_rng(1).normal(size=(2, 41, 45))
    g = full_kernel(45, 1.0, 1.0, 2.5, 30.0)
    got = gabor_filter(x, (1.0, 1.0, 1.0), 1.0, 1.0, 2.5, 30.0, None, "axial", "mirror")
    np.testing.assert_allclose(got, modulus(x, g, "reflect"), rtol=1e-10, atol=1e-10)


def test_rotation_invariance_over_angles_and_three_planes():
    x = np.random.default_rng(2).normal(size=(7, 8, 9))
    maps = []
    for theta in angles(0.0, 45.0):
        g = full_kernel(9, 1.2, 1.5, 2.0, theta)  # every plane's largest dimension made odd: 9
        maps.append(modulus(x, g, "constant"))                                         # axial (v=y, u=x)
        maps.append(np.transpose(modulus(np.transpose(x, (1, 0, 2)), g, "constant"), (1, 0, 2)))  # coronal
        maps.append(np.transpose(modulus(np.transpose(x, (2, 0, 1)), g, "constant"), (1, 2, 0)))  # sagittal
    got = gabor_filter(x, (1.0, 1.0, 1.0), 1.2, 1.5, 2.0, 0.0, 45.0, "all", "zero")
    np.testing.assert_allclose(got, np.mean(maps, axis=0), rtol=1e-10, atol=1e-10)


def test_angles_and_their_pairs():
    assert angles(0.0, 45.0) == [0.0, 45.0, 90.0, 135.0, 180.0, 225.0, 270.0, 315.0]
    assert distinct_angles(angles(0.0, 45.0)) == [0.0, 45.0, 90.0, 135.0]
    assert distinct_angles(angles(10.0, 120.0)) == [10.0, 130.0, 250.0]  # no pairs 180 degrees apart
    with pytest.raises(SettingsError, match="divide 360"):
        angles(0.0, 50.0)
    with pytest.raises(SettingsError, match="planes"):
        gabor_filter(np.zeros((2, 3, 3)), (1.0, 1.0, 1.0), 1.0, 1.0, 2.0, planes="coronal")
