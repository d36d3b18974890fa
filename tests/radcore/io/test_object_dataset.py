"""The dataset's commit protocol on object storage (radcore.io.object_dataset), on moto's S3 server: the
lease, fencing of a replaced run's late batches, retried batches, compaction killed half-way, and the
queries of the README against the bucket."""

import threading
import time

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from radcore.errors import StaleRunError
from radcore.io import dataset as ds
from radcore.io import object_dataset, remote
from radcore.io.compact import compact
from tests.s3_server import SECRET_KEY

H = "0123456789abcdef"
SCHEMA = ds.feature_schema(["site"], ["stat_mean"])


def _row(case: str, value: float = 1.0) -> dict:
    return {"case_id": case, "label": 1, "site": "a", "stat_mean": value}


def _write(out: str, token: str, cases: list[str], value: float = 1.0) -> None:
    ds.write_batch(out, H, ds.batch_id(H, [(c, 1) for c in cases]), [_row(c, value) for c in cases], [], SCHEMA,
                   run_token=token)


def _register(out: str, token: str, batches: list[list[str]]) -> None:
    ds.register_batches(out, H, token, [f"batch-{ds.batch_id(H, [(c, 1) for c in b])}" for b in batches], SCHEMA)


def _rows(s3, out: str) -> list[tuple]:
    con = remote.duckdb_connection(out)
    return sorted(con.sql(f"select case_id, label from read_parquet('{ds.features_glob(out)}', "
                          "hive_partitioning=true, union_by_name=true)").fetchall())


@pytest.fixture
def short_lease(monkeypatch):
    monkeypatch.setenv("RADCORE_LEASE_SECONDS", "1")


def test_a_run_on_object_storage_is_readable_by_duckdb_and_pandas(s3):
    out = s3.url("results")
    with ds.run_lock(out, H) as token:
        _register(out, token, [["a", "b"], ["c"]])
        _write(out, token, ["a", "b"])
        _write(out, token, ["c"])
        ds.write_settings(out, H, {"families": ["stat"]})
        ds.write_catalogue(out, H, [])
        ds.ensure_readable(out, H, SCHEMA)
    assert _rows(s3, out) == [("a", 1), ("b", 1), ("c", 1)]
    assert ds.done_cases(out, H) == {("a", 1), ("b", 1), ("c", 1)}
    import pandas as pd

    frame = pd.read_parquet(f"{out}/features")
    assert sorted(frame["case_id"]) == ["a", "b", "c"] and set(frame["settings_hash"].astype(str)) == {H}
    errors = f"read_parquet('{out}/errors/**/*.parquet', hive_partitioning=true, union_by_name=true)"
    assert remote.duckdb_connection(out).sql(f"select count(*) from {errors}").fetchall() == [(0,)]
    assert ds.read_catalogue(out, H) == []


def test_two_runs_at_once_the_second_waits_for_the_first(s3, short_lease):
    out = s3.url("results")
    order = []
    with ds.run_lock(out, H) as first:
        def second():
            with ds.run_lock(out, H, waiting=lambda: order.append("waiting")) as token:
                order.append(("second", object_dataset.generation_of(token)))

        thread = threading.Thread(target=second)
        thread.start()
        time.sleep(3.0)  # three lease times: the heartbeat keeps the first run's hold
        order.append(("first", object_dataset.generation_of(first)))
    thread.join(30)
    assert order == ["waiting", ("first", 1), ("second", 2)]


def test_a_killed_runs_late_batches_are_fenced_and_its_published_ones_count(s3, short_lease):
    out = s3.url("results")
    killed = object_dataset.Lease(object_dataset.Location(out), H)
    old = killed.take()
    _register(out, old, [["a"], ["b"], ["c"]])
    _write(out, old, ["a"])  # published before the run died
    killed._stop.set()  # the run dies: its heartbeat stops, its lease is never released
    killed._thread.join()
    with ds.run_lock(out, H) as new:  # takes over after a lease time, fences ["b"] and ["c"]
        assert object_dataset.generation_of(new) == 2
        assert ds.done_cases(out, H) == {("a", 1)}
        with pytest.raises(StaleRunError):
            _write(out, old, ["b"])  # a late batch of the killed run, still running on the cluster
        _register(out, new, [["b", "c"]])
        _write(out, new, ["b", "c"])
    with pytest.raises(StaleRunError):
        _write(out, old, ["c"])
    assert _rows(s3, out) == [("a", 1), ("b", 1), ("c", 1)]  # every case exactly once


