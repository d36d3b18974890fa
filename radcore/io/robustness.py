"""The robustness partition of a dataset: the ICC of every feature over the perturbed versions.

Layout::

    DATASET/robustness/settings_hash=<h>/icc.parquet      feature, icc_type, icc, ci95_low, ci95_high,
                                                          n_cases, n_versions (long form: a row per
                                                          feature and ICC type)
    DATASET/robustness/settings_hash=<h>/passing.json     the threshold, the ICC type judged and the
                                                          features whose lower bound reaches it
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from radcore.io import remote
from radcore.io.dataset import partition
from radcore.io.parquet import parquet_bytes

ICC_SCHEMA = pa.schema([
    ("feature", pa.string()),
    ("icc_type", pa.string()),
    ("icc", pa.float64()),
    ("ci95_low", pa.float64()),
    ("ci95_high", pa.float64()),
    ("n_cases", pa.int64()),
    ("n_versions", pa.int64()),
])


def icc_path(dataset: str | Path, settings_hash: str) -> Path | str:
    """``DATASET/robustness/settings_hash=<h>/icc.parquet``."""
    return remote.join(partition(dataset, "robustness", settings_hash), "icc.parquet")


def write_icc(dataset: str | Path, settings_hash: str, rows: list[dict[str, Any]], passing: dict[str, Any]) -> Path | str:
    """Write the ICC rows (:data:`ICC_SCHEMA`) and the passing features atomically; returns the ICC file."""
    path = icc_path(dataset, settings_hash)
    remote.write_bytes(path, parquet_bytes(pa.Table.from_pylist(rows, schema=ICC_SCHEMA)))
    remote.write_bytes(remote.join(remote.parent(path), "passing.json"),
                       json.dumps(passing, indent=1, sort_keys=True, default=str).encode())
    return path


def read_icc(dataset: str | Path, settings_hash: str) -> pa.Table:
    """The ICC table of ``settings_hash`` (written by :func:`write_icc`)."""
    return pq.read_table(pa.BufferReader(remote.read_bytes(icc_path(dataset, settings_hash))))


def read_passing(dataset: str | Path, settings_hash: str) -> dict[str, Any]:
    """The passing features record of ``settings_hash`` (written by :func:`write_icc`)."""
    return json.loads(remote.read_bytes(remote.join(remote.parent(icc_path(dataset, settings_hash)), "passing.json")))
