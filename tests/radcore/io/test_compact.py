"""Compaction keeps every row once, answers the same queries, and settles a compaction that was killed."""

import json

import duckdb
import pytest

from radcore.cli import main
from radcore.io.compact import compact
from radcore.io.dataset import compaction_journal, done_cases, feature_schema, partition, write_batch
from tests.radcore.io.test_dataset import NOW, _row


def _features(dataset):
    return f"read_parquet('{dataset}/features/**/*.parquet', hive_partitioning=true, union_by_name=true)"


def _dataset(tmp_path):
    schema = feature_schema(["site"], ["f", "g"])
    for b in range(6):
        rows = [_row(f"case {b}-{i}", label=1 + i % 2, f=float(b * 10 + i), g=1.0) for i in range(5)]
        write_batch(tmp_path, "h", f"b{b}", rows, [], schema)
    return tmp_path


def test_compaction_keeps_every_row_once_sorted_in_few_files(tmp_path):
    dataset = _dataset(tmp_path)
    before = sorted(duckdb.sql(f"select case_id, label, f from {_features(dataset)}").fetchall())
    assert compact(dataset, "h", rows_per_file=12, row_group_size=4) == (6, 3)
    files = sorted(p.name for p in partition(dataset, "features", "h").iterdir())
    assert len(files) == 3 and all(f.startswith("part-") for f in files)
    assert sorted(duckdb.sql(f"select case_id, label, f from {_features(dataset)}").fetchall()) == before
    assert done_cases(dataset, "h") == {(c, label) for c, label, _ in before}
    assert sorted(p.name for p in partition(dataset, "keys", "h").iterdir()) == [f.replace(".parquet", ".json") for f in files]
    assert compact(dataset, "h") == (0, 0)  # parts are not rewritten


def test_a_case_written_twice_keeps_its_latest_row(tmp_path):
    schema = feature_schema(["site"], ["f"])
    write_batch(tmp_path, "h", "old", [_row("a", f=1.0)], [], schema)
    later = _row("a", f=2.0)
    later["extracted_at"] = NOW.replace(year=2027)
    write_batch(tmp_path, "h", "new", [later, _row("b", f=3.0)], [], schema)
    compact(tmp_path, "h")
    assert sorted(duckdb.sql(f"select case_id, f from {_features(tmp_path)}").fetchall()) == [("a", 2.0), ("b", 3.0)]


@pytest.mark.parametrize("published", [True, False])
def test_a_killed_compaction_is_settled(tmp_path, published):
    dataset = _dataset(tmp_path)
    before = sorted(duckdb.sql(f"select case_id, label from {_features(dataset)}").fetchall())
    features = partition(dataset, "features", "h")
    sources = sorted(p.stem for p in features.glob("batch-*.parquet"))
    # killed after publishing its one part (which holds the rows of the file it replaces), or after the
    # first of two parts: the next compaction removes the replaced file, or the lone part
    parts = ["part-x"] if published else ["part-x", "part-y"]
    replaces = sources[:1] if published else sources
    compaction_journal(dataset, "h").write_text(json.dumps({"parts": parts, "replaces": replaces}))
    (features / "part-x.parquet").write_bytes((features / f"{sources[0]}.parquet").read_bytes())
    compact(dataset, "h", rows_per_file=1000)
    assert sorted(duckdb.sql(f"select case_id, label from {_features(dataset)}").fetchall()) == before
    assert not compaction_journal(dataset, "h").exists()


def test_the_compact_command(tmp_path, capsys):
    dataset = _dataset(tmp_path)
    assert main(["compact", str(dataset)]) == 0
    assert "settings h: 6 batch files rewritten as 1 sorted files" in capsys.readouterr().out
    assert main(["compact", str(tmp_path / "nothing")]) == 2