def test_a_run_that_lost_its_lease_before_planning_submits_nothing(s3, short_lease):
    out = s3.url("results")
    stalled = object_dataset.Lease(object_dataset.Location(out), H)
    old = stalled.take()
    stalled._stop.set()
    stalled._thread.join()
    with ds.run_lock(out, H):
        with pytest.raises(StaleRunError, match="lost its lease"):
            _register(out, old, [["a"]])


def test_a_retried_batch_keeps_the_rows_of_its_first_attempt(s3):
    out = s3.url("results")
    with ds.run_lock(out, H) as token:
        _register(out, token, [["a"]])
        _write(out, token, ["a"], value=1.0)
        _write(out, token, ["a"], value=2.0)  # its worker died after publishing; the batch ran again
    con = remote.duckdb_connection(out)
    assert con.sql(f"select stat_mean from read_parquet('{ds.features_glob(out)}')").fetchall() == [(1.0,)]


@pytest.mark.parametrize("killed_after", [0, 1, 2])  # parts published when killed (2: all, before settling)
def test_a_compaction_killed_half_way_is_settled(s3, killed_after, monkeypatch):
    out = s3.url("results")
    with ds.run_lock(out, H) as token:
        batches = [[f"c{i}{j}" for j in range(3)] for i in range(4)]
        _register(out, token, batches)
        for b in batches:
            _write(out, token, b)
    expected = _rows(s3, out)
    assert len(expected) == 12
    published = []
    real = ds.write_batch_table

    def dies(*args, **kwargs):
        if len(published) == killed_after:
            raise KeyboardInterrupt  # the compaction is killed here
        real(*args, **kwargs)
        published.append(args[2])

    monkeypatch.setattr("radcore.io.compact.write_batch_table", dies)
    settled = []

    def settle_dies(*args):
        settled.append(args)
        if len(settled) == 2:  # the settling after the parts: killed before the replaced files go
            raise KeyboardInterrupt
        ds.settle_compaction(*args)

    monkeypatch.setattr("radcore.io.compact.settle_compaction", settle_dies)
    with pytest.raises(KeyboardInterrupt):
        compact(out, H, rows_per_file=6)
    monkeypatch.undo()
    assert len(published) == killed_after
    if killed_after == 2:  # both parts and every batch file are there: a reader would see each case twice
        assert len(_rows(s3, out)) == 24
    with ds.run_lock(out, H):  # the next run (or compaction) settles it
        pass
    assert _rows(s3, out) == expected
    read, parts = compact(out, H, rows_per_file=6)
    assert parts == (0 if killed_after == 2 else 2) and _rows(s3, out) == expected  # 2: settled forward
    assert not s3.fs.exists(f"{s3.name}/results/keys/settings_hash={H}/compacting.json")


def test_no_secret_reaches_the_dataset(s3):
    out = s3.url("results")
    with ds.run_lock(out, H) as token:
        _register(out, token, [["a"]])
        _write(out, token, ["a"])
        ds.write_versions(out, H, {"radcore": "x"})
    for key in s3.fs.find(s3.name):
        assert SECRET_KEY.encode() not in s3.fs.cat_file(key), key


def test_a_bucket_that_does_not_exist_is_one_line(s3):
    from radcore.cohort.run import check_output_folder

    with pytest.raises(remote.StorageError, match=r"^s3://radcore-no-such-bucket/out: the bucket does not exist$"):
        check_output_folder("s3://radcore-no-such-bucket/out")


def test_tombstones_are_empty_files_of_the_plans_schema(s3, short_lease):
    out = s3.url("results")
    killed = object_dataset.Lease(object_dataset.Location(out), H)
    old = killed.take()
    _register(out, old, [["a"]])
    killed._stop.set()
    killed._thread.join()
    with ds.run_lock(out, H):
        pass
    [tomb] = s3.fs.glob(f"{s3.name}/results/features/settings_hash={H}/batch-*.parquet")
    with s3.fs.open(tomb) as fh:
        table = pq.read_table(fh)
    assert table.num_rows == 0 and table.schema.remove_metadata().equals(pa.schema(SCHEMA).remove_metadata())


def test_no_credentials_is_one_line(s3, monkeypatch):
    from radcore.cohort.run import check_output_folder

    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")  # no instance role to ask for either
    remote.forget_filesystems()
    with pytest.raises(remote.StorageError, match=rf"^{s3.url('out')}: no credentials found"):
        check_output_folder(s3.url("out"))
