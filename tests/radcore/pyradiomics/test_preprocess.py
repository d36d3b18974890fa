"""PyRadiomics preprocessing: discretisation, resegmentation, resampling grid, cropping and checks."""

import dataclasses
from pathlib import Path

import numpy as np
import pytest
import SimpleITK as sitk

from radcore.errors import EmptyROIError, GeometryMismatchError, LabelNotFoundError
from radcore.pyradiomics.preprocess import discretise, prepare, resample, resegment
from radcore.pyradiomics.settings import PyRadiomicsSetting

DATA = Path(__file__).resolve().parents[2] / "data" / "pyradiomics"
S = PyRadiomicsSetting()


def _images(shape=(6, 12, 10), spacing=(0.8, 0.7, 2.0), box=(slice(2, 4), slice(3, 8), slice(2, 7)), dtype=np.int16):
    """Image and mask ((z, y, x) arrays; spacing (x, y, z)) with a box ROI labelled 1."""
    rng = np.random.default_rng(3)
    arr = rng.integers(-100, 300, size=shape).astype(dtype)
    m = np.zeros(shape, dtype=np.uint8)
    m[box] = 1
    img, msk = sitk.GetImageFromArray(arr), sitk.GetImageFromArray(m)
    for im in (img, msk):
        im.SetSpacing(spacing)
        im.SetOrigin((10.0, -5.0, 3.0))
    return img, msk


def test_bin_width_levels_are_aligned_to_zero():
    rng = np.random.default_rng(0)
    for values in (rng.integers(-1000, 400, 500).astype(np.int16), rng.normal(50, 30, 500)):
        roi = np.ones(values.shape, bool)
        levels, n = discretise(values, roi, dataclasses.replace(S, binWidth=25.0))
        expected = np.floor(values / 25) - np.floor(values.min() / 25) + 1
        np.testing.assert_array_equal(levels, expected)
        assert n == levels.max()


def test_bin_count_puts_the_maximum_in_the_top_bin():
    values = np.array([0.0, 1.0, 2.0, 3.0, 4.0, 10.0])
    roi = np.array([True] * 5 + [False])
    levels, n = discretise(values, roi, dataclasses.replace(S, binCount=4))
    np.testing.assert_array_equal(levels, [1, 2, 3, 4, 4, 0])
    assert n == 4


def test_flat_region_gives_one_level():
    values = np.full(7, 130.0)
    levels, n = discretise(values, np.ones(7, bool), S)
    assert set(levels) == {1} and n == 1


@pytest.mark.parametrize(
    "mode, rng, keep",
    [
        ("absolute", (2.0, 4.0), [2, 3, 4]),
        ("absolute", (3.0,), [3, 4, 5, 6]),
        ("relative", (0.5, 1.0), [3, 4, 5, 6]),
        ("sigma", (-1.0, 1.0), [1, 2, 3, 4, 5]),  # mean 3, population sd 2
    ],
)
def test_resegment_modes(mode, rng, keep):
    values = np.array([0.0, 1, 2, 3, 4, 5, 6, 7])
    roi = np.array([True] * 7 + [False])
    out = resegment(values, roi, dataclasses.replace(S, resegmentRange=rng, resegmentMode=mode))
    assert list(np.nonzero(out)[0]) == keep


def test_resegment_keeping_one_voxel_fails():
    with pytest.raises(EmptyROIError, match="kept 1"):
        resegment(np.arange(4.0), np.ones(4, bool), dataclasses.replace(S, resegmentRange=(3.0,)))


def test_prepare_without_resampling_keeps_the_image():
    img, msk = _images()
    p = prepare(img, msk, S)
    assert p.image.dtype == np.int16 and p.image.shape == (6, 12, 10)
    assert p.box == (slice(2, 4), slice(3, 8), slice(2, 7))
    assert p.spacing == (2.0, 0.7, 0.8)
    np.testing.assert_array_equal(p.mask, p.shape_mask)


def test_precrop_crops_to_box_plus_pad_distance():
    img, msk = _images()
    p = prepare(img, msk, dataclasses.replace(S, preCrop=True, padDistance=1))
    assert p.image.shape == (4, 7, 7)
    assert p.box == (slice(1, 3), slice(1, 6), slice(1, 6))


def test_resampling_grid_follows_pyradiomics():
    img, msk = _images()
    out_img, out_msk = resample(img, msk, dataclasses.replace(S, resampledPixelSpacing=(1.0, 1.0, 1.0), padDistance=2))
    # x: ROI 2..6 at 0.8 mm: bounds floor(1.5*0.8 - 2) -> 0, ceil(6.5*0.8 + 2) = 8 clipped to ceil(10*0.8) - 1 = 7
    # y: ROI 3..7 at 0.7 mm: floor(2.5*0.7 - 2) -> 0, ceil(7.5*0.7 + 2) = 8 (limit ceil(12*0.7) - 1 = 8)
    # z: ROI 2..3 at 2 mm:   floor(1.5*2 - 2) = 1, ceil(3.5*2 + 2) = 9
    assert out_img.GetSpacing() == (1.0, 1.0, 1.0)
    assert out_img.GetSize() == (8, 9, 9)
    # origin: mask index 0.5 * (1 - 0.8) / 0.8 + 0 -> x = 10 + 0.125 * 0.8
    assert out_img.GetOrigin()[0] == pytest.approx(10.0 + 0.1)
    assert out_img.GetPixelID() == img.GetPixelID()
    assert set(np.unique(sitk.GetArrayFromImage(out_msk))) <= {0, 1}


@pytest.mark.parametrize("dtype, scale", [(np.int16, 3000.0), (np.uint8, 200.0), (np.int8, 100.0), (np.uint16, 40000.0),
                                          (np.int32, 1e5), (np.uint32, 1e6), (np.float32, 500.0), (np.float64, 500.0)])
