"""The cohort store on object storage (moto's S3 server): a case is published by creating its zarr.json
only if absent, so a reader never sees half a case, two writers of one case stay correct, a replaced case
keeps none of its old objects and a killed writer's objects stay invisible."""

import dataclasses
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from radcore.errors import StorageError, StoreError
from radcore.io.store import bucket, list_cases, open_store, read_case, read_roi, write_case


def _objects(s3, store: str) -> dict[str, bytes]:
    s3.fs.invalidate_cache()
    root = store.removeprefix("s3://")
    return {key.removeprefix(root + "/"): s3.fs.cat_file(key) for key in s3.fs.find(root)}


def _files(folder) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_a_case_in_a_bucket_is_the_case_on_disk_object_for_file(s3, tmp_path, case):
    image, mask = case
    store = s3.url("s.zarr")
    write_case(store, "c 1", image, mask, digests={"image": "sha256:1"})
    write_case(tmp_path / "s.zarr", "c 1", image, mask, digests={"image": "sha256:1"})
    objects = _objects(s3, store)
    assert {k.removeprefix("c~201/"): v for k, v in objects.items() if k.startswith("c~201/")} == \
        _files(tmp_path / "s.zarr" / "c~201")
    assert list_cases(store) == ["c 1"]
    for source in (store, tmp_path / "s.zarr"):
        roi_image, roi_mask = read_roi(source, "c 1", 1, 2.0)
        assert np.array_equal(roi_image.array, image.array[roi_image.offset[0]:, roi_image.offset[1]:,
                                                           roi_image.offset[2]:][tuple(map(slice, roi_image.array.shape))])
        assert roi_mask.array.sum() == 160


def test_two_writers_of_one_case_from_the_same_files_leave_it_whole(s3, case):
    image, mask = case
    store = s3.url("s.zarr")
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda _: write_case(store, "c1", image, mask, digests={"image": "sha256:1"}), range(4)))
    assert list_cases(store) == ["c1"]
    stored_image, stored_mask = read_case(store, "c1")
    assert np.array_equal(stored_image.array, image.array) and np.array_equal(stored_mask.array, mask.array)


def test_a_writer_that_finds_the_case_published_from_other_files_hides_it_and_fails(s3, case, monkeypatch):
    image, mask = case
    store = s3.url("s.zarr")
    other = dataclasses.replace(image, array=image.array + 1)
    put = bucket._put

    def put_while_another_writer_publishes(fs, objects):
        written = put(fs, objects)
        monkeypatch.setattr(bucket, "_put", put)
        write_case(store, "c1", other, mask, digests={"image": "sha256:other"})
        assert list_cases(store) == ["c1"]
        return written

    monkeypatch.setattr(bucket, "_put", put_while_another_writer_publishes)
    with pytest.raises(StoreError, match="another process at the same time from other input files"):
        write_case(store, "c1", image, mask, digests={"image": "sha256:1"})
    assert list_cases(store) == []  # its shards may be mixed: no reader sees it
    write_case(store, "c1", image, mask, digests={"image": "sha256:1"})  # the next ingest
    assert np.array_equal(read_case(store, "c1")[0].array, image.array)


def test_a_replaced_case_keeps_none_of_its_old_objects(s3, case):
    image, mask = case
    store = s3.url("s.zarr")
    write_case(store, "c1", image, mask, native_mask=mask, geometry_mismatch="spacing differs")
    assert any(k.startswith("c1/labels/native/") for k in _objects(s3, store))
    smaller = dataclasses.replace(image, array=image.array[:10])
    write_case(store, "c1", smaller, dataclasses.replace(mask, array=mask.array[:10]))
    assert not any(k.startswith("c1/labels/native/") for k in _objects(s3, store))
    stored, native = read_case(store, "c1", native_mask=True)
    assert np.array_equal(stored.array, smaller.array) and native.array.shape == (10, 30, 40)


def test_a_killed_writer_leaves_nothing_a_reader_sees(s3, case, monkeypatch):
    image, mask = case
    store = s3.url("s.zarr")
    put = bucket._put

    def killed(fs, objects):
        first = [next(objects) for _ in range(3)]
        put(fs, iter(first))
        raise KeyboardInterrupt  # the process dies here

    monkeypatch.setattr(bucket, "_put", killed)
    with pytest.raises(KeyboardInterrupt):
        write_case(store, "c1", image, mask)
    assert len(_objects(s3, store)) == 4  # the store's zarr.json and three objects of the case
    assert list_cases(store) == []
    with pytest.raises(StoreError, match="not in the store"):
        read_case(store, "c1")
    monkeypatch.setattr(bucket, "_put", put)
    write_case(store, "c1", image, mask)  # the rerun's ingest writes over them
    assert list_cases(store) == ["c1"] and np.array_equal(read_case(store, "c1")[0].array, image.array)


def test_a_store_url_that_cannot_be_used_is_one_line(s3, case):
    image, mask = case
    with pytest.raises(StoreError, match=f"no cohort store at 's3://{s3.name}/none.zarr'"):
        open_store(s3.url("none.zarr"))
    for attempt in (lambda: open_store("s3://radcore-no-such-bucket/s.zarr"),
                    lambda: write_case("s3://radcore-no-such-bucket/s.zarr", "c1", image, mask)):
        with pytest.raises(StorageError, match="^s3://radcore-no-such-bucket/s.zarr: the bucket does not exist$"):
            attempt()
