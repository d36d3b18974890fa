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
