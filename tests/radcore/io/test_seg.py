"""Masks from DICOM SEG: a SEG written with highdicom from a known mask reads back to the same voxels."""

from pathlib import Path

import numpy as np
import pydicom
import pytest
import SimpleITK as sitk

from radcore.errors import LabelNotFoundError
from radcore.io.images import read_image, read_mask
from tests.reference import CT_PHANTOM, CT_PHANTOM_DICOM

hd = pytest.importorskip("highdicom")
from pydicom.sr.codedict import codes  # noqa: E402

IMAGE_DIR = CT_PHANTOM_DICOM[0]


def _segment(number: int, label: str):
    return hd.seg.SegmentDescription(
        segment_number=number, segment_label=label,
        segmented_property_category=codes.SCT.MorphologicallyAbnormalStructure,
        segmented_property_type=codes.SCT.Neoplasm, algorithm_type="MANUAL",
    )


def write_seg(path: Path, masks: list[np.ndarray], kind: str = "BINARY") -> None:
    """A SEG on the phantom's CT slices with one segment per (z, y, x) mask (slices in position order)."""
    sources = sorted((pydicom.dcmread(str(p)) for p in IMAGE_DIR.iterdir()),
                     key=lambda ds: float(ds.ImagePositionPatient[2]))
    pixels = np.stack(masks, axis=-1).astype(np.uint8 if kind == "BINARY" else np.float32)
    seg = hd.seg.Segmentation(
        source_images=sources, pixel_array=pixels, segmentation_type=kind,
        segment_descriptions=[_segment(i + 1, f"region {i + 1}") for i in range(len(masks))],
        series_instance_uid=hd.UID(), series_number=2, sop_instance_uid=hd.UID(), instance_number=1,
        manufacturer="radcore tests", manufacturer_model_name="radcore", software_versions="0",
        device_serial_number="1",
    )
    seg.save_as(str(path))


@pytest.fixture(scope="module")
def phantom():
    image = read_image(IMAGE_DIR)
    mask = sitk.GetArrayFromImage(sitk.ReadImage(str(CT_PHANTOM[1]))) > 0
    return image, mask


@pytest.mark.parametrize("kind", ["BINARY", "FRACTIONAL"])
def test_a_seg_reads_back_to_the_voxels_it_was_written_from(tmp_path, phantom, kind):
    image, mask = phantom
    write_seg(tmp_path / "seg.dcm", [mask], kind)
    got = sitk.GetArrayFromImage(read_mask(tmp_path / "seg.dcm", image))
    assert got.sum() == 125256
    np.testing.assert_array_equal(got == 1, mask)


def test_segments_are_chosen_by_number_or_label(tmp_path, phantom):
    image, mask = phantom
    half = mask.copy()
    half[: mask.shape[0] // 2] = False
    write_seg(tmp_path / "seg.dcm", [mask, half])
    with pytest.raises(LabelNotFoundError, match=r"holds 2 segments \(1 \(region 1\), 2 \(region 2\)\); choose one"):
        read_mask(tmp_path / "seg.dcm", image)
    np.testing.assert_array_equal(sitk.GetArrayFromImage(read_mask(tmp_path / "seg.dcm", image, "2")) == 1, half)
    np.testing.assert_array_equal(sitk.GetArrayFromImage(read_mask(tmp_path / "seg.dcm", image, "region 1")) == 1, mask)
    with pytest.raises(LabelNotFoundError, match="holds no segment 'tumour'"):
        read_mask(tmp_path / "seg.dcm", image, "tumour")
