"""LoG: the impulse response approximates the scale-normalised continuous LoG; crops need only the margin."""

import numpy as np
import pytest

from radcore.filters import log


def continuous_log(r2, sigma):
    """sigma^2 * Laplacian of the 3D Gaussian at squared distance r2 (mm^2)."""
    g = (2 * np.pi * sigma**2) ** -1.5 * np.exp(-r2 / (2 * sigma**2))
    return sigma**2 * g * (r2 / sigma**4 - 3 / sigma**2)


def test_impulse_response_is_the_normalised_log():
    n, sigma = 41, 3.0
    x = np.zeros((n, n, n))
    x[20, 20, 20] = 1.0
    out = log.laplacian_of_gaussian(x, (1.0, 1.0, 1.0), sigma)
    assert out.dtype == np.float32  # ITK's output type, as PyRadiomics gets it
    idx = np.indices(x.shape) - 20
    expected = continuous_log((idx**2).sum(axis=0).astype(float), sigma)
    peak = abs(expected[20, 20, 20])
    assert out[20, 20, 20] == pytest.approx(expected[20, 20, 20], rel=0.05)
    assert np.abs(out - expected).max() < 0.05 * peak
    flat = log.laplacian_of_gaussian(np.full((20, 20, 20), 50.0), (1.0, 1.0, 1.0), sigma)
    assert np.abs(flat).max() < 1e-4


def test_spacing_is_in_mm():
    x = np.zeros((21, 41, 41))
    x[10, 20, 20] = 1.0
    out = log.laplacian_of_gaussian(x, (2.0, 1.0, 1.0), 2.0)
    # symmetric in mm: 2 voxels along y equal 1 voxel (2 mm) along z
    assert out[10, 22, 20] == pytest.approx(out[11, 20, 20], rel=0.05)


def test_crop_with_margin_matches_the_whole_image():
    rng = np.random.default_rng(0)
    x = rng.normal(100, 20, size=(40, 60, 60)).astype(np.int16)
    spacing = (2.0, 0.8, 0.8)
    whole = log.laplacian_of_gaussian(x, spacing, 3.0)
    assert whole.dtype == np.float32
    mz, my, mx = log.margin(3.0, spacing)
    box = (slice(18, 22), slice(28, 32), slice(28, 32))
    region = tuple(slice(max(s.start - m, 0), s.stop + m) for s, m in zip(box, (mz, my, mx)))
    part = log.laplacian_of_gaussian(x[region], spacing, 3.0)
    inner = tuple(slice(s.start - r.start, s.stop - r.start) for s, r in zip(box, region))
    np.testing.assert_allclose(part[inner], whole[box], rtol=0, atol=1e-5 * np.abs(whole[box]).max())


def test_applicable_follows_pyradiomics_size_rules():
    assert log.applicable((10, 10, 10), (1.0, 1.0, 1.0), 3.0)
    assert not log.applicable((3, 10, 10), (1.0, 1.0, 1.0), 1.0)  # an axis below 4 voxels
    assert not log.applicable((5, 50, 50), (1.0, 1.0, 1.0), 5.0)  # 5 < ceil(5 / 1) + 1


def test_box_returns_the_cropped_response():
    x = np.random.default_rng(2).normal(0, 50, (12, 14, 10))
    box = (slice(3, 9), slice(0, 14), slice(7, 8))
    np.testing.assert_array_equal(log.laplacian_of_gaussian(x, (1.5, 1.0, 1.0), 2.0, box),
                                  log.laplacian_of_gaussian(x, (1.5, 1.0, 1.0), 2.0)[box])
    small = x[:3, :5, :5]  # under 4 voxels along z: SimpleITK's filter
    box = (slice(0, 3), slice(1, 4), slice(2, 3))
    try:
        whole = log.laplacian_of_gaussian(small, (1.0, 1.0, 1.0), 1.0)
    except RuntimeError:  # ITK refuses fewer than 4 voxels; PyRadiomics skips such images
        return
    np.testing.assert_array_equal(log.laplacian_of_gaussian(small, (1.0, 1.0, 1.0), 1.0, box), whole[box])
