"""Reading a whole result dataset back for the cohort report (and the flow's QC summary).

:func:`read_dataset` gathers what the report shows about one settings partition: its feature rows (one
per (case_id, label), the latest when a case was written twice), the error rows of every partition, the
catalogue, and the settings and versions behind every settings hash. :func:`read_qc` reads only the
quality-control columns, cheaply. :func:`read_picture` returns a case's QC picture (PNG bytes) and
:func:`write_text` publishes a report atomically. The analysis of what is read lives in
:mod:`radcore.report`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from radcore.errors import DatasetError
from radcore.io import remote
from radcore.io.dataset import ERROR_SCHEMA, KEY_COLUMNS, PERTURBATION_COLUMN, PROVENANCE_COLUMNS, partition, row_keys
from radcore.io.qc_pictures import picture_path

QC_PREFIX = "qc_"


@dataclass
class Partition:
    """What is known of one settings hash: its settings, the versions of its latest run, row counts."""

    settings_hash: str
    settings: dict[str, Any]
    versions: dict[str, Any]
    rows: int
    files: int


@dataclass
class DatasetContents:
    """The feature rows of one settings partition and what the report needs around them."""

    path: Path | str
    settings_hash: str
    #: one row per (case_id, label): keys, metadata, provenance, ``qc_*`` and feature columns
    features: pd.DataFrame
    #: the error rows of every partition, with a ``settings_hash`` column
    errors: pd.DataFrame
    #: the catalogue of ``settings_hash`` (a row per feature column)
    catalogue: pd.DataFrame
    partitions: dict[str, Partition] = field(default_factory=dict)

    @property
    def feature_columns(self) -> list[str]:
        """Feature columns: those of the catalogue present in the rows, else every float column that is
        neither provenance nor QC."""
        if len(self.catalogue):
            present = set(self.features.columns)
            return [c for c in self.catalogue["column"] if c in present]
        skip = set(KEY_COLUMNS) | {PERTURBATION_COLUMN} | set(PROVENANCE_COLUMNS)
        return [c for c in self.features.columns if c not in skip and not c.startswith(QC_PREFIX)
                and pd.api.types.is_float_dtype(self.features[c])]

    @property
    def qc_columns(self) -> list[str]:
        return [c for c in self.features.columns if c.startswith(QC_PREFIX)]

    @property
    def metadata_columns(self) -> list[str]:
        """The manifest's metadata columns carried into the rows (text columns besides keys and provenance)."""
        known = set(KEY_COLUMNS) | {PERTURBATION_COLUMN} | set(PROVENANCE_COLUMNS) | set(self.feature_columns)
        return [c for c in self.features.columns if c not in known and not c.startswith(QC_PREFIX)]


def settings_hashes(dataset: str | Path) -> list[str]:
    """The settings hashes with a features or errors partition in ``dataset``.

    Raises
    ------
    DatasetError
        When ``dataset`` is not a folder holding ``features/settings_hash=*`` or ``errors/settings_hash=*``.
    """
    root = dataset if remote.is_url(dataset) else Path(dataset)
    if not remote.is_dir(root):
        raise DatasetError(f"dataset {remote.shown(root)!r} is not a folder (expected the --out folder of `radcore run`)")
    found = {p.rstrip("/").rsplit("/", 1)[-1].split("=", 1)[1] for part in ("features", "errors")
             for p in remote.glob(remote.join(root, part), "settings_hash=*") if remote.is_dir(p)}
    if not found:
        raise DatasetError(f"{str(root)!r} is not a radcore dataset: it has no features/settings_hash=* or "
                           "errors/settings_hash=* folder (expected the --out folder of `radcore run`)")
    return sorted(found)


def perturbed_partitions(dataset: str | Path) -> list[str]:
    """The settings hashes of ``dataset`` whose feature rows are perturbed versions (a
    :data:`~radcore.io.dataset.PERTURBATION_COLUMN` column), read from their files' schemas."""
    found = []
    for h in settings_hashes(dataset):
        files = _parquet_files(partition(dataset, "features", h))
        if PERTURBATION_COLUMN in _columns(files):
            found.append(h)
    return found


def read_dataset(dataset: str | Path, settings_hash: str | None = None) -> DatasetContents:
    """The rows of ``settings_hash`` (default: the partition with most feature rows) and everything around.

    Raises
    ------
    DatasetError
        When ``dataset`` is not a dataset or has no partition ``settings_hash``.
    """
    root = dataset if remote.is_url(dataset) else Path(dataset)
    hashes = settings_hashes(root)
    partitions = {h: _partition(root, h) for h in hashes}
    if settings_hash is None:
        settings_hash = max(hashes, key=lambda h: (partitions[h].rows, h))
    elif settings_hash not in partitions:
        raise DatasetError(f"settings hash {settings_hash!r} is not in {remote.shown(root)!r}; it holds {hashes}")
    return DatasetContents(
        path=root, settings_hash=settings_hash, features=read_features(root, settings_hash),
        errors=read_errors(root), catalogue=_catalogue(root, settings_hash), partitions=partitions,
    )


