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


def test_a_box_read_from_a_bucket_is_the_box_zarr_reads_in_two_rounds_of_gets(s3, s3_traffic, case):
    """Boxes within one chunk, across chunks and shards, at the array's far edges: the voxels Zarr reads,
    fetched as each shard's index and then each touched chunk (no HEAD, no whole shard)."""
    from radcore.io.images import Volume
    from radcore.io.store import shards
    from radcore.io.store.layout import IMAGE_PATH, open_case

    image, mask = case
    rng = np.random.default_rng(2)
    big = rng.integers(-1024, 3000, (150, 70, 130)).astype(np.int16)
    labels = np.zeros(big.shape, np.uint8)
    labels[60:70, 10:66, 60:70] = 1
    store = s3.url("big.zarr")
    write_case(store, "big", dataclasses.replace(image, array=big),
               Volume(labels, spacing=mask.spacing, origin=mask.origin, direction=mask.direction))
    group, _ = open_case(store, "big")
    array = group[IMAGE_PATH]
    for box in [(slice(0, 1), slice(0, 1), slice(0, 1)), (slice(60, 70), slice(10, 66), slice(60, 70)),
                (slice(3, 150), slice(1, 70), slice(5, 130)), (slice(140, 150), slice(60, 70), slice(120, 130))]:
        assert bucket.reads_box(array, box)
        s3_traffic.clear()
        voxels = bucket.read_box(store, array, box)
        assert np.array_equal(voxels, big[box]), box
        touched = shards.touched_chunks(array, box)
        assert s3_traffic.requests.get("GET", 0) == len(touched) + sum(map(len, touched.values()))
        assert "HEAD" not in s3_traffic.requests
    assert not bucket.reads_box(array, ...) and not bucket.reads_box(array, (slice(0, 200),) * 3)


def test_a_damaged_shard_index_is_an_error_not_voxels(s3, case):
    from radcore.io.store.layout import IMAGE_PATH, open_case

    image, mask = case
    store = s3.url("d.zarr")
    write_case(store, "c", image, mask)
    key = f"{store.removeprefix('s3://')}/c/{IMAGE_PATH}/c/0/0/0"
    shard = bytearray(s3.fs.cat_file(key))
    shard[-10] ^= 0xFF
    s3.fs.pipe_file(key, bytes(shard))
    group, _ = open_case(store, "c")
    with pytest.raises(StoreError, match=r"c/0/0/0: the shard's index is damaged"):
        bucket.read_box(store, group[IMAGE_PATH], (slice(0, 2), slice(0, 2), slice(0, 2)))


def test_a_group_opened_in_a_bucket_is_read_by_its_url(s3, tmp_path, case):
    from radcore.io.store import open_store

    image, mask = case
    store = s3.url("u.zarr")
    write_case(store, "c", image, mask)
    assert bucket.url_of(store) == store and bucket.url_of(open_store(store)) == store
    write_case(tmp_path / "u.zarr", "c", image, mask)
    assert bucket.url_of(str(tmp_path / "u.zarr")) is None and bucket.url_of(open_store(tmp_path / "u.zarr")) is None
