import json

import numpy as np
import pytest
import zarr

from radcore.errors import StoreError
from radcore.io.store import read_case, write_case
from radcore.io.store.layout import case_info, group_name, list_cases, open_store


@pytest.mark.parametrize("case_id, name", [
    ("case-01.v2", "case-01.v2"), ("a+b_c", "a+b_c"), ("../up", "~2E.~2Fup"), (".hidden", "~2Ehidden"),
    ("a b", "a~20b"), ("x/y\\z", "x~2Fy~5Cz"), ("病", "~E7~97~85"), ("~", "~7E"), ("..", "~2E."),
])
def test_group_names_are_portable_and_distinct(case_id, name):
    assert group_name(case_id) == name


def test_odd_case_ids_round_trip_verbatim_and_stay_inside_the_store(tmp_path, case):
    image, mask = case
    ids = ["../../escape", ".hidden", "a b", "x/y", "comma, inside", "ünï 病例", "  padded ", "..", "A" * 400]
    for case_id in ids:
        write_case(tmp_path / "s", case_id, image, mask)
    assert list_cases(tmp_path / "s") == sorted(ids)
    for case_id in ids:
        assert case_info(tmp_path / "s", case_id).case_id == case_id
        np.testing.assert_array_equal(read_case(tmp_path / "s", case_id)[0].array, image.array)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s"]  # nothing written beside the store
    assert all(len(p.name) <= 200 for p in (tmp_path / "s").iterdir())


def test_a_group_never_serves_another_case(tmp_path, case):
    """On a case-insensitive file system 'Case1' and 'case1' would share a folder: reads check the id."""
    image, mask = case
    write_case(tmp_path / "s", "Case1", image, mask)
    (tmp_path / "s" / "Case1").rename(tmp_path / "s" / "case1")
    with pytest.raises(StoreError, match="holds case 'Case1', not 'case1'"):
        case_info(tmp_path / "s", "case1")


def test_store_root_is_marked(tmp_path, case):
    image, mask = case
    write_case(tmp_path / "s", "c1", image, mask)
    assert json.loads((tmp_path / "s" / "zarr.json").read_text())["attributes"]["radcore"]["store_format"] == 1


def test_creating_a_store_that_another_worker_just_created(tmp_path, monkeypatch):
    """Two workers ingesting their first cases into a new store race to create its root group."""
    real_open = zarr.open_group
    calls = []

    def racing_open(path, mode="a", **kw):
        calls.append(mode)
        if mode == "a" and len(calls) == 1:
            real_open(path, mode="w", **kw)  # the other worker wins the race
            raise zarr.errors.ContainsGroupError(path)
        return real_open(path, mode=mode, **kw)

    monkeypatch.setattr(zarr, "open_group", racing_open)
    root = open_store(tmp_path / "new.zarr", create=True)
    assert calls == ["a", "r+"]
    assert "radcore" in root.attrs
