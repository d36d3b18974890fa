"""The PyRadiomics fast paths against slow references: shared-layout texture kernels, ITK's recursive
Gaussian port and the pruned diameter search."""

import itertools

import numpy as np
import pytest
import SimpleITK as sitk

from radcore.kernels import pyrad_texture as pt
from tests.radcore.kernels.reference_texture import reference_cooccurrence, reference_run_lengths
from radcore.kernels.pyrad_diameters import diameters, surface_points
from tests.radcore.kernels.reference_pyrad_neighbours import neighbourhood_counts
from radcore.kernels.pyrad_recursive_gaussian import laplacian
from radcore.kernels.zones import label_zones
from radcore.pyradiomics.features import angles
from radcore.kernels.texture import build_texture

SHAPES = [(1, 5, 6), (3, 4, 5), (1, 1, 1), (4, 1, 3), (5, 6, 4)]


def random_levels(shape, seed, n_levels=5):
    rng = np.random.default_rng(seed)
    levels = rng.integers(1, n_levels + 1, size=shape).astype(np.int32)
    levels[rng.random(shape) < 0.3] = 0
    if not levels.any():
        levels.flat[0] = 2
    return levels


def layout(levels, pad=1):
    return build_texture(levels, levels > 0, pad)


def dense(tex, matrix):
    """Rows of a matrix over present levels -> rows over levels 1..max (zeros for absent levels)."""
    out = np.zeros((int(tex.present[-1]),) + matrix.shape[1:])
    out[(tex.present - 1).astype(int)] = matrix
    return out


@pytest.mark.parametrize("shape", SHAPES)
def test_texture_layout(shape):
    levels = random_levels(shape, 1)
    tex = layout(levels, 2)
    assert tex.present.tolist() == sorted(set(levels[levels > 0].tolist()))
    assert tex.counts.sum() == np.count_nonzero(levels)
    values = tex.values.reshape(tex.padded_shape)[2:-2, 2:-2, 2:-2]
    np.testing.assert_array_equal(values, levels)
    assert len(tex.roi) == np.count_nonzero(levels)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("distances", [(1,), (1, 2)])
def test_cooccurrence_matches_reference(shape, distances):
    levels = random_levels(shape, 2)
    offsets = angles(distances, levels.shape)
    tex = layout(levels, max(distances))
    got = pt.cooccurrence(tex.ranks, tex.roi, tex.steps(offsets), len(tex.present))
    want = reference_cooccurrence(levels, offsets, int(levels.max()), symmetric=False)
    keep = (tex.present - 1).astype(int)
    np.testing.assert_array_equal(got, want[:, keep][:, :, keep])


@pytest.mark.parametrize("shape", SHAPES)
def test_run_lengths_match_reference(shape):
    levels = random_levels(shape, 3, n_levels=2)
    offsets = angles((1,), levels.shape)
    tex = layout(levels)
    got = pt.run_lengths(tex.ranks, tex.roi, tex.steps(offsets), len(tex.present), max(shape))
    want = reference_run_lengths(levels, offsets, int(levels.max()), max(shape))
    np.testing.assert_array_equal(got, want[:, (tex.present - 1).astype(int)])


@pytest.mark.parametrize("shape", SHAPES + [(6, 7, 8)])
@pytest.mark.parametrize("connectivity", [26, 8])
def test_zones_match_shared_kernel(shape, connectivity):
    levels = random_levels(shape, 4, n_levels=2)
    tex = layout(levels)
    offsets = angles((1,), (3, 3, 3), force2D=connectivity == 8, force2Ddimension=0)
    rank, size = pt.zones(tex.ranks, tex.roi, -tex.steps(offsets))
    _, want_level, want_size = label_zones(levels, connectivity)
    np.testing.assert_array_equal(tex.present[rank - 1], want_level)  # same zones, same (raster) order
    np.testing.assert_array_equal(size, want_size)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("distances", [(1,), (2,), (1, 2)])
@pytest.mark.parametrize("alpha", [0.0, 1.0, 1.5])
def test_neighbourhood_matches_reference_kernel(shape, distances, alpha):
    levels = random_levels(shape, 5)
    offsets = angles(distances, levels.shape, bidirectional=True)
    tex = layout(levels, max(distances))
    dep, n, s = pt.neighbourhood(tex.values, tex.ranks, tex.roi, tex.steps(offsets), alpha, len(tex.present))
    want = neighbourhood_counts(levels, int(levels.max()), offsets, alpha)
    for got, ref in zip((dep, n, s), want):
        np.testing.assert_allclose(dense(tex, got), ref, rtol=1e-12, atol=0)


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


def _brute_diameters(points, spacing):
    want = np.zeros(4)
    for a, b in itertools.combinations(points, 2):
        d = np.sum(((a - b) * spacing) ** 2)
        for k in range(3):
            if a[k] == b[k]:
                want[k] = max(want[k], d)
        want[3] = max(want[3], d)
    return np.sqrt(want)


@pytest.mark.parametrize("seed", range(6))
def test_pruned_diameters_equal_all_pairs(seed):
    rng = np.random.default_rng(seed)
    shape = tuple(int(n) for n in rng.integers(1, 7, 3))
    mask = rng.random(shape) < 0.6
    mask.flat[0] = True
    spacing = rng.random(3) + 0.3
    points = surface_points(mask)
    np.testing.assert_array_equal(diameters(points, spacing / 2), _brute_diameters(points, spacing / 2))


def test_diameters_of_one_point_are_zero():
    np.testing.assert_array_equal(diameters(np.array([[1, 2, 3]]), (1.0, 1.0, 1.0)), np.zeros(4))


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
