"""Masks from RTSTRUCT: the IBSI CT phantom's contours give exactly the voxels of its NIfTI mask; files that
do not fit the image are refused with a message naming the file, the ROI and the contour."""

import copy

import numpy as np
import pydicom
import pytest
import SimpleITK as sitk

import radcore
from radcore.errors import GeometryMismatchError, ImageReadError, LabelNotFoundError, SettingsError
from radcore.cohort.qc import qc_values
from radcore.io.images import other_series as mask_other_series
from radcore.io.images import read_image, read_mask, read_pair
from radcore.io.manifest import CaseEntry
from radcore.io.store import case_info, ingest_case
from radcore.settings import Settings
from radcore.io.dicom import sop_class
from radcore.io.rtstruct import RTSTRUCT_SOP_CLASS, rasterise, read_rtstruct
from tests.reference import CT_PHANTOM, CT_PHANTOM_DICOM

IMAGE_DIR, RS = CT_PHANTOM_DICOM


@pytest.fixture(scope="module")
def image():
    return read_image(IMAGE_DIR)


def _edited(tmp_path, edit) -> str:
    ds = pydicom.dcmread(str(RS))
    edit(ds)
    path = tmp_path / "rs.dcm"
    ds.save_as(str(path))
    return str(path)


def test_the_phantom_rtstruct_gives_the_nifti_mask_voxel_for_voxel(image):
    structures = read_rtstruct(RS)
    assert structures.names == ["GTV-1"]
    mask = rasterise(structures, structures.roi(None), image)
    nifti = sitk.GetArrayFromImage(sitk.ReadImage(str(CT_PHANTOM[1]))) > 0
    assert mask.sum() == 125256
    np.testing.assert_array_equal(mask, nifti)
    np.testing.assert_array_equal(sitk.GetArrayFromImage(image), sitk.GetArrayFromImage(sitk.ReadImage(str(CT_PHANTOM[0]))))


def test_only_rtstruct_files_are_taken_for_one(tmp_path):
    assert sop_class(RS) == RTSTRUCT_SOP_CLASS
    assert sop_class(next(IMAGE_DIR.iterdir())) == "1.2.840.10008.5.1.4.1.1.2"  # a CT image
    assert sop_class(CT_PHANTOM[1]) == sop_class(IMAGE_DIR) == sop_class(tmp_path / "none.dcm") == ""


def test_several_rois_are_chosen_by_name(tmp_path, image):
    def add_second(ds):
        roi = copy.deepcopy(ds.StructureSetROISequence[0])
        roi.ROINumber, roi.ROIName = 2, "CORE"
        ds.StructureSetROISequence.append(roi)
        contours = copy.deepcopy(ds.ROIContourSequence[0])
        contours.ReferencedROINumber = 2
        contours.ContourSequence = contours.ContourSequence[:5]
        ds.ROIContourSequence.append(contours)

    path = _edited(tmp_path, add_second)
    with pytest.raises(LabelNotFoundError, match="holds 2 ROIs \\(GTV-1, CORE\\); choose one by name"):
        read_mask(path, image)
    core = sitk.GetArrayFromImage(read_mask(path, image, "CORE"))
    assert 0 < core.sum() < 125256 and np.count_nonzero(core.any(axis=(1, 2))) == 5
    values = radcore.extract(IMAGE_DIR, path, config={"families": ["stat"]}, roi=["GTV-1", "CORE"])
    assert list(values) == ["GTV-1", "CORE"]
    assert values["GTV-1"]["original_stat_mean"] != values["CORE"]["original_stat_mean"]
    with pytest.raises(LabelNotFoundError, match="holds no ROI 'GTV-2'; it holds GTV-1, CORE"):
        read_mask(path, image, "GTV-2")


def test_an_rtstruct_of_another_series_is_read_and_flagged(tmp_path, image):
    def other_series(ds):
        ref = ds.ReferencedFrameOfReferenceSequence[0].RTReferencedStudySequence[0].RTReferencedSeriesSequence[0]
        ref.SeriesInstanceUID = "1.2.3.4"

    edited = _edited(tmp_path, other_series)
    flagged = read_mask(edited, image)
    assert "references series 1.2.3.4; the image is series" in mask_other_series(flagged)
    assert np.array_equal(sitk.GetArrayFromImage(flagged), sitk.GetArrayFromImage(read_mask(RS, image)))
    assert mask_other_series(read_mask(RS, image)) == ""
    # from the files: the folder's one series is read, the mask flagged; ingest records it for the QC flag
    _, mask = read_pair(IMAGE_DIR, edited)
    assert mask_other_series(mask)
    store = tmp_path / "store.zarr"
    ingest_case(store, CaseEntry("other", str(IMAGE_DIR), edited))
    ingest_case(store, CaseEntry("same", str(IMAGE_DIR), str(RS)))
    flags = {c: qc_values(case_info(store, c), 1, Settings()) for c in ("other", "same")}
    assert flags["other"]["qc_mask_other_series"] and "mask_other_series" in flags["other"]["qc_flags"]
    assert not flags["same"]["qc_mask_other_series"]


def test_an_rtstruct_of_another_frame_of_reference_is_refused(tmp_path, image):
    def other_frame(ds):
        ds.ReferencedFrameOfReferenceSequence[0].FrameOfReferenceUID = "1.2.3.5"

    with pytest.raises(GeometryMismatchError, match="frame of reference 1.2.3.5"):
        read_mask(_edited(tmp_path, other_frame), image)


def test_contours_off_the_grid_between_slices_or_open_are_refused(tmp_path, image):
    def shift(dz=0.0, dx=0.0):
        def edit(ds):
            contour = ds.ROIContourSequence[0].ContourSequence[3]
            points = np.asarray(contour.ContourData, float).reshape(-1, 3) + [dx, 0.0, dz]
            contour.ContourData = [f"{v:.4f}" for v in points.ravel()]
        return edit

    with pytest.raises(GeometryMismatchError, match="ROI 'GTV-1', contour 4 does not lie on a slice"):
        read_mask(_edited(tmp_path, shift(dz=1.5)), image)
    with pytest.raises(GeometryMismatchError, match="contour 4 lies off the image grid"):
        read_mask(_edited(tmp_path, shift(dx=-300.0)), image)

    def open_contour(ds):
        ds.ROIContourSequence[0].ContourSequence[0].ContourGeometricType = "OPEN_PLANAR"

    with pytest.raises(GeometryMismatchError, match="contour 1 is OPEN_PLANAR, not a closed planar contour"):
        read_mask(_edited(tmp_path, open_contour), image)


def test_roi_names_are_for_rtstruct_masks_and_broken_files_are_read_errors(tmp_path, image):
    with pytest.raises(SettingsError, match="chooses a structure of an RTSTRUCT or a segment of a DICOM SEG"):
        read_mask(CT_PHANTOM[1], image, "GTV-1")
    broken = tmp_path / "broken.dcm"
    broken.write_bytes(RS.read_bytes()[:3000])
    with pytest.raises(ImageReadError):
        read_mask(broken, image)
