"""radcore.kernels.pyrad_bspline against SimpleITK's B-spline ResampleImageFilter and its own per-line recursion."""

import numpy as np
import pytest
import SimpleITK as sitk


@pytest.mark.parametrize(
    "shape, spacing, out_spacing, out_size, start",
    [((10, 30, 31), (0.977, 0.977, 3.0), (1.0, 1.0, 1.0), (30, 29, 28), (0.3, 0.2, -0.4)),
     ((3, 5, 40), (0.5, 1.0, 2.0), (0.7, 0.7, 0.7), (60, 8, 9), (-0.5, 0.0, 0.1)),
     ((1, 6, 7), (1.0, 1.0, 2.0), (0.5, 0.5, 2.0), (12, 11, 1), (0.0, 0.0, 0.0))],
)
def test_bspline_resampling_reproduces_itk(shape, spacing, out_spacing, out_size, start):
    from radcore.kernels.pyrad_bspline import resample

    rng = np.random.default_rng(7)
    arr = rng.normal(0, 300, shape).astype(np.float32)
    img = sitk.GetImageFromArray(arr)
    img.SetSpacing(spacing)
    img.SetOrigin((-10.0, 5.0, 2.5))
    origin = img.TransformContinuousIndexToPhysicalPoint(start)
    rif = sitk.ResampleImageFilter()
    rif.SetOutputSpacing(out_spacing)
    rif.SetSize(out_size)
    rif.SetOutputOrigin(origin)
    rif.SetOutputDirection(img.GetDirection())
    rif.SetOutputPixelType(img.GetPixelID())
    rif.SetInterpolator(sitk.sitkBSpline)
    want = sitk.GetArrayFromImage(rif.Execute(img))
    got = resample(arr, img.GetOrigin(), spacing, img.GetDirection(), origin, out_spacing, out_size).astype(np.float32)
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-6 * np.abs(want).max())
    assert np.mean(got == want) > 0.999  # the same arithmetic: all but rare last-bit differences


@pytest.mark.parametrize("shape", [(1, 1, 1), (1, 5, 7), (4, 1, 9), (13, 6, 2), (40, 3, 5), (3, 45, 44)])
def test_bspline_coefficients_equal_line_by_line(shape):
    """The column-blocked coefficient pass repeats the per-line recursion bit for bit."""
    from radcore.kernels.pyrad_bspline import _HORIZON, _POLE, _coefficients, _line_coefficients

    horizon = _HORIZON
    arr = np.random.default_rng(3).normal(0, 100, shape)
    want = arr.copy()
    for axis in (2, 1, 0):
        if want.shape[axis] > 1:
            moved = np.moveaxis(want, axis, -1).copy()
            for line in moved.reshape(-1, moved.shape[-1]):
                _line_coefficients(line, line.size, _POLE, horizon)
            want = np.ascontiguousarray(np.moveaxis(moved, -1, axis))
    got = np.empty(shape)
    _coefficients(arr, got)
    np.testing.assert_array_equal(got, want)
    single = arr.astype(np.float32)  # read as float32, filtered in float64 as from its float64 copy
    from32, from64 = np.empty(shape), np.empty(shape)
    _coefficients(single, from32)
    _coefficients(single.astype(np.float64), from64)
    np.testing.assert_array_equal(from32, from64)
