"""Damaged files and non-finite voxels are refused before any feature is computed."""

import gzip

import numpy as np
import pytest
import SimpleITK as sitk

from radcore.errors import DamagedFileError, NonFiniteImageError
from radcore.io.images import read_image
from radcore.io.integrity import check_nifti


def _write(tmp_path, name, array, compress=True):
    path = tmp_path / name
    sitk.WriteImage(sitk.GetImageFromArray(array), str(path), useCompression=compress)
    return path


@pytest.fixture
def values():
    return (np.random.default_rng(0).normal(40.0, 20.0, (12, 20, 24))).astype(np.float32)


@pytest.mark.parametrize("name", ["v.nii.gz", "v.nii"])
@pytest.mark.parametrize("dtype", [np.float32, np.int16])
def test_a_file_cut_short_is_damaged(tmp_path, values, name, dtype):
    path = _write(tmp_path, name, values.astype(dtype))
    read_image(path)  # whole: fine
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])
    assert sitk.GetArrayFromImage(sitk.ReadImage(str(path))).shape == values.shape  # SimpleITK would take it
    with pytest.raises(DamagedFileError, match="file truncated"):
        read_image(path)


def test_a_gzip_stream_failing_its_crc_is_damaged(tmp_path, values):
    path = _write(tmp_path, "v.nii.gz", values)
    data = bytearray(path.read_bytes())
    data[-6] ^= 0xFF  # the stored CRC-32
    path.write_bytes(bytes(data))
    with pytest.raises(DamagedFileError, match="CRC check failed"):
        read_image(path)


def test_a_gzip_member_with_data_missing_inside_is_damaged(tmp_path, values):
    """A complete gzip stream whose content is shorter than the header declares."""
    path = _write(tmp_path, "v.nii", values)
    short = tmp_path / "short.nii.gz"
    short.write_bytes(gzip.compress(path.read_bytes()[:-100]))
    with pytest.raises(DamagedFileError, match="the header declares 23040 bytes of voxel data, the file holds 22940"):
        check_nifti(short)


@pytest.mark.parametrize("name", ["v.nii.gz", "v.nii", "v.nrrd", "v.mha"])
def test_non_finite_voxels_are_refused_in_every_format(tmp_path, values, name):
    values[3, 4, 5] = np.nan
    values[6, 7, 8] = -np.inf
    path = _write(tmp_path, name, values)
    with pytest.raises(NonFiniteImageError, match="non-finite voxels"):
        read_image(path, "mask")


def test_nifti_non_finite_voxels_that_simpleitk_would_zero(tmp_path, values):
    values[0, 0, 0] = np.nan
    path = _write(tmp_path, "v.nii.gz", values)
    assert np.isfinite(sitk.GetArrayFromImage(sitk.ReadImage(str(path)))).all()  # SimpleITK hides it
    with pytest.raises(NonFiniteImageError, match="SimpleITK's NIfTI reader would turn them into 0"):
        check_nifti(path)


def test_whole_files_pass(tmp_path, values):
    for name in ("a.nii.gz", "a.nii"):
        for array in (values, values.astype(np.float64), values.astype(np.uint8)):
            check_nifti(_write(tmp_path, name, array))


def test_a_nifti_gz_reads_as_simpleitk_reads_it(tmp_path, values):
    for array in (values, values.astype(np.int16)):
        path = _write(tmp_path, "r.nii.gz", array)
        image, reference = read_image(path), sitk.ReadImage(str(path))
        assert image.GetPixelID() == reference.GetPixelID()
        assert np.array_equal(sitk.GetArrayFromImage(image), sitk.GetArrayFromImage(reference))
        for get in ("GetSpacing", "GetOrigin", "GetDirection"):
            assert getattr(image, get)() == getattr(reference, get)()


def test_gzip_members_one_after_another_and_zero_padding_are_whole(tmp_path, values):
    plain = _write(tmp_path, "v.nii", values, compress=False).read_bytes()
    path = tmp_path / "members.nii.gz"
    path.write_bytes(gzip.compress(plain[:1000]) + gzip.compress(plain[1000:]) + b"\0" * 64)
    assert np.array_equal(sitk.GetArrayFromImage(read_image(path)), values)
    path.write_bytes(gzip.compress(plain) + b"not gzip")
    with pytest.raises(DamagedFileError, match="not gzip"):
        read_image(path)


def test_a_nifti_gz_is_still_read_where_no_temporary_copy_can_be_written(tmp_path, values, monkeypatch):
    def no_room(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("radcore.io.images.tempfile.TemporaryDirectory", no_room)
    path = _write(tmp_path, "v.nii.gz", values)
    assert np.array_equal(sitk.GetArrayFromImage(read_image(path)), values)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(DamagedFileError, match="file truncated"):  # and still checked
        read_image(path)
