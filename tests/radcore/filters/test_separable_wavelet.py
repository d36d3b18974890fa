"""IBSI-2 separable wavelets: PyRadiomics' one-level transform when periodic, dilated kernels at level 2,
and the mean over 24 rotated full kernels."""

import numpy as np
import pytest
from scipy import ndimage

from radcore.errors import SettingsError
from radcore.filters import wavelet
from radcore.filters.separable_wavelet import odd_filters, reach_voxels, wavelet_filter
from tests.radcore.filters.rotations import rotations_3d


@pytest.mark.parametrize("name", ["haar", "db2", "coif1"])
def test_periodic_level_one_is_the_pyradiomics_transform(name):
    """The same operation as radcore.filters.wavelet's one-level SWT: only the boundary may differ."""
    x = np.random.default_rng(0).normal(size=(6, 8, 10))
    bands = wavelet.swt_one_level(x, name, (2, 1, 0))
    for band in ("LLL", "LHL", "HHL", "HHH"):
        got = wavelet_filter(x, name, band, 1, "periodic")
        np.testing.assert_allclose(got, bands[band], rtol=1e-12, atol=1e-12)


def full_kernel(name, band, step=1):
    """The sub-band's 3D kernel (z, y, x) with taps ``step`` apart."""
    lo, hi = odd_filters(name)
    parts = []
    for c in band:
        f = lo if c == "L" else hi
        d = np.zeros((f.size - 1) * step + 1)
        d[::step] = f
        parts.append(d)
    return np.einsum("i,j,k->ijk", parts[2], parts[1], parts[0])


def test_level_two_cascades_dilated_filters():
    x = np.random.default_rng(1).normal(size=(9, 10, 11))
    low = ndimage.convolve(x, full_kernel("db2", "LLL"), mode="reflect")
    expected = ndimage.convolve(low, full_kernel("db2", "HLH", 2), mode="reflect")
    np.testing.assert_allclose(wavelet_filter(x, "db2", "HLH", 2, "mirror"), expected, rtol=1e-12, atol=1e-12)


def test_rotation_invariance_is_the_mean_over_rotated_kernels():
    x = np.random.default_rng(2).normal(size=(7, 8, 9))
    kernels = rotations_3d(full_kernel("db2", "LHL"))
    expected = np.mean([ndimage.convolve(x, k, mode="constant") for k in kernels], axis=0)
    got = wavelet_filter(x, "db2", "LHL", 1, "zero", rotation_invariance=True)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


def test_2d_subbands_filter_each_slice():
    x = np.random.default_rng(3).normal(size=(3, 8, 9))
    lo, hi = odd_filters("db3")
    expected = ndimage.convolve(x, np.einsum("j,k->jk", lo, hi)[None], mode="nearest")  # HL: H along x
    np.testing.assert_allclose(wavelet_filter(x, "db3", "HL", 1, "nearest"), expected, rtol=1e-12, atol=1e-12)


def test_reach_and_errors():
    assert reach_voxels("coif1", 1) == 3 and reach_voxels("haar", 2) == 3  # 1 + 2
    with pytest.raises(SettingsError, match="letters L or H"):
        wavelet_filter(np.zeros((4, 4, 4)), "haar", "LXH")
    with pytest.raises(SettingsError, match="not implemented"):
        wavelet_filter(np.zeros((4, 4, 4)), "bior1.3", "LLH")