def test_bspline_resampling_equals_itk_for_every_pixel_type(dtype, scale):
    """The resampled image against ITK's ResampleImageFilter on the same grid, bit for bit: the numba
    B-spline path for integer and float32 images (integers clamped to the type's range and truncated, as
    ITK casts), ITK itself for float64."""
    rng = np.random.default_rng(11)
    shape = (9, 30, 28)
    arr = rng.normal(0.0, scale, shape)
    arr[:, :, :5] = scale * 10  # beyond the range of small types after interpolation overshoot
    if np.issubdtype(dtype, np.integer):
        info = np.iinfo(dtype)
        arr = np.clip(arr, info.min, info.max)
    img = sitk.GetImageFromArray(arr.astype(dtype))
    img.SetSpacing((0.78, 0.78, 4.5))
    img.SetOrigin((10.0, -5.0, 3.0))
    m = np.zeros(shape, np.uint8)
    m[3:6, 8:20, 9:19] = 1
    msk = sitk.GetImageFromArray(m)
    msk.CopyInformation(img)
    setting = dataclasses.replace(S, resampledPixelSpacing=(1.0, 1.0, 1.0), padDistance=4, interpolator="sitkBSpline")
    got, got_mask = resample(img, msk, setting)
    rif = sitk.ResampleImageFilter()
    rif.SetReferenceImage(got)
    rif.SetOutputPixelType(img.GetPixelID())
    rif.SetInterpolator(sitk.sitkBSpline)
    want = sitk.GetArrayFromImage(rif.Execute(img))
    values = sitk.GetArrayFromImage(got)
    assert values.dtype == want.dtype and values.shape == want.shape
    np.testing.assert_array_equal(values, want)
    rif.SetOutputPixelType(msk.GetPixelID())
    rif.SetInterpolator(sitk.sitkNearestNeighbor)
    np.testing.assert_array_equal(sitk.GetArrayFromImage(got_mask), sitk.GetArrayFromImage(rif.Execute(msk)))


def test_resampling_to_the_same_spacing_only_crops():
    img, msk = _images()
    out_img, _ = resample(img, msk, dataclasses.replace(S, resampledPixelSpacing=(0.8, 0.7, 2.0), padDistance=1))
    assert out_img.GetSize() == (7, 7, 4)


def test_resegment_shape_and_box():
    img, msk = _images()
    p = prepare(img, msk, dataclasses.replace(S, resegmentRange=(0.0,)))
    assert p.mask.sum() < p.shape_mask.sum()
    p2 = prepare(img, msk, dataclasses.replace(S, resegmentRange=(0.0,), resegmentShape=True))
    np.testing.assert_array_equal(p2.mask, p2.shape_mask)


def test_checks_fail_with_named_reasons():
    img, msk = _images(box=(slice(2, 3), slice(3, 8), slice(2, 3)))
    with pytest.raises(EmptyROIError, match="minimumROIDimensions"):
        prepare(img, msk, S)
    img, msk = _images()
    with pytest.raises(EmptyROIError, match="minimumROISize"):
        prepare(img, msk, dataclasses.replace(S, minimumROISize=50))
    with pytest.raises(LabelNotFoundError, match="label 2"):
        prepare(img, msk, dataclasses.replace(S, label=2))


def test_geometry_mismatch_and_correct_mask():
    img, msk = _images()
    msk.SetOrigin((10.0 + 1e-3, -5.0, 3.0))
    with pytest.raises(GeometryMismatchError, match="correctMask"):
        prepare(img, msk, S)
    assert prepare(img, msk, dataclasses.replace(S, geometryTolerance=1e-2)).mask.sum() == 50
    assert prepare(img, msk, dataclasses.replace(S, correctMask=True)).mask.sum() == 50


def test_normalize_is_a_whole_image_z_score():
    img, msk = _images()
    p = prepare(img, msk, dataclasses.replace(S, normalize=True, normalizeScale=100.0))
    arr = sitk.GetArrayFromImage(img).astype(float)
    expected = (arr - arr.mean()) / arr.std(ddof=1) * 100
    np.testing.assert_allclose(p.image, expected, rtol=1e-9)
    clipped = prepare(img, msk, dataclasses.replace(S, normalize=True, removeOutliers=1.0))
    assert np.abs(clipped.image).max() == pytest.approx(1.0)


def test_against_pyradiomics_when_installed():
    """Same grid, box and ROI as PyRadiomics' own loadImage + checkMask (optional extra)."""
    featureextractor = pytest.importorskip("radiomics.featureextractor")
    from radiomics import imageoperations

    kwargs = {"resampledPixelSpacing": [1, 1, 1], "interpolator": "sitkBSpline", "padDistance": 3, "label": 1}
    image = sitk.ReadImage(str(DATA / "breast1_image.nrrd"))
    mask = sitk.ReadImage(str(DATA / "breast1_label.nrrd"))
    ref_img, ref_msk = featureextractor.RadiomicsFeatureExtractor.loadImage(image, mask, **kwargs)
    bb, _ = imageoperations.checkMask(ref_img, ref_msk, **kwargs)
    setting = dataclasses.replace(S, resampledPixelSpacing=(1, 1, 1), padDistance=3)
    p = prepare(image, mask, setting)
    np.testing.assert_array_equal(p.image, sitk.GetArrayFromImage(ref_img))
    np.testing.assert_array_equal(p.mask, sitk.GetArrayFromImage(ref_msk) == 1)
    assert [(s.start, s.stop - 1) for s in p.box][::-1] == [tuple(bb[i : i + 2]) for i in (0, 2, 4)]
