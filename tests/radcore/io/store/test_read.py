import dataclasses

import numpy as np
import pytest
import SimpleITK as sitk
from zarr.storage import LocalStore

from radcore.errors import LabelNotFoundError, StoreError
from radcore.io.images import Volume
from radcore.io.store import case_info, list_cases, write_case
from radcore.io.store.read import read_roi


def test_read_roi_is_the_crop_of_the_whole_case(tmp_path, case):
    image, mask = case
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
    whole.SetDirection(image.direction)
    expected = whole.TransformIndexToPhysicalPoint((0, 5, 3))
    np.testing.assert_allclose(img.origin, expected)

    whole_img, _ = read_roi(tmp_path / "s", "c1", 1, margin_mm=float("inf"))  # a global filter's reach
    assert whole_img.offset == (0, 0, 0) and whole_img.array.shape == (20, 30, 40)


def test_read_roi_of_a_missing_label_or_case(tmp_path, case):
    image, mask = case
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
    shard_reads = [k for k, _ in store.reads if not k.endswith("zarr.json")]
    # a slab of chunks per shard: the first slab's shard of each array, its index and then one chunk of it
    assert sorted(shard_reads) == ["big/0/c/0/0/0"] * 2 + ["big/labels/mask/0/c/0/0/0"] * 2
    read_bytes = sum(n for _, n in store.reads)
    assert read_bytes < stored / 20, (read_bytes, stored)  # one chunk of 32 of each array
    assert msk.array.sum() == 125 and img.array.shape == (21, 21, 21)  # 5 + 2 * (ceil(6.2) + 1)


def test_a_decoded_case_reads_as_the_store_does(tmp_path, case):
    """A case just written (still in memory) gives the same volumes as the store it was written to."""
    from radcore.io.store.read import read_case, read_image, read_region

    image, mask = case
    decoded = write_case(tmp_path / "s", "c1", image, mask)
    assert decoded.info == case_info(tmp_path / "s", "c1")
    box = (slice(2, 12), slice(4, 26), slice(0, 12))
    for read, args in ((read_roi, (1, 2.0)), (read_roi, (4, 0.0)), (read_region, (1, box))):
        for stored, in_memory in zip(read(tmp_path / "s", "c1", *args), read(decoded, "c1", *args)):
            assert stored.array.dtype == in_memory.array.dtype and np.array_equal(stored.array, in_memory.array)
            assert dataclasses.replace(stored, array=None) == dataclasses.replace(in_memory, array=None)
            assert in_memory.array.flags.writeable  # a crop of its own
    for stored, in_memory in zip(read_case(tmp_path / "s", "c1", native_mask=True),
                                 read_case(decoded, "c1", native_mask=True)):
        assert np.array_equal(stored.array, in_memory.array) and stored.spacing == in_memory.spacing
    whole = read_image(decoded, "c1")
    assert np.array_equal(whole.array, read_image(tmp_path / "s", "c1").array)
    with pytest.raises(ValueError, match="read-only"):
        whole.array[0, 0, 0] = 1  # the case's own array, shared by its labels: nobody changes it
    with pytest.raises(ValueError, match="decoded case is 'c1', not 'c2'"):
        read_image(decoded, "c2")
