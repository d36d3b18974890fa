"""Where response maps are written."""

from pathlib import Path

import pytest

from radcore.errors import SettingsError
from radcore.io.maps import map_paths


def test_one_map_keeps_the_path_several_get_their_names():
    assert map_paths("out/m.nii.gz", ["laws_l5s5"]) == {"laws_l5s5": Path("out/m.nii.gz")}
    assert map_paths("m.nrrd", ["a", "b"]) == {"a": Path("m_a.nrrd"), "b": Path("m_b.nrrd")}
    assert map_paths("m.NII.GZ", ["a", "b"])["b"] == Path("m_b.NII.GZ")
    assert set(map_paths("maps.zarr", ["a", "b"]).values()) == {Path("maps.zarr")}


def test_unknown_suffix_is_refused():
    with pytest.raises(SettingsError, match="must end in one of"):
        map_paths("m.png", ["a"])


@pytest.mark.parametrize("where", ["folder", "bucket"])
def test_a_cohort_maps_group_counts_once_its_attributes_are_written(where, tmp_path, request):
    """:func:`radcore.io.maps.mapped_items`: a group written to the end counts, one whose attributes are
    missing (its writer was killed) does not; on a folder and in an S3 bucket (tests/s3_server.py)."""
    import numpy as np
    import zarr

    from radcore.io.images import Volume
    from radcore.io.maps import case_maps_path, mapped_items, write_maps

    dataset = str(tmp_path / "out") if where == "folder" else request.getfixturevalue("s3").url("out")
    volume = Volume(np.ones((2, 3, 4)), (2.0, 1.0, 1.0))
    items = {("a b", 1), ("c", 2), ("never", 1)}
    for case, label in [("a b", 1), ("c", 2)]:
        write_maps({"original_stat_mean": volume}, case_maps_path(dataset, "h", case, label))
    assert mapped_items(dataset, "h", items) == {("a b", 1), ("c", 2)}
    zarr.open_group(str(case_maps_path(dataset, "h", "c", 2)), mode="r+").attrs.clear()
    assert mapped_items(dataset, "h", items) == {("a b", 1)}
    assert mapped_items(dataset, "other", items) == set()
