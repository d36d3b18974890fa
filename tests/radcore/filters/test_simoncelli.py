"""IBSI-2 Simoncelli against Re(IFFT(FFT(image) H)) with H built from the formula here."""

import math

import numpy as np
import pytest

from radcore.errors import SettingsError
from radcore.filters.simoncelli import simoncelli_filter


def transfer(shape, level):
    axes = [(np.arange(n) - (n - 1) / 2) / ((n - 1) / 2) for n in shape]
    rho = np.sqrt(sum(a**2 for a in np.meshgrid(*axes, indexing="ij")))
    w = 2.0 ** -(level - 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        h = np.where((rho >= w / 4) & (rho <= w), np.cos(math.pi / 2 * np.log2(2 * rho / w)), 0.0)
    return np.fft.ifftshift(h)


@pytest.mark.parametrize("shape", [(8, 9, 10), (7, 7, 7), (16, 12, 11)])
@pytest.mark.parametrize("level", [1, 2, 3])
def test_3d_against_the_complex_fft(shape, level):
    x = np.random.default_rng(level).normal(size=shape)
    expected = np.real(np.fft.ifftn(np.fft.fftn(x) * transfer(shape, level)))
    np.testing.assert_allclose(simoncelli_filter(x, level, "3D"), expected, rtol=1e-10, atol=1e-12)


def test_2d_filters_each_slice():
    x = np.random.default_rng(0).normal(size=(3, 10, 13))
    h = transfer((10, 13), 1)
    expected = np.real(np.fft.ifft2(np.fft.fft2(x, axes=(1, 2)) * h, axes=(1, 2)))
    np.testing.assert_allclose(simoncelli_filter(x, 1, "2D"), expected, rtol=1e-10, atol=1e-12)


def test_level_must_be_positive():
    with pytest.raises(SettingsError, match="level"):
        simoncelli_filter(np.zeros((4, 4, 4)), 0)
