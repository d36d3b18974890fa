"""A plain NIfTI file is decoded straight into its array: the same voxels, type and geometry as SimpleITK's
reader gives, and every other file is read by SimpleITK as before."""

import gzip
import struct
from pathlib import Path

import numpy as np
import pytest
import SimpleITK as sitk

from radcore.io.images import read_image, read_volume

DATA = Path(__file__).resolve().parents[2] / "data"


def _same_as_simpleitk(path):
    reference = sitk.ReadImage(str(path))
    image = read_image(path)
    assert image.GetPixelID() == reference.GetPixelID()
    assert np.array_equal(sitk.GetArrayViewFromImage(image), sitk.GetArrayViewFromImage(reference))
    for get in ("GetSize", "GetSpacing", "GetOrigin", "GetDirection"):
        assert getattr(image, get)() == getattr(reference, get)(), get
    if reference.GetDimension() == 3 and reference.GetNumberOfComponentsPerPixel() == 1:
        volume = read_volume(path)
        array = sitk.GetArrayViewFromImage(reference)
        assert volume.array.dtype == array.dtype and np.array_equal(volume.array, array)
        assert volume.spacing == tuple(reference.GetSpacing()[::-1])
        assert volume.origin == reference.GetOrigin() and volume.direction == reference.GetDirection()


@pytest.mark.parametrize("path", sorted(DATA.rglob("*.nii*")), ids=lambda p: str(p.relative_to(DATA)))
def test_every_nifti_of_the_test_data_reads_as_simpleitk_reads_it(path):
    _same_as_simpleitk(path)


def _image(dtype, shape=(7, 9, 11)):
    values = np.random.default_rng(1).normal(0.0, 50.0, shape)
    image = sitk.GetImageFromArray(values.astype(dtype))
    image.SetSpacing((0.7, 0.8, 2.5))
    image.SetOrigin((-10.0, 20.5, 3.0))
    image.SetDirection((0.0, 1.0, 0.0, -1.0, 0.0, 0.0, 0.0, 0.0, 1.0))
    return image


@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.uint16, np.int16, np.int32, np.uint32, np.float32,
                                   np.float64])
@pytest.mark.parametrize("name", ["v.nii.gz", "v.nii"])
def test_each_scalar_type_reads_as_simpleitk_reads_it(tmp_path, dtype, name):
    path = tmp_path / name
    sitk.WriteImage(_image(dtype), str(path))
    _same_as_simpleitk(path)


def _patched(tmp_path, name, patch):
    """A NIfTI-1 file of int16 voxels whose header ``patch(bytearray)`` changes, written gzipped."""
    plain = tmp_path / "plain.nii"
    sitk.WriteImage(_image(np.int16), str(plain))
    data = bytearray(plain.read_bytes())
    patch(data)
    path = tmp_path / name
    path.write_bytes(gzip.compress(bytes(data)))
    return path


def test_scaled_values_are_read_by_simpleitk_as_values(tmp_path):
    """scl_slope 2, scl_inter -5: SimpleITK rescales (to float); so does read_volume, through it."""
    path = _patched(tmp_path, "scaled.nii.gz", lambda h: h.__setitem__(slice(112, 120), struct.pack("<2f", 2, -5)))
    _same_as_simpleitk(path)
    stored = sitk.GetArrayFromImage(_image(np.int16)).astype(np.float64)
    assert np.allclose(read_volume(path).array, stored * 2 - 5)


def test_a_big_endian_file_reads_in_native_order(tmp_path):
    def swap(h):
        fields = [(0, "i"), *((40 + 2 * k, "h") for k in range(8)), (70, "h"), (72, "h"), (68, "h"),
                  *((76 + 4 * k, "f") for k in range(8)), (108, "f"), (112, "f"), (116, "f"), (252, "h"), (254, "h"),
                  *((256 + 4 * k, "f") for k in range(6)), *((280 + 4 * k, "f") for k in range(12))]
        for offset, kind in fields:
            size = struct.calcsize(kind)
            h[offset:offset + size] = struct.pack(">" + kind, *struct.unpack("<" + kind, h[offset:offset + size]))
        voxels = np.frombuffer(bytes(h[352:]), "<i2").astype(">i2")
        h[352:] = voxels.tobytes()

    path = _patched(tmp_path, "big.nii.gz", swap)
    _same_as_simpleitk(path)
    assert read_volume(path).array.dtype == np.dtype(np.int16)


def test_a_plain_file_is_decoded_without_simpleitk_reading_its_voxels(tmp_path, monkeypatch):
    path = tmp_path / "v.nii.gz"
    sitk.WriteImage(_image(np.int16), str(path))
    expected = sitk.GetArrayFromImage(sitk.ReadImage(str(path)))

    def no_reading(*args, **kwargs):
        raise AssertionError("SimpleITK read the voxels")

    monkeypatch.setattr(sitk, "ReadImage", no_reading)
    monkeypatch.setattr(sitk.ImageFileReader, "Execute", no_reading)
    assert np.array_equal(read_volume(path).array, expected)
    assert np.array_equal(sitk.GetArrayViewFromImage(read_image(path)), expected)
