import numpy as np
import pytest
import SimpleITK as sitk

from radcore.errors import GeometryMismatchError, ImageReadError
from radcore.io.images import load_case
from radcore.io.manifest import CaseEntry
from radcore.io.store import case_info, read_case
from radcore.io.store.ingest import file_digest, ingest_case
from tests.cohort_cases import write_broken_cases, write_good_case


def test_ingest_skips_unchanged_cases_and_rewrites_changed_ones(tmp_path):
    entry = write_good_case(tmp_path, "c1", 0)
    assert ingest_case(tmp_path / "s", entry) == "written"
    assert ingest_case(tmp_path / "s", entry) == "unchanged"
    info = case_info(tmp_path / "s", "c1")
    assert info.digests == {"image": file_digest(entry.image), "mask": file_digest(entry.mask)}
    assert info.metadata == {"site": "s0"}
    image, mask = load_case(entry.image, entry.mask)
    stored_image, stored_mask = read_case(tmp_path / "s", "c1")
    np.testing.assert_array_equal(stored_image.array, image.array)
    np.testing.assert_array_equal(stored_mask.array == 1, mask.array)
    relabelled = CaseEntry("c1", entry.image, entry.mask, (1,), entry.metadata)
    assert ingest_case(tmp_path / "s", relabelled) == "written"  # the manifest row changed
    assert not [p for p in (tmp_path / "s").iterdir() if p.name.startswith(".tmp")]


def test_ingest_errors(tmp_path):
    broken = write_broken_cases(tmp_path)
    with pytest.raises(ImageReadError, match="does not exist"):
        ingest_case(tmp_path / "s", broken["missing"][0])
    with pytest.raises(ImageReadError, match="could not be read"):
        ingest_case(tmp_path / "s", broken["corrupt"][0])
    assert ingest_case(tmp_path / "s", broken["empty"][0]) == "written"
    assert case_info(tmp_path / "s", "empty").boxes == {}


def test_a_mask_off_the_grid_is_kept_as_read_beside_its_resampling(tmp_path):
    """correctMask needs the mask as read: the store keeps it, on its own grid, and says how it differs."""
    entry = write_good_case(tmp_path, "c", 3)
    mask = sitk.ReadImage(entry.mask)
    size = list(mask.GetSize())
    cut = sitk.RegionOfInterest(mask, [size[0] - 3, size[1], size[2]], [0, 0, 0])  # same voxels in space
    sitk.WriteImage(cut, str(tmp_path / "cut.nii.gz"))
    assert ingest_case(tmp_path / "s", CaseEntry("c", entry.image, str(tmp_path / "cut.nii.gz"))) == "written"
    info = case_info(tmp_path / "s", "c")
    assert "mask size (45, 48, 16) (x, y, z) differs from image size (48, 48, 16)" in info.geometry_mismatch
    _, on_grid = read_case(tmp_path / "s", "c")
    _, native = read_case(tmp_path / "s", "c", native_mask=True)
    np.testing.assert_array_equal(native.array, sitk.GetArrayFromImage(cut))
    assert native.spacing == tuple(cut.GetSpacing()[::-1]) and native.origin == cut.GetOrigin()
    np.testing.assert_array_equal(on_grid.array, sitk.GetArrayFromImage(mask))  # nearest neighbour
    with pytest.raises(GeometryMismatchError):  # reading the pair directly still refuses it
        load_case(entry.image, str(tmp_path / "cut.nii.gz"))
