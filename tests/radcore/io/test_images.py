import numpy as np
import pytest
import SimpleITK as sitk

import radcore
from radcore.errors import (
    EmptyROIError,
    GeometryMismatchError,
    ImageReadError,
    NonFiniteImageError,
    InvalidImageError,
    LabelNotFoundError,
)
from radcore.io.images import load_case


def _pair(shape=(6, 7, 8), spacing=(1.0, 1.0, 2.0)):
    rng = np.random.default_rng(0)
    img = sitk.GetImageFromArray(rng.normal(size=shape))
    img.SetSpacing(spacing)
    m = np.zeros(shape, np.uint8)
    m[2:4, 2:5, 3:6] = 1
    msk = sitk.GetImageFromArray(m)
    msk.CopyInformation(img)
    return img, msk


def test_load_case_returns_float_image_and_bool_mask():
    img, msk = _pair()
    vi, vm = load_case(img, msk)
    assert vi.array.dtype == np.float64 and vm.array.dtype == bool
    assert vi.spacing == (2.0, 1.0, 1.0)  # (z, y, x)
    assert vm.array.sum() == 18


def test_missing_file_is_named(tmp_path):
    img, _ = _pair()
    with pytest.raises(ImageReadError, match="mask .*nothere.nii.gz.* does not exist"):
        load_case(img, tmp_path / "nothere.nii.gz")


def test_corrupt_file_is_reported(tmp_path):
    bad = tmp_path / "broken.nii.gz"
    bad.write_bytes(b"not an image at all")
    img, _ = _pair()
    with pytest.raises(ImageReadError, match="broken.nii.gz.*could not be read"):
        load_case(bad, img)


@pytest.mark.parametrize(
    "change, match",
    [
        (lambda m: m.SetSpacing((1.0, 1.0, 2.5)), "spacing"),
        (lambda m: m.SetOrigin((0.0, 5.0, 0.0)), "origin"),
        (lambda m: m.SetDirection((0.0, 1.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0)), "direction"),
    ],
)
def test_geometry_mismatch(change, match):
    img, msk = _pair()
    change(msk)
    with pytest.raises(GeometryMismatchError, match=match):
        load_case(img, msk)


def test_size_mismatch():
    img, _ = _pair()
    _, msk = _pair(shape=(6, 7, 9))
    with pytest.raises(GeometryMismatchError, match="size"):
        load_case(img, msk)


def test_absent_label_lists_present_labels():
    img, msk = _pair()
    with pytest.raises(LabelNotFoundError, match=r"label 3 does not occur.*0, 1"):
        load_case(img, msk, label=3)
    assert issubclass(LabelNotFoundError, EmptyROIError)


def test_empty_mask():
    img, msk = _pair()
    empty = sitk.Image(msk.GetSize(), sitk.sitkUInt8)
    empty.CopyInformation(msk)
    with pytest.raises(EmptyROIError):
        load_case(img, empty)


def test_non_3d_and_vector_images():
    flat = sitk.GetImageFromArray(np.zeros((5, 5)))
    with pytest.raises(InvalidImageError, match="must be 3D, got 2D"):
        load_case(flat, flat)
    vec = sitk.GetImageFromArray(np.zeros((4, 4, 4, 3)), isVector=True)
    with pytest.raises(InvalidImageError, match="scalar image, got 3 components"):
        load_case(vec, vec)


def test_non_finite_voxels_are_refused_anywhere():
    img, msk = _pair()
    a = sitk.GetArrayFromImage(img)
    a[3, 3, 4] = np.nan
    a[0, 0, 0] = np.inf  # outside the ROI: refused all the same, never dropped or zeroed
    bad = sitk.GetImageFromArray(a)
    bad.CopyInformation(img)
    with pytest.raises(NonFiniteImageError, match="2 non-finite voxels"):
        radcore.extract(bad, msk, config={"families": ["stat"]})


def test_flat_roi_is_valid():
    img, msk = _pair()
    flat = sitk.GetImageFromArray(np.full(sitk.GetArrayFromImage(img).shape, 40.0))
    flat.CopyInformation(img)
    values = radcore.extract(flat, msk, config={"families": ["stat"]})
    assert values["original_stat_mean"] == 40.0
    assert values["original_stat_variance"] == 0.0
