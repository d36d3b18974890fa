import math

import numpy as np
import pytest
import SimpleITK as sitk

from radcore.errors import EmptyROIError
from radcore.io.images import Volume
from radcore.preprocess.interpolate import axis_grid, interpolate_case, interpolated_intensity, new_grid, sample
from radcore.settings import InterpolationSettings


def test_axis_grid_is_centred_with_ceil_size():
    g = axis_grid(5, 1.0, 2.0)  # 5 mm -> ceil(2.5) = 3 voxels of 2 mm, centre at index 2
    assert (g.n, g.spacing) == (3, 2.0)
    np.testing.assert_allclose(g.positions(), [0.0, 2.0, 4.0])
    g = axis_grid(4, 1.0, 3.0)  # 4 mm -> 2 voxels of 3 mm around index 1.5
    np.testing.assert_allclose(g.positions(), [0.0, 3.0])
    g = axis_grid(3, 2.0, 1.0)  # upsampling: 6 voxels of 1 mm around index 1
    np.testing.assert_allclose(g.positions(), [-0.25, 0.25, 0.75, 1.25, 1.75, 2.25])


def test_ibsi_ct_phantom_grid_size():
    grids = new_grid((60, 201, 204), (3.0, 0.977, 0.977), InterpolationSettings(spacing=(2.0, 2.0, 2.0)))
    assert [g.n for g in grids] == [90, 99, 100]
    grids = new_grid((60, 201, 204), (3.0, 0.977, 0.977), InterpolationSettings(spacing=(2.0, 2.0, 2.0), by_slice=True))
    assert [g.n for g in grids] == [60, 99, 100]
    np.testing.assert_allclose(grids[0].positions(), np.arange(60))


def test_sample_linear_is_exact_on_a_linear_ramp_and_clamps_outside():
    z, y, x = np.meshgrid(np.arange(4.0), np.arange(5.0), np.arange(6.0), indexing="ij")
    ramp = 3 * z + 2 * y + x
    pz, py, px = np.array([0.5, 2.25]), np.array([1.5]), np.array([-1.0, 0.5, 7.0])
    got = sample(ramp, (pz, py, px), 1)
    expect = 3 * pz[:, None, None] + 2 * py[None, :, None] + np.clip(px, 0, 5)[None, None, :]
    np.testing.assert_allclose(got, expect)


@pytest.mark.parametrize("order", [0, 1, 3])
def test_separable_sampling_agrees_with_scipy_map_coordinates(order):
    from scipy import ndimage

    rng = np.random.default_rng(1)
    a = rng.normal(size=(7, 9, 11))
    pos = (np.array([0.0, 1.3, 2.5, 6.0]), np.array([0.2, 4.75, 8.0]), np.linspace(0.0, 10.0, 7))
    ours = sample(a, pos, order)
    grid = np.meshgrid(*pos, indexing="ij")
    theirs = ndimage.map_coordinates(a, grid, order=order, mode="mirror")
    np.testing.assert_allclose(ours, theirs, atol=1e-9)


def test_sample_skips_identity_axes_and_interpolates_exactly_at_nodes():
    a = np.random.default_rng(2).normal(size=(3, 4, 5))
    out = sample(a, (np.arange(3.0), np.arange(4.0), np.arange(5.0)), 3)
    np.testing.assert_allclose(out, a, atol=1e-12)
    out = sample(a, (np.arange(3.0), np.array([1.0, 2.0]), np.array([0.0, 4.0])), 3)
    np.testing.assert_allclose(out, a[:, 1:3][:, :, [0, 4]], atol=1e-9)