def read_features(dataset: str | Path, settings_hash: str, columns: list[str] | None = None) -> pd.DataFrame:
    """The feature rows of one partition as one frame (files of different columns are unified by name;
    missing values are null), the latest row of each (case_id, label) (and version, in a run with
    perturbations), sorted by them. ``columns``
    restricts the columns read besides the keys (those no file has are left out).

    DuckDB reads the files (in parallel; 10^4 rows of 1,100 columns in 100 files in about 3 s here).
    """
    files = _parquet_files(partition(dataset, "features", settings_hash))
    if not files:
        return pd.DataFrame({"case_id": pd.Series(dtype=str), "label": pd.Series(dtype="int32")})
    con = remote.duckdb_connection(dataset)
    try:
        con.execute("SET enable_progress_bar = false")
        listed = "*"
        if columns is not None:
            present = _columns(files)
            listed = ", ".join(_quoted(c) for c in dict.fromkeys([*row_keys(present), "extracted_at", *columns])
                               if c in present)
        frame = con.execute(f"select {listed} from {_SOURCE}", [files]).df()
    finally:
        con.close()
    keys = row_keys(frame.columns)
    if frame.duplicated(keys).any():  # a case written twice (before compaction): the latest
        if "extracted_at" in frame.columns:
            frame = frame.sort_values("extracted_at", kind="stable")
        frame = frame.drop_duplicates(keys, keep="last")
    return frame.sort_values(keys, kind="stable").reset_index(drop=True)


def read_qc(dataset: str | Path, settings_hash: str) -> pd.DataFrame:
    """``case_id``, ``label`` and the ``qc_*`` columns of one partition (an empty frame without rows)."""
    files = _parquet_files(partition(dataset, "features", settings_hash))
    return read_features(dataset, settings_hash, [c for c in _columns(files) if c.startswith(QC_PREFIX)])


def read_errors(dataset: str | Path) -> pd.DataFrame:
    """Every error row of the dataset, with its ``settings_hash``."""
    files = [f for folder in remote.glob(remote.join(dataset, "errors"), "settings_hash=*")
             for f in _parquet_files(folder)]
    frame = None
    if files:
        with remote.duckdb_connection(dataset) as con:
            con.execute("SET enable_progress_bar = false")
            frame = con.execute("select * from read_parquet(?, union_by_name=true, hive_partitioning=true)",
                                [files]).df()
    if frame is None or not len(frame):
        frame = ERROR_SCHEMA.empty_table().to_pandas()
        frame["settings_hash"] = pd.Series(dtype=str)
    return frame


def read_picture(dataset: str | Path, case_id: str, label: int, what: str = "") -> bytes | None:
    """The QC picture (PNG bytes) of (``case_id``, ``label``) (``what="map"``: of its chosen voxel map,
    ``run --maps --map NAME``), or None when there is none."""
    try:
        return remote.read_bytes(picture_path(dataset, case_id, label, what))
    except (FileNotFoundError, NotADirectoryError):
        return None


def write_text(path: str | Path, text: str) -> Path | str:
    """Write ``text`` (UTF-8) to ``path`` (or URL) atomically: a reader sees the old file or the whole new one."""
    remote.write_bytes(path, text.encode("utf-8"))
    return path if remote.is_url(path) else Path(path)


_SOURCE = "read_parquet(?, union_by_name=true, hive_partitioning=false)"


def _quoted(column: str) -> str:
    return '"' + column.replace('"', '""') + '"'


def _columns(files: list[str]) -> list[str]:
    """The column names of a partition's files, from the footers of the first and the last file only (files
    share the canonical schema; a later one may add feature columns), so cheap for thousands of files."""
    if not files:
        return []
    return list(dict.fromkeys(pq.read_schema(remote.open_input(files[0])).names +
                              pq.read_schema(remote.open_input(files[-1])).names))


def _name(file: str) -> str:
    return file.rstrip("/").rsplit("/", 1)[-1]


def _parquet_files(folder: str | Path) -> list[str]:
    """The Parquet files of a partition folder (paths or URLs), without the placeholder of an empty
    partition when others exist (its schema may predate columns added later)."""
    files = [f for f in remote.glob(folder, "*.parquet") if not _name(f).startswith(".")]
    real = [f for f in files if _name(f) != "empty.parquet"]
    return real or files


def _partition(root: str | Path, settings_hash: str) -> Partition:
    files = [f for f in _parquet_files(partition(root, "features", settings_hash)) if _name(f) != "empty.parquet"]
    rows = sum(pq.ParquetFile(remote.open_input(f)).metadata.num_rows for f in files)
    folder = partition(root, "settings", settings_hash)
    return Partition(settings_hash, _json(remote.join(folder, "settings.json")),
                     _json(remote.join(folder, "versions.json")), rows, len(files))


def _json(path: str | Path) -> dict[str, Any]:
    try:
        return json.loads(remote.read_bytes(path))
    except FileNotFoundError:
        return {}
    except ValueError as exc:
        raise DatasetError(f"{remote.shown(path)} is not valid JSON: {exc}") from exc


def _catalogue(root: str | Path, settings_hash: str) -> pd.DataFrame:
    try:
        content = remote.read_bytes(remote.join(partition(root, "catalogue", settings_hash), "catalogue.parquet"))
    except FileNotFoundError:
        return pd.DataFrame(columns=["column", "image_type", "family", "feature", "aggregation", "convention",
                                     "ibsi_code", "ibsi_tag", "description"])
    return pq.read_table(pa.BufferReader(content)).to_pandas()
