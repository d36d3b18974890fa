from datetime import datetime, timezone

import duckdb
import pandas as pd
import pyarrow.parquet as pq
import pytest

from radcore.errors import StaleRunError
from radcore.io.dataset import (
    ERROR_SCHEMA, batch_id, done_cases, ensure_readable, feature_schema, features_glob, partition,
    remove_leftovers, run_lock, write_batch, write_catalogue, write_errors,
)

NOW = datetime(2026, 1, 2, tzinfo=timezone.utc)


def _row(case_id, label=1, **features):
    return {"case_id": case_id, "label": label, "site": "A", "radcore_version": "0.1", "image_digest": "sha256:i",
            "mask_digest": "sha256:m", "extracted_at": NOW, "extraction_seconds": 0.5, **features}


def _error(case_id):
    return {"case_id": case_id, "label": 1, "stage": "read", "error_type": "ImageReadError", "reason": "gone",
            "radcore_version": "0.1", "attempted_at": NOW}


def test_canonical_schema_order_and_types():
    schema = feature_schema(["site"], ["f_b", "f_a"])
    assert schema.names == ["case_id", "label", "site", "radcore_version", "image_digest", "mask_digest",
                            "extracted_at", "extraction_seconds", "f_b", "f_a"]
    assert str(schema.field("f_a").type) == "double" and str(schema.field("label").type) == "int32"
    with pytest.raises(ValueError, match=r"\['case_id'\] are used twice"):
        feature_schema(["case_id"], [])


def test_batch_ids_are_stable_and_order_free():
    assert batch_id("h", [("a", 1), ("b", 2)]) == batch_id("h", [("b", 2), ("a", 1)])
    assert batch_id("h", [("a", 1)]) != batch_id("g", [("a", 1)])


def test_retried_batch_overwrites_and_readers_see_one_schema(tmp_path):
    schema = feature_schema(["site"], ["f1", "f2"])
    write_batch(tmp_path, "h1", "b1", [_row("a", f1=1.0, f2=2.0)], [_error("x")], schema)
    write_batch(tmp_path, "h1", "b1", [_row("a", f1=1.5, f2=2.0), _row("b", f1=3.0)], [], schema)  # retry
    write_batch(tmp_path, "h1", "b2", [_row("c", f2=4.0, extra=9.0)], [], schema)
    files = sorted(p.name for p in partition(tmp_path, "features", "h1").iterdir())
    assert files == ["batch-b1.parquet", "batch-b2.parquet"]  # no temporary files left, no duplicates
    assert not partition(tmp_path, "errors", "h1").joinpath("batch-b1.parquet").exists()
    rows = duckdb.sql(
        f"select case_id, f1, f2, extra, settings_hash from read_parquet('{features_glob(tmp_path)}', "
        "hive_partitioning=true, union_by_name=true) order by case_id"
    ).fetchall()
    assert rows == [("a", 1.5, 2.0, None, "h1"), ("b", 3.0, None, None, "h1"), ("c", None, 4.0, 9.0, "h1")]
    frame = pd.read_parquet(partition(tmp_path, "features", "h1") / "batch-b1.parquet")
    assert list(frame.columns[:3]) == ["case_id", "label", "site"]
    assert done_cases(tmp_path, "h1") == {("a", 1), ("b", 1), ("c", 1)}
    assert done_cases(tmp_path, "other") == set()


def test_errors_and_catalogue(tmp_path):
    schema = feature_schema([], ["f1"])
    write_batch(tmp_path, "h1", "b1", [], [_error("x"), _error("y")], schema)
    write_errors(tmp_path, "h1", "batch-b9-lost", [_error("z")])
    errors = duckdb.sql(
        f"select case_id, stage, settings_hash from read_parquet('{tmp_path}/errors/**/*.parquet', "
        "hive_partitioning=true) order by case_id"
    ).fetchall()
    assert errors == [("x", "read", "h1"), ("y", "read", "h1"), ("z", "read", "h1")]
    assert pq.read_schema(partition(tmp_path, "errors", "h1") / "batch-b1.parquet").equals(ERROR_SCHEMA)
    path = write_catalogue(tmp_path, "h1", [{"column": "f1", "image_type": "original", "family": "stat",
                                             "feature": "mean", "aggregation": "", "ibsi_code": "Q4LE",
                                             "ibsi_tag": "stat_mean", "description": "Mean"}])
    assert pq.read_table(path).to_pylist()[0]["ibsi_code"] == "Q4LE"
    assert not partition(tmp_path, "features", "h1").exists()