def _case(shape, spacing, seed=0, roi=None):
    rng = np.random.default_rng(seed)
    img = rng.integers(-100, 100, size=shape).astype(np.float64)
    msk = np.zeros(shape, bool)
    if roi is None:
        roi = tuple(slice(n // 3, max(n // 3 + 1, 2 * n // 3)) for n in shape)
    msk[roi] = True
    return Volume(img, spacing, (1.0, -2.0, 3.0)), Volume(msk, spacing, (1.0, -2.0, 3.0))


ROIS = {
    "middle": None,
    "border": (slice(0, 3), slice(0, 4), slice(5, 9)),
    "single_voxel": (slice(4, 5), slice(6, 7), slice(7, 8)),
    "single_slice": (slice(2, 3), slice(3, 9), slice(2, 8)),
}


@pytest.mark.parametrize("order", [0, 1, 3])
@pytest.mark.parametrize("roi", list(ROIS))
@pytest.mark.parametrize("by_slice", [False, True])
def test_crop_equals_whole_image_interpolation(order, roi, by_slice):
    image, mask = _case((9, 12, 13), (3.0, 1.1, 0.9), roi=ROIS[roi])
    s = InterpolationSettings(spacing=(2.0, 2.0, 2.0), by_slice=by_slice, image_order=order, mask_order=1)
    done = interpolate_case(image, mask, s, margin_mm=4.0)
    grids = new_grid(image.array.shape, image.spacing, s)
    whole = sample(image.array, tuple(g.positions() for g in grids), order)
    whole_mask = sample(mask.array.astype(float), tuple(g.positions() for g in grids), 1) >= 0.5 - 1e-9
    box = tuple(slice(o, o + n) for o, n in zip(done.offset, done.image.array.shape))
    np.testing.assert_allclose(done.image.array, whole[box], atol=1e-6)
    np.testing.assert_array_equal(done.mask.array, whole_mask[box])
    assert done.mask.array.sum() == whole_mask.sum()  # the crop holds the whole interpolated ROI
    assert done.grid_shape == tuple(g.n for g in grids)
    assert done.image.spacing == tuple(g.spacing for g in grids)


def test_crop_keeps_the_margin_around_the_roi():
    image, mask = _case((20, 30, 30), (1.0, 1.0, 1.0), roi=(slice(8, 12), slice(10, 20), slice(10, 20)))
    done = interpolate_case(image, mask, InterpolationSettings(spacing=(1.0, 1.0, 1.0)), margin_mm=3.0)
    idx = np.nonzero(done.mask.array)
    for k, n in enumerate(done.mask.array.shape):
        assert idx[k].min() >= 3 and n - 1 - idx[k].max() >= 3


def test_linear_interpolation_agrees_with_simpleitk():
    image, mask = _case((8, 11, 12), (3.0, 0.977, 0.977), seed=3)
    s = InterpolationSettings(spacing=(2.0, 2.0, 2.0))
    grids = new_grid(image.array.shape, image.spacing, s)
    ours = sample(image.array, tuple(g.positions() for g in grids), 1)
    itk = sitk.GetImageFromArray(image.array)
    itk.SetSpacing(image.spacing[::-1])
    f = sitk.ResampleImageFilter()
    f.SetInterpolator(sitk.sitkLinear)
    f.SetOutputSpacing((2.0, 2.0, 2.0))
    f.SetSize([g.n for g in grids][::-1])
    f.SetOutputOrigin([g.start * sp for g, sp in zip(grids, image.spacing)][::-1])
    theirs = sitk.GetArrayFromImage(f.Execute(itk))
    inside = tuple(
        slice(int(math.ceil(-g.start / g.step)), int(math.floor((n - 1 - g.start) / g.step)) + 1)
        for g, n in zip(grids, image.array.shape)
    )  # new voxels inside the original grid (SimpleITK has no nearest extrapolation)
    np.testing.assert_allclose(ours[inside], theirs[inside], atol=1e-6)


def test_whole_image_statistics_and_grid_diagnostics():
    image, mask = _case((6, 7, 8), (2.0, 1.0, 1.0), seed=5)
    s = InterpolationSettings(spacing=(1.5, 1.5, 1.5), image_order=3, round_intensities=True)
    done = interpolate_case(image, mask, s, whole_image_stats=True)
    grids = new_grid(image.array.shape, image.spacing, s)
    whole = np.round(sample(image.array, tuple(g.positions() for g in grids), 3))
    d = done.diagnostics
    assert d["mean_int_interp_img"] == pytest.approx(whole.mean())
    assert (d["min_int_interp_img"], d["max_int_interp_img"]) == (whole.min(), whole.max())
    assert (d["img_dim_x_interp_img"], d["img_dim_y_interp_img"], d["img_dim_z_interp_img"]) == (6, 5, 8)
    assert d["vox_dim_z_interp_img"] == 1.5
    assert "mean_int_interp_img" not in interpolate_case(image, mask, s).diagnostics
    # the same numbers for a caller holding the whole image apart from its ROI (a cohort worker)
    stats = interpolated_intensity(image, s)
    assert stats == {k: d[k] for k in ("mean_int_interp_img", "min_int_interp_img", "max_int_interp_img")}
    crop = Volume(image.array[1:4], image.spacing, full_shape=image.array.shape, offset=(1, 0, 0))
    with pytest.raises(ValueError, match="need the whole image"):
        interpolated_intensity(crop, s)


def test_mask_threshold_and_world_origin():
    img = Volume(np.zeros((1, 1, 4)), (1.0, 1.0, 1.0), (10.0, 0.0, 0.0))
    msk = Volume(np.array([[[0, 1, 1, 0]]], bool), (1.0, 1.0, 1.0), (10.0, 0.0, 0.0))
    s = InterpolationSettings(spacing=(0.5, 1.0, 1.0), mask_threshold=0.5)
    done = interpolate_case(img, msk, s)
    # new x positions -0.25, 0.25, ..., 3.25; mask values 0, .25, .75, 1, 1, .75, .25, 0
    whole = np.zeros(8, bool)
    whole[2:6] = True
    o = done.offset[2]
    np.testing.assert_array_equal(done.mask.array[0, 0], whole[o:o + done.mask.array.shape[2]])
    assert done.image.origin[0] == pytest.approx(10.0 + (-0.25 + 0.5 * o))


def test_mask_values_exactly_at_threshold_are_kept():
    # z: 6 slices of 3 mm -> 9 of 2 mm at old positions -1/6, 1/2, 7/6, 11/6, 5/2, ...; ROI = old slices 1, 2.
    # At 1/2 and 5/2 the interpolated mask is 0.5 up to rounding: kept (the IBSI CT phantom needs this).
    img = Volume(np.zeros((6, 1, 1)), (3.0, 1.0, 1.0))
    m = np.zeros((6, 1, 1), bool)
    m[1:3] = True
    done = interpolate_case(img, Volume(m, (3.0, 1.0, 1.0)), InterpolationSettings(spacing=(1.0, 1.0, 2.0)))
    kept = np.flatnonzero(done.mask.array[:, 0, 0]) + done.offset[0]
    assert kept.tolist() == [1, 2, 3, 4]


def test_empty_mask_is_an_error():
    image, mask = _case((4, 4, 4), (1.0, 1.0, 1.0))
    empty = Volume(np.zeros((4, 4, 4), bool), mask.spacing)
    with pytest.raises(EmptyROIError, match="no voxel"):
        interpolate_case(image, empty, InterpolationSettings(spacing=(2.0, 2.0, 2.0)))


@pytest.mark.parametrize("order", [1, 3])
def test_a_crop_that_knows_its_place_interpolates_like_the_whole_image(order):
    image, mask = _case((12, 20, 22), (3.0, 0.8, 0.8), seed=7, roi=(slice(5, 7), slice(8, 12), slice(9, 13)))
    s = InterpolationSettings(spacing=(2.0, 2.0, 2.0), image_order=order)
    whole = interpolate_case(image, mask, s, margin_mm=2.0)
    box = (slice(1, 11), slice(3, 18), slice(2, 21))  # like a store read: ROI box plus a generous margin
    kw = dict(spacing=image.spacing, full_shape=image.array.shape, offset=tuple(b.start for b in box))
    part = interpolate_case(Volume(image.array[box], **kw), Volume(mask.array[box], **kw), s, margin_mm=2.0)
    assert part.grid_shape == whole.grid_shape and part.offset == whole.offset
    np.testing.assert_array_equal(part.mask.array, whole.mask.array)
    if order == 1:
        np.testing.assert_allclose(part.image.array, whole.image.array, atol=1e-9)
    else:  # the spline prefilter sees the crop's edges: small differences, fading into the ROI
        roi = whole.mask.array
        np.testing.assert_allclose(part.image.array[roi], whole.image.array[roi], atol=0.5)
    assert part.image.full_shape == whole.grid_shape and part.image.offset == whole.offset
    assert "mean_int_interp_img" not in interpolate_case(
        Volume(image.array[box], **kw), Volume(mask.array[box], **kw), s, whole_image_stats=True).diagnostics
