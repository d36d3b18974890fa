"""radcore.kernels.pyrad_recursive_gaussian against SimpleITK's LaplacianRecursiveGaussianImageFilter (bit for bit)."""

import numpy as np
import pytest
import SimpleITK as sitk

from radcore.kernels.pyrad_recursive_gaussian import laplacian


def _itk_log(x, spacing, sigma):
    img = sitk.GetImageFromArray(x)
    img.SetSpacing(tuple(float(s) for s in spacing[::-1]))
    f = sitk.LaplacianRecursiveGaussianImageFilter()
    f.SetNormalizeAcrossScale(True)
    f.SetSigma(sigma)
    return sitk.GetArrayFromImage(f.Execute(img))


@pytest.mark.parametrize(
    "shape, spacing, sigma, dtype",
    [((4, 4, 4), (1.0, 1.0, 1.0), 1.0, np.float32), ((6, 9, 11), (3.0, 0.97, 0.97), 1.0, np.float32),
     ((5, 6, 7), (1.0, 2.0, 0.5), 3.0, np.int16), ((12, 10, 9), (2.0, 0.8, 0.8), 5.0, np.float64)],
)
def test_recursive_laplacian_reproduces_itk(shape, spacing, sigma, dtype):
    rng = np.random.default_rng(6)
    x = (rng.normal(0, 300, shape)).astype(dtype)
    got = laplacian(x, spacing, sigma)
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got, _itk_log(x, spacing, sigma))  # same arithmetic, same float32


@pytest.mark.parametrize(
    "shape, box",
    [((4, 4, 4), (slice(0, 4), slice(0, 4), slice(0, 4))), ((9, 11, 13), (slice(2, 7), slice(5, 6), slice(12, 13))),
     ((6, 8, 5), (slice(0, 1), slice(0, 8), slice(1, 4))), ((5, 7, 9), (slice(4, 5), slice(3, 4), slice(0, 1)))],
)
def test_recursive_laplacian_box_equals_cropped_response(shape, box):
    rng = np.random.default_rng(8)
    x = rng.normal(0, 300, shape).astype(np.float32)
    for sigma, spacing in ((1.0, (2.0, 0.8, 0.8)), (3.0, (1.0, 1.0, 1.0))):
        got = laplacian(x, spacing, sigma, box)
        assert got.dtype == np.float32
        np.testing.assert_array_equal(got, _itk_log(x, spacing, sigma)[box])  # bit for bit


def test_recursive_laplacian_needs_four_voxels():
    with pytest.raises(ValueError, match="4 voxels"):
        laplacian(np.zeros((3, 5, 5)), (1.0, 1.0, 1.0), 1.0)
