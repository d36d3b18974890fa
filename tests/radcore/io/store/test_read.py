import numpy as np
import pytest
import SimpleITK as sitk
from zarr.storage import LocalStore

from radcore.errors import LabelNotFoundError, StoreError
from radcore.io.images import Volume
from radcore.io.store import list_cases, write_case
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
    chunk_reads = [k for k, _ in store.reads if not k.endswith("zarr.json")]
    assert sorted(chunk_reads) == ["big/0/c/0/2/1", "big/labels/mask/0/c/0/2/1"]
    read_bytes = sum(n for _, n in store.reads)
    assert read_bytes < stored / 20, (read_bytes, stored)
    assert msk.array.sum() == 125 and img.array.shape == (21, 21, 21)  # 5 + 2 * (ceil(6.2) + 1)