def _one_row_batch(dataset, h, name, token=""):
    schema = feature_schema(["site"], ["f"])
    write_batch(dataset, h, name, [_row("a", f=1.0)], [], schema, {"radcore": "x"}, token)


def test_a_second_run_waits_for_the_first_and_a_replaced_run_writes_nothing(tmp_path):
    import threading

    events = []
    with run_lock(tmp_path, "h") as first:
        _one_row_batch(tmp_path, "h", "b1", first)

        def second_run():
            with run_lock(tmp_path, "h", waiting=lambda: events.append("waiting")) as token:
                events.append(("running", token))

        thread = threading.Thread(target=second_run)
        thread.start()
        thread.join(timeout=1.0)
        assert thread.is_alive() and events == ["waiting"]  # blocked while the first run holds the lock
    thread.join(timeout=10)
    (state, second), = events[1:]
    assert state == "running" and second != first
    # a batch of the first run that finishes late (its tasks outlived it on a cluster) is dropped
    with pytest.raises(StaleRunError, match="another run has replaced"):
        _one_row_batch(tmp_path, "h", "late", first)
    assert sorted(p.name for p in partition(tmp_path, "features", "h").iterdir()) == ["batch-b1.parquet"]
    assert done_cases(tmp_path, "h") == {("a", 1)}


def test_partitions_stay_readable_and_leftovers_go(tmp_path):
    ensure_readable(tmp_path, "h", feature_schema(["site"], ["f"]))
    for part in ("features", "errors"):
        assert [p.name for p in partition(tmp_path, part, "h").iterdir()] == ["empty.parquet"]
    features = f"read_parquet('{tmp_path}/features/**/*.parquet', hive_partitioning=true, union_by_name=true)"
    assert duckdb.sql(f"select count(*) from {features}").fetchall() == [(0,)]
    _one_row_batch(tmp_path, "h", "b1")
    assert [p.name for p in partition(tmp_path, "features", "h").iterdir()] == ["batch-b1.parquet"]
    (partition(tmp_path, "features", "h") / ".batch-b2.parquet.1234.tmp").write_bytes(b"half")
    assert [p.name for p in remove_leftovers(tmp_path, "h")] == [".batch-b2.parquet.1234.tmp"]
    assert pq.read_schema(partition(tmp_path, "features", "h") / "batch-b1.parquet").metadata[b"radcore.versions"]


def test_done_cases_read_key_files_and_fall_back_to_the_features_file(tmp_path):
    schema = feature_schema(["site"], ["f"])
    write_batch(tmp_path, "h", "b1", [_row("a", f=1.0), _row("b", f=2.0)], [], schema)
    keys = partition(tmp_path, "keys", "h") / "batch-b1.json"
    assert keys.exists() and done_cases(tmp_path, "h") == {("a", 1), ("b", 1)}
    keys.write_text(keys.read_text().replace('"a"', '"zz"'))  # a key file is believed only while it matches
    assert done_cases(tmp_path, "h") == {("zz", 1), ("b", 1)}
    features = partition(tmp_path, "features", "h") / "batch-b1.parquet"
    features.touch()  # the features file was written again after its key file (a write killed in between)
    assert done_cases(tmp_path, "h") == {("a", 1), ("b", 1)}
    write_batch(tmp_path, "h", "b1", [], [_error("a")], schema)  # the retried batch lost its rows
    assert not keys.exists() and done_cases(tmp_path, "h") == set()
