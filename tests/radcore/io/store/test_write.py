import numpy as np
import zarr

from radcore.io.store import case_info, list_cases, read_case
from radcore.io.store.write import write_case


def test_round_trip_keeps_geometry_boxes_and_ngff_metadata(tmp_path, case):
    image, mask = case
    write_case(tmp_path / "s", "c1", image, mask, metadata={"site": "A"}, labels=(1, 4), modality="CT",
               digests={"image": "sha256:x"}, chunks=(8, 16, 16))
    info = case_info(tmp_path / "s", "c1")
    assert info.shape == (20, 30, 40) and info.spacing == (3.0, 0.5, 0.7)
    assert info.origin == (10.0, -20.0, 5.0) and info.direction == image.direction
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
