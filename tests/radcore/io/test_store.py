import json

import numpy as np
import pytest
import SimpleITK as sitk
import zarr
from zarr.storage import LocalStore

from radcore.errors import GeometryMismatchError, ImageReadError, LabelNotFoundError
from radcore.io.images import Volume, load_case
from radcore.io import store as store_module
from radcore.io.manifest import CaseEntry
from radcore.io.store import (
    StoreError, case_info, file_digest, group_name, ingest_case, list_cases, read_case, read_roi, write_case,
)
from tests.cohort_cases import write_broken_cases, write_good_case

DIRECTION = (0.0, 1.0, 0.0, -1.0, 0.0, 0.0, 0.0, 0.0, 1.0)  # rotated 90 degrees in-plane


def _case(shape=(20, 30, 40)):
    rng = np.random.default_rng(1)
    image = rng.integers(-1000, 1000, shape).astype(np.int16)
    mask = np.zeros(shape, np.uint8)
    mask[5:9, 10:20, 3:7] = 1
    mask[15, 2, 30:33] = 4
    geometry = dict(spacing=(3.0, 0.5, 0.7), origin=(10.0, -20.0, 5.0), direction=DIRECTION)
    return Volume(image, **geometry), Volume(mask, **geometry)


def test_round_trip_keeps_geometry_boxes_and_ngff_metadata(tmp_path):
    image, mask = _case()
    write_case(tmp_path / "s", "c1", image, mask, metadata={"site": "A"}, labels=(1, 4), modality="CT",
               digests={"image": "sha256:x"}, chunks=(8, 16, 16))
    info = case_info(tmp_path / "s", "c1")
    assert info.shape == (20, 30, 40) and info.spacing == (3.0, 0.5, 0.7)
    assert info.origin == (10.0, -20.0, 5.0) and info.direction == DIRECTION
    assert info.boxes == {1: ((5, 9), (10, 20), (3, 7)), 4: ((15, 16), (2, 3), (30, 33))}
    assert info.voxel_counts == {1: 160, 4: 3}
    assert info.labels == (1, 4) and info.metadata == {"site": "A"} and info.modality == "CT"
    img, msk = read_case(tmp_path / "s", "c1")
    np.testing.assert_array_equal(img.array, image.array)
    np.testing.assert_array_equal(msk.array, mask.array)
    assert img.array.dtype == np.int16 and msk.array.dtype == np.uint8
    group = zarr.open_group(str(tmp_path / "s" / "c1"), mode="r")
    ms = group.attrs["ome"]["multiscales"][0]
    assert group.attrs["ome"]["version"] == "0.5"
    assert [a["name"] for a in ms["axes"]] == ["z", "y", "x"]
    assert ms["datasets"][0]["coordinateTransformations"][0]["scale"] == [3.0, 0.5, 0.7]
    assert group["labels"].attrs["ome"]["labels"] == ["mask"]
    assert "image-label" in group["labels/mask"].attrs["ome"]
    assert group["0"].chunks == (8, 16, 16)
    assert list_cases(tmp_path / "s") == ["c1"]


def test_read_roi_is_the_crop_of_the_whole_case(tmp_path):
    image, mask = _case()
    write_case(tmp_path / "s", "c1", image, mask)
    img, msk = read_roi(tmp_path / "s", "c1", 1, margin_mm=2.0)
    # margin: ceil(2 / spacing) + 1 voxels -> z 2, y 5, x 4
    assert img.offset == (3, 5, 0) and img.array.shape == (8, 20, 11)
    assert img.full_shape == (20, 30, 40) and msk.full_shape == (20, 30, 40)
    np.testing.assert_array_equal(img.array, image.array[3:11, 5:25, 0:11].astype(np.float64))
    assert msk.array.dtype == bool and msk.array.sum() == 160
    # origin = physical position of the crop's first voxel
    whole = sitk.GetImageFromArray(image.array)
    whole.SetSpacing(image.spacing[::-1])
    whole.SetOrigin(image.origin)
    whole.SetDirection(DIRECTION)
    expected = whole.TransformIndexToPhysicalPoint((0, 5, 3))
    np.testing.assert_allclose(img.origin, expected)

    whole_img, _ = read_roi(tmp_path / "s", "c1", 1, margin_mm=float("inf"))  # a global filter's reach
    assert whole_img.offset == (0, 0, 0) and whole_img.array.shape == (20, 30, 40)


def test_read_roi_of_a_missing_label_or_case(tmp_path):
    image, mask = _case()
    write_case(tmp_path / "s", "c1", image, mask)
    with pytest.raises(LabelNotFoundError, match=r"label 2 does not occur in the mask of case 'c1' \(labels: 1, 4\)"):
        read_roi(tmp_path / "s", "c1", 2, 1.0)
    with pytest.raises(StoreError, match="case 'c9' is not in the store"):
        read_roi(tmp_path / "s", "c9", 1, 1.0)
    with pytest.raises(StoreError, match="no cohort store"):
        list_cases(tmp_path / "nothing")


