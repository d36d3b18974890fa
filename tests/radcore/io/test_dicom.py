"""DICOM series: choosing a series in a folder that holds several, and PET in SUV body weight."""

import math
import shutil

import numpy as np
import pydicom
import pytest
import SimpleITK as sitk

import radcore
from radcore.errors import ImageReadError
from radcore.io.dicom import read_series, referenced_series, suv_factor
from radcore.io.images import read_pair
from tests.reference import CT_PHANTOM, CT_PHANTOM_DICOM

IMAGE_DIR, RS = CT_PHANTOM_DICOM


def _copy_series(target, edit, files=None):
    """The phantom's CT files rewritten into ``target`` with ``edit(dataset)`` applied to each."""
    target.mkdir(parents=True, exist_ok=True)
    for path in files or sorted(IMAGE_DIR.iterdir()):
        ds = pydicom.dcmread(str(path))
        edit(ds)
        ds.save_as(str(target / path.name))
    return target


def test_a_folder_with_two_series_needs_a_choice_and_a_mask_makes_it(tmp_path):
    folder = tmp_path / "two"
    shutil.copytree(IMAGE_DIR, folder)
    other_uid = "1.2.826.0.1.3680043.8.498.1"

    def other(ds):
        ds.SeriesInstanceUID = other_uid
        ds.SOPInstanceUID = f"1.2.826.0.1.3680043.8.498.2.{ds.InstanceNumber}"

    _copy_series(folder / "b", other)
    for path in (folder / "b").iterdir():
        path.rename(folder / f"b_{path.name}")
    (folder / "b").rmdir()
    with pytest.raises(ImageReadError, match="holds 2 series .*choose one by its SeriesInstanceUID"):
        read_series(folder)
    assert read_series(folder, other_uid).GetMetaData("0020|000e") == other_uid
    with pytest.raises(ImageReadError, match="holds no series 9.9"):
        read_series(folder, "9.9")
    ct_uid = referenced_series(RS)
    image, mask = read_pair(folder, RS)  # the RTSTRUCT's series
    assert image.GetMetaData("0020|000e") == ct_uid and sitk.GetArrayFromImage(mask).sum() == 125256
    values = radcore.extract(folder, RS, config={"families": ["stat"]})
    assert values == radcore.extract(*CT_PHANTOM, config={"families": ["stat"]})


def _pet(ds, units="BQML", weight="75", dose="370000000", half_life="6586.2", start="090000", series="100000"):
    ds.Modality = "PT"
    ds.Units = units
    ds.DecayCorrection = "START"
    ds.PatientWeight = weight
    ds.SeriesTime = series
    drug = pydicom.Dataset()
    drug.RadionuclideTotalDose = dose
    drug.RadionuclideHalfLife = half_life
    drug.RadiopharmaceuticalStartTime = start
    ds.RadiopharmaceuticalInformationSequence = pydicom.Sequence([drug])


def test_pet_in_bq_per_ml_becomes_suv_body_weight(tmp_path):
    files = sorted(IMAGE_DIR.iterdir())[:6]
    folder = _copy_series(tmp_path / "pet", _pet, files)
    expected = 75000.0 / (370e6 * math.pow(2.0, -3600.0 / 6586.2))
    assert suv_factor(str(next(folder.iterdir()))) == pytest.approx(expected, rel=1e-12)
    ct = sitk.GetArrayFromImage(read_series(_copy_series(tmp_path / "ct", lambda ds: None, files)))
    pet = read_series(folder)
    assert pet.GetMetaData("0008|0060") == "PT"
    np.testing.assert_allclose(sitk.GetArrayFromImage(pet), ct * expected, rtol=1e-12)


def test_pet_already_in_suv_or_in_counts(tmp_path):
    files = sorted(IMAGE_DIR.iterdir())[:3]
    gml = _copy_series(tmp_path / "gml", lambda ds: _pet(ds, units="GML"), files)
    assert suv_factor(str(next(gml.iterdir()))) == 1.0
    counts = _copy_series(tmp_path / "cnts", lambda ds: _pet(ds, units="CNTS"), files)
    with pytest.raises(ImageReadError, match="in units 'CNTS'"):
        read_series(counts)

    def no_weight(ds):
        _pet(ds)
        del ds.PatientWeight

    missing = _copy_series(tmp_path / "noweight", no_weight, files)
    with pytest.raises(ImageReadError, match="lacks what SUV needs"):
        read_series(missing)
