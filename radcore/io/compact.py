"""Compaction of a dataset: many small batch files into a few large ones sorted by case.

A cohort run writes one features file per batch of cases, which keeps writing atomic and resumable but
leaves thousands of files of a thousand columns: DuckDB then spends its time opening files (measured:
10^5 rows in 1,000 files answer an aggregate in 8 s and the lookup of one case in 14 s; compacted into
two files sorted by case, 0.2 s and 0.3 s). :func:`compact` rewrites the batch files of a settings
partition into ``part-<id>.parquet`` files of about ``rows_per_file`` rows, each sorted by (case_id,
label) in row groups of ``row_group_size`` rows (so a lookup reads one row group per part), with their
key files. A case written twice within one part keeps its latest row.

It holds the partition's run lock, so it waits for a running cohort run and a run waits for it. The parts
and the files they replace are listed (``compacting.json``) before the parts are published; a compaction
killed half-way is settled by the next compaction or run (:func:`radcore.io.dataset.settle_compaction`).
On object storage the parts are also listed as the run's plan, so a compaction that stalled and lost its
lease cannot publish a part after another run settled it (:mod:`radcore.io.object_dataset`), and
tombstones older than :data:`~radcore.io.object_dataset.TOMBSTONE_AGE_S` go with the batch files.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from radcore.io import remote
from radcore.io.dataset import (
    compaction_journal, partition, register_batches, run_lock, settle_compaction, write_batch_table,
)

ROWS_PER_FILE = 50_000
ROW_GROUP_SIZE = 2_048


def compact(dataset: str | Path, settings_hash: str, rows_per_file: int = ROWS_PER_FILE,
            row_group_size: int = ROW_GROUP_SIZE) -> tuple[int, int]:
    """Rewrite the batch files of one settings partition as sorted parts; returns (files read, parts
    written). Parts written earlier are left as they are.

    The batch files are taken in name order and grouped until a group holds ``rows_per_file`` rows; each
    group becomes one part, sorted by (case_id, label), so memory grows with a part, not the dataset.
    """
    with run_lock(dataset, settings_hash) as token:
        settle_compaction(dataset, settings_hash)
        folder = partition(dataset, "features", settings_hash)
        if remote.is_url(dataset):
            from radcore.io import object_dataset

            stems = object_dataset.compaction_sources(str(dataset), settings_hash)
        else:
            stems = [p.stem for p in sorted(Path(folder).glob("batch-*.parquet"))]
        if not stems:
            return 0, 0
        sources = [remote.join(folder, f"{stem}.parquet") for stem in stems]
        groups = _groups(sources, rows_per_file)
        parts = [f"part-{uuid.uuid4().hex[:16]}" for _ in groups]
        if remote.is_url(dataset):
            object_dataset.write_journal(str(dataset), settings_hash,
                                         [object_dataset.batch_name(p, token) for p in parts], stems)
            schema = pq.read_schema(remote.open_input(sources[0]))
            register_batches(dataset, settings_hash, token, parts, schema)
        else:
            journal = compaction_journal(dataset, settings_hash)
            journal.parent.mkdir(parents=True, exist_ok=True)
            journal.write_text(json.dumps({"parts": parts, "replaces": stems}))
        for name, group in zip(parts, groups):
            tables = [pq.read_table(remote.open_input(p)) for p in group]
            table = _latest_rows(pa.concat_tables(tables, promote_options="permissive"))
            write_batch_table(dataset, settings_hash, name, table, None, token, row_group_size)
            del table, tables
        settle_compaction(dataset, settings_hash)
        return len(sources), len(parts)


def _groups(sources: list, rows_per_file: int) -> list[list]:
    """Consecutive files (paths or URLs) with about ``rows_per_file`` rows per group (from their metadata)."""
    groups: list[list] = [[]]
    rows = 0
    for path in sources:
        n = pq.ParquetFile(remote.open_input(path)).metadata.num_rows
        if groups[-1] and rows + n > rows_per_file:
            groups.append([])
            rows = 0
        groups[-1].append(path)
        rows += n
    return groups


def _latest_rows(table: pa.Table) -> pa.Table:
    """One row per (case_id, label), the latest extracted, sorted by case and label."""
    order = pc.sort_indices(table, [("case_id", "ascending"), ("label", "ascending"),
                                    ("extracted_at", "descending")])
    table = table.take(order)
    keys = list(zip(table["case_id"].to_pylist(), table["label"].to_pylist()))
    return table.filter(pa.array([i == 0 or keys[i] != keys[i - 1] for i in range(len(keys))]))