class CountingStore(LocalStore):
    """A local Zarr store that records every key it reads and the bytes returned."""

    def __init__(self, root):
        super().__init__(root, read_only=True)
        self.reads: list[tuple[str, int]] = []

    async def get(self, key, prototype=None, byte_range=None):
        buf = await super().get(key, prototype, byte_range)
        if buf is not None:
            self.reads.append((key, len(buf)))
        return buf


def test_small_roi_in_a_large_volume_reads_only_its_chunks(tmp_path):
    shape = (128, 256, 256)
    rng = np.random.default_rng(0)
    image = Volume(rng.integers(-1000, 1000, shape, dtype=np.int16), (1.0, 1.0, 1.0))
    labels = np.zeros(shape, np.uint8)
    labels[20:25, 150:155, 84:89] = 1  # 5 voxels wide, inside chunk (0, 2, 1) with its margin
    write_case(tmp_path / "s", "big", image, Volume(labels, (1.0, 1.0, 1.0)), chunks=(64, 64, 64))
    stored = sum(p.stat().st_size for p in (tmp_path / "s" / "big").rglob("*") if p.is_file())
    store = CountingStore(tmp_path / "s")
    img, msk = read_roi(store, "big", 1, margin_mm=6.2)
    chunk_reads = [k for k, _ in store.reads if not k.endswith("zarr.json")]
    assert sorted(chunk_reads) == ["big/0/c/0/2/1", "big/labels/mask/0/c/0/2/1"]
    read_bytes = sum(n for _, n in store.reads)
    assert read_bytes < stored / 20, (read_bytes, stored)
    assert msk.array.sum() == 125 and img.array.shape == (21, 21, 21)  # 5 + 2 * (ceil(6.2) + 1)


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


@pytest.mark.parametrize("case_id, name", [
    ("case-01.v2", "case-01.v2"), ("a+b_c", "a+b_c"), ("../up", "~2E.~2Fup"), (".hidden", "~2Ehidden"),
    ("a b", "a~20b"), ("x/y\\z", "x~2Fy~5Cz"), ("病", "~E7~97~85"), ("~", "~7E"), ("..", "~2E."),
])
def test_group_names_are_portable_and_distinct(case_id, name):
    assert group_name(case_id) == name


def test_odd_case_ids_round_trip_verbatim_and_stay_inside_the_store(tmp_path):
    image, mask = _case()
    ids = ["../../escape", ".hidden", "a b", "x/y", "comma, inside", "ünï 病例", "  padded ", "..", "A" * 400]
    for case_id in ids:
        write_case(tmp_path / "s", case_id, image, mask)
    assert list_cases(tmp_path / "s") == sorted(ids)
    for case_id in ids:
        assert case_info(tmp_path / "s", case_id).case_id == case_id
        np.testing.assert_array_equal(read_case(tmp_path / "s", case_id)[0].array, image.array)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s"]  # nothing written beside the store
    assert all(len(p.name) <= 200 for p in (tmp_path / "s").iterdir())


def test_a_group_never_serves_another_case(tmp_path):
    """On a case-insensitive file system 'Case1' and 'case1' would share a folder: reads check the id."""
    image, mask = _case()
    write_case(tmp_path / "s", "Case1", image, mask)
    (tmp_path / "s" / "Case1").rename(tmp_path / "s" / "case1")
    with pytest.raises(StoreError, match="holds case 'Case1', not 'case1'"):
        case_info(tmp_path / "s", "case1")
    with pytest.raises(StoreError, match="holds case 'Case1', not 'case1'"):
        write_case(tmp_path / "s", "case1", image, mask)


def test_leftovers_of_a_killed_writer_are_removed(tmp_path):
    import subprocess
    import sys

    image, mask = _case()
    write_case(tmp_path / "s", "c1", image, mask)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    host = store_module._temporary_name().split("-")[1:-2]
    left = tmp_path / "s" / f".tmp-{'-'.join(host)}-{dead.stdout.strip()}-abcdef12"
    left.mkdir()
    alive = tmp_path / "s" / store_module._temporary_name()  # this process: still writing
    alive.mkdir()
    assert store_module.remove_leftovers(tmp_path / "s") == [left.name]
    assert alive.exists() and list_cases(tmp_path / "s") == ["c1"]
    assert store_module.remove_leftovers(tmp_path / "s", max_age_s=-1) == [alive.name]


def test_store_root_is_marked(tmp_path):
    image, mask = _case()
    write_case(tmp_path / "s", "c1", image, mask)
    assert json.loads((tmp_path / "s" / "zarr.json").read_text())["attributes"]["radcore"]["store_format"] == 1


def test_creating_a_store_that_another_worker_just_created(tmp_path, monkeypatch):
    """Two workers ingesting their first cases into a new store race to create its root group."""
    import zarr

    from radcore.io import store as store_module

    real_open = zarr.open_group
    calls = []

    def racing_open(path, mode="a", **kw):
        calls.append(mode)
        if mode == "a" and len(calls) == 1:
            real_open(path, mode="w", **kw)  # the other worker wins the race
            raise zarr.errors.ContainsGroupError(path)
        return real_open(path, mode=mode, **kw)

    monkeypatch.setattr(store_module.zarr, "open_group", racing_open)
    root = store_module.open_store(tmp_path / "new.zarr", create=True)
    assert calls == ["a", "r+"]
    assert "radcore" in root.attrs
