"""The cohort result dataset: Parquet files, hive-partitioned by settings hash.

Layout::

    DATASET/features/settings_hash=<h>/batch-<id>.parquet    one row per (case_id, label)
    DATASET/errors/settings_hash=<h>/batch-<id>.parquet      one row per failed (case_id, label)
    DATASET/catalogue/settings_hash=<h>/catalogue.parquet    column -> family, feature, IBSI code, description
    DATASET/settings/settings_hash=<h>/settings.json         the settings the hash stands for
    DATASET/settings/settings_hash=<h>/versions.json         the software versions of the latest run
    DATASET/keys/settings_hash=<h>/batch-<id>.json           the (case_id, label) of a features file, so a
                                                             rerun knows what is done without opening it
    DATASET/robustness/settings_hash=<h>/icc.parquet         ICC per feature over the perturbed versions
                                                             (:mod:`radcore.io.robustness`)

Feature files share one canonical schema per settings hash (:func:`feature_schema`): key columns
(``case_id``, ``label``; in a run with perturbations also :data:`PERTURBATION_COLUMN`, one row per
(case_id, label, version)), the manifest's metadata columns (strings), provenance (``radcore_version``,
``image_digest``, ``mask_digest``, ``extracted_at``, ``extraction_seconds``) and one float64 column per
feature. The partition column ``settings_hash`` lives in the path only. Each batch file also carries the
versions that wrote it in its Parquet key-value metadata (``radcore.versions``, JSON).

Each batch is written under a temporary name and renamed, so a reader never sees half a file; a batch's
file name comes from its content (:func:`batch_id`), so a retried batch overwrites its own file instead of
adding a second copy. A dataset on object storage (an ``s3://`` URL) has the same layout and another
commit protocol, with conditional writes in place of locks and renames (:mod:`radcore.io.object_dataset`). The errors dataset is a log of failed attempts: a case that failed and later
succeeded has rows in both; current failures are error rows without a features row.
"""

from __future__ import annotations

from collections import Counter

import contextlib
import fcntl
import hashlib
import json
import os
import uuid
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

import pyarrow as pa
import pyarrow.parquet as pq

from radcore.errors import StaleRunError
from radcore.io import remote
from radcore.io.parquet import parquet_bytes, write_parquet

KEY_COLUMNS = ("case_id", "label")
#: the string column naming each row's version in a robustness run (``none`` for the unperturbed one; see
#: :mod:`radcore.robustness.perturb`); datasets of runs without perturbations have no such column
PERTURBATION_COLUMN = "perturbation"
#: the file that keeps a partition readable while it holds no row (see :func:`ensure_readable`)
EMPTY_FILE = "empty.parquet"
PROVENANCE_COLUMNS = ("radcore_version", "image_digest", "mask_digest", "extracted_at", "extraction_seconds")
_PROVENANCE_TYPES = {
    "radcore_version": pa.string(),
    "image_digest": pa.string(),
    "mask_digest": pa.string(),
    "extracted_at": pa.timestamp("us", tz="UTC"),
    "extraction_seconds": pa.float64(),
}
ERROR_SCHEMA = pa.schema([
    ("case_id", pa.string()),
    ("label", pa.int32()),
    ("stage", pa.string()),
    ("error_type", pa.string()),
    ("reason", pa.string()),
    ("radcore_version", pa.string()),
    ("attempted_at", pa.timestamp("us", tz="UTC")),
    ("perturbation", pa.string()),  # the version that failed in a robustness run; null otherwise
])
CATALOGUE_SCHEMA = pa.schema([
    ("column", pa.string()),
    ("image_type", pa.string()),
    ("family", pa.string()),
    ("feature", pa.string()),
    ("aggregation", pa.string()),
    ("convention", pa.string()),
    ("ibsi_code", pa.string()),
    ("ibsi_tag", pa.string()),
    ("description", pa.string()),
    ("map", pa.bool_()),
])


_ARROW_TYPES = {int: pa.int64(), bool: pa.bool_(), float: pa.float64(), str: pa.string()}


def feature_schema(
    metadata_columns: Iterable[str], feature_columns: Iterable[str], qc_columns: dict[str, type] | None = None,
    perturbed: bool = False,
) -> pa.Schema:
    """The canonical schema of a features file: keys (with :data:`PERTURBATION_COLUMN` when ``perturbed``),
    metadata, provenance, quality-control columns (name -> Python type), then float64 features."""
    fields = [pa.field("case_id", pa.string(), nullable=False), pa.field("label", pa.int32(), nullable=False)]
    if perturbed:
        fields.append(pa.field(PERTURBATION_COLUMN, pa.string(), nullable=False))
    fields += [pa.field(c, pa.string()) for c in metadata_columns]
    fields += [pa.field(c, _PROVENANCE_TYPES[c]) for c in PROVENANCE_COLUMNS]
    fields += [pa.field(c, _ARROW_TYPES[t]) for c, t in (qc_columns or {}).items()]
    fields += [pa.field(c, pa.float64()) for c in feature_columns]
    counts = Counter(f.name for f in fields)
    clash = sorted(n for n, k in counts.items() if k > 1)
    if clash:
        raise ValueError(f"column names {clash} are used twice (a metadata column named like a key or feature?)")
    return pa.schema(fields)


def row_keys(columns: Iterable[str]) -> list[str]:
    """The columns that identify a features row among ``columns``: (case_id, label), and the version
    (:data:`PERTURBATION_COLUMN`) in a run with perturbations."""
    return [*KEY_COLUMNS, PERTURBATION_COLUMN] if PERTURBATION_COLUMN in columns else list(KEY_COLUMNS)


def partition(dataset: str | Path, part: str, settings_hash: str) -> Path | str:
    """The folder of one partition: ``DATASET/<part>/settings_hash=<h>`` (a URL for a URL)."""
    return remote.join(dataset, part, f"settings_hash={settings_hash}")


def _objects(dataset: str | Path):
    """The :class:`~radcore.io.object_dataset.Location` of a dataset on object storage, None for a folder."""
    if not remote.is_url(dataset):
        return None
    from radcore.io.object_dataset import Location

    return Location(str(dataset))


def batch_id(settings_hash: str, items: Iterable[tuple[str, int]]) -> str:
    """A stable id for a batch of (case_id, label) items under one settings hash."""
    text = settings_hash + "\n" + "\n".join(f"{c}\t{label}" for c, label in sorted(items))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def write_batch(
    dataset: str | Path,
    settings_hash: str,
    batch: str,
    rows: list[dict[str, Any]],
    errors: list[dict[str, Any]],
    schema: pa.Schema,
    versions: dict[str, str] | None = None,
    run_token: str = "",
) -> None:
    """Write one batch's feature rows and error rows, each as one Parquet file (or none when empty).

    Feature columns a row holds beyond ``schema`` are appended (float64), so nothing is lost when a case
    yields a feature the canonical schema lacks; missing values are null. ``versions`` go into the
    features file's metadata. With a ``run_token`` (see :func:`run_lock`) the files are published only
    while that run is still the partition's writer; else :class:`StaleRunError` and nothing is written.
    """
    known = set(schema.names)  # (Schema.names builds a new list on every access)
    extra = [k for k in dict.fromkeys(k for r in rows for k in r) if k not in known]
    if extra:
        schema = pa.schema(list(schema) + [pa.field(k, pa.float64()) for k in extra])
    if versions:
        schema = schema.with_metadata({**(schema.metadata or {}), b"radcore.versions": json.dumps(versions).encode()})
    features = pa.Table.from_pylist(rows, schema=schema) if rows else None
    if features is None and remote.is_url(dataset):
        features = schema.empty_table()  # on object storage every batch's features file is its commit point
    failures = pa.Table.from_pylist(errors, schema=ERROR_SCHEMA) if errors else None
    write_batch_table(dataset, settings_hash, f"batch-{batch}", features, failures, run_token)


def write_batch_table(
    dataset: str | Path,
    settings_hash: str,
    name: str,
    features: pa.Table | None,
    errors: pa.Table | None,
    run_token: str = "",
    row_group_size: int | None = None,
) -> None:
    """Publish the features and errors tables of file ``<name>.parquet`` (None: no file) and its key file,
    each written under a temporary name and renamed while the run holds the partition (see
    :func:`write_batch`); on object storage, by :func:`radcore.io.object_dataset.publish`."""
    loc = _objects(dataset)
    if loc is not None:
        from radcore.io.object_dataset import publish

        keys = list(zip(features.column("case_id").to_pylist(), features.column("label").to_pylist()))
        publish(str(dataset), settings_hash, name, features, errors, keys, run_token, row_group_size)
        loc.remove(f"{loc.partition('features', settings_hash)}/{EMPTY_FILE}")
        return
    staged = []
    try:
        for part, table in (("features", features), ("errors", errors)):
            path = partition(dataset, part, settings_hash) / f"{name}.parquet"
            staged.append((_stage(table, path, row_group_size), path))
        keys_path = partition(dataset, "keys", settings_hash) / f"{name}.json"
        staged.append((_stage_keys(staged[0][0], features, keys_path), keys_path))  # after the features file
        with _publishing(dataset, settings_hash, run_token):
            for temp, path in staged:
                if temp is None:
                    path.unlink(missing_ok=True)
                else:
                    os.replace(temp, path)
                    (path.parent / EMPTY_FILE).unlink(missing_ok=True)
    finally:
        for temp, _ in staged:
            if temp is not None:
                temp.unlink(missing_ok=True)


def write_errors(dataset: str | Path, settings_hash: str, name: str, errors: list[dict[str, Any]]) -> Path:
    """Write error rows recorded outside a worker (a batch whose worker died, the manifest's unrunnable
    rows) as ``<name>.parquet``; no rows remove that file."""
    table = pa.Table.from_pylist(errors, schema=ERROR_SCHEMA) if errors else None
    loc = _objects(dataset)
    if loc is not None:
        _put_table(loc, f"{loc.partition('errors', settings_hash)}/{name}.parquet", table)
        return partition(dataset, "errors", settings_hash)
    path = partition(dataset, "errors", settings_hash) / f"{name}.parquet"
    _replace(table, path)
    if errors:
        (path.parent / EMPTY_FILE).unlink(missing_ok=True)
    return path


def _replace(table: pa.Table | None, path: Path) -> None:
    """Atomically write ``table`` to ``path`` (temporary name, then rename), or remove ``path`` if None."""
    temp = _stage(table, path)
    if temp is None:
        path.unlink(missing_ok=True)
        return
    try:
        os.replace(temp, path)
    finally:
        temp.unlink(missing_ok=True)


def _put_table(loc, key: str, table: pa.Table | None) -> None:
    """Write ``table`` to object ``key`` in one PUT (atomic), or remove the object if None."""
    if table is None:
        loc.remove(key)
        return
    loc.put(key, parquet_bytes(table))


def _stage(table: pa.Table | None, path: Path, row_group_size: int | None = None) -> Path | None:
    """``table`` written beside ``path`` under a temporary name (None for no table), as
    :func:`~radcore.io.parquet.write_parquet` writes."""
    if table is None:
        return None
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        write_parquet(table, temp, row_group_size)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return temp


def read_catalogue(dataset: str | Path, settings_hash: str) -> list[dict[str, Any]]:
    """The catalogue rows written so far for ``settings_hash`` (none when there is no catalogue yet)."""
    loc = _objects(dataset)
    if loc is not None:
        content = loc.read(f"{loc.partition('catalogue', settings_hash)}/catalogue.parquet")
        if content is None:
            return []
        table = pq.read_table(pa.BufferReader(content))
    else:
        path = partition(dataset, "catalogue", settings_hash) / "catalogue.parquet"
        if not path.is_file():
            return []
        table = pq.read_table(path)
    return [{k: row.get(k) for k in CATALOGUE_SCHEMA.names} for row in table.to_pylist()]


def remove_leftovers(dataset: str | Path, settings_hash: str) -> list[Path]:
    """Remove the temporary files a killed writer left in the partitions of ``settings_hash`` and settle
    a killed compaction (:func:`settle_compaction`); call it only while no other process writes them
    (under :func:`run_lock`). On object storage nothing is staged, and :func:`run_lock` settles."""
    if remote.is_url(dataset):
        return []
    settle_compaction(dataset, settings_hash)
    removed = []
    for part in ("features", "errors", "keys", "catalogue", "settings"):
        for path in partition(dataset, part, settings_hash).glob(".*.tmp"):
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed


def compaction_journal(dataset: str | Path, settings_hash: str) -> Path:
    """Where a compaction lists the parts it writes and the files they replace, before publishing them."""
    return partition(dataset, "keys", settings_hash) / "compacting.json"


def settle_compaction(dataset: str | Path, settings_hash: str) -> None:
    """Finish a compaction whose parts are all published (remove the files they replace) or undo one that
    was killed before (remove its parts; the files it would replace stay), then forget its journal."""
    if remote.is_url(dataset):
        from radcore.io import object_dataset

        object_dataset.settle_compaction(str(dataset), settings_hash)
        return
    journal = compaction_journal(dataset, settings_hash)
    if not journal.exists():
        return
    record = json.loads(journal.read_text())
    features = partition(dataset, "features", settings_hash)
    keys = partition(dataset, "keys", settings_hash)
    published = all((features / f"{p}.parquet").exists() for p in record["parts"])
    for stem in record["replaces"] if published else record["parts"]:
        (features / f"{stem}.parquet").unlink(missing_ok=True)
        (keys / f"{stem}.json").unlink(missing_ok=True)
    journal.unlink()


def _stage_keys(features_temp: Path | None, features: pa.Table | None, path: Path) -> Path | None:
    """The key file of a batch, staged: its rows' (case_id, label) and the size and modification time of
    its features file (``features_temp``, which keeps both when renamed), so :func:`done_cases` can tell a
    key file that belongs to the features file beside it from one left by an earlier write."""
    if features_temp is None or features is None:
        return None
    stat = features_temp.stat()
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    temp.write_text(json.dumps({"size": stat.st_size, "mtime_ns": stat.st_mtime_ns,
                                "keys": list(zip(features.column("case_id").to_pylist(),
                                                 features.column("label").to_pylist()))}))
    return temp


def done_cases(dataset: str | Path, settings_hash: str) -> set[tuple[str, int]]:
    """(case_id, label) pairs that already have a features row for ``settings_hash``.

    Each batch's keys come from its key file (``DATASET/keys/settings_hash=<h>/batch-<id>.json``) when that
    file matches the features file's size and modification time, else from the features file itself (a
    batch written before key files existed, or a write killed between the two renames). On object storage:
    :func:`radcore.io.object_dataset.done_cases`.
    """
    if remote.is_url(dataset):
        from radcore.io import object_dataset

        return object_dataset.done_cases(str(dataset), settings_hash)
    folder = partition(dataset, "features", settings_hash)
    done: set[tuple[str, int]] = set()
    if not folder.is_dir():
        return done
    keys_folder = partition(dataset, "keys", settings_hash)
    for path in sorted(folder.glob("*.parquet")):
        stat = path.stat()
        try:
            index = json.loads((keys_folder / f"{path.stem}.json").read_text())
        except (FileNotFoundError, ValueError):
            index = None
        if index is not None and (index.get("size"), index.get("mtime_ns")) == (stat.st_size, stat.st_mtime_ns):
            done.update((case_id, label) for case_id, label in index["keys"])
            continue
        table = pq.read_table(path, columns=list(KEY_COLUMNS))
        done.update(zip(table.column("case_id").to_pylist(), table.column("label").to_pylist()))
    return done


def write_catalogue(dataset: str | Path, settings_hash: str, rows: list[dict[str, Any]]) -> Path:
    """The feature catalogue of one settings hash (see :data:`CATALOGUE_SCHEMA`)."""
    table = pa.Table.from_pylist(rows, schema=CATALOGUE_SCHEMA)
    loc = _objects(dataset)
    if loc is not None:
        _put_table(loc, f"{loc.partition('catalogue', settings_hash)}/catalogue.parquet", table)
        return remote.join(partition(dataset, "catalogue", settings_hash), "catalogue.parquet")
    path = partition(dataset, "catalogue", settings_hash) / "catalogue.parquet"
    _replace(table, path)
    return path


def write_settings(dataset: str | Path, settings_hash: str, mapping: dict[str, Any]) -> Path:
    """The settings a hash stands for, as JSON, so every partition can be traced to its configuration."""
    return _write_json(dataset, settings_hash, "settings.json", mapping)


def write_versions(dataset: str | Path, settings_hash: str, versions: dict[str, str]) -> Path:
    """The software versions of the latest run of a settings hash (each batch file keeps its own)."""
    return _write_json(dataset, settings_hash, "versions.json", versions)


def _write_json(dataset: str | Path, settings_hash: str, name: str, data: Any) -> Path | str:
    """Atomically write ``data`` as JSON to the settings partition's ``name`` (temporary name, then rename;
    one PUT on object storage)."""
    text = json.dumps(data, indent=1, sort_keys=True, default=str)
    loc = _objects(dataset)
    if loc is not None:
        loc.put(f"{loc.partition('settings', settings_hash)}/{name}", text.encode())
        return remote.join(partition(dataset, "settings", settings_hash), name)
    path = partition(dataset, "settings", settings_hash) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.stem}.{uuid.uuid4().hex[:8]}.tmp")
    temp.write_text(text)
    os.replace(temp, path)
    return path


def ensure_readable(dataset: str | Path, settings_hash: str, schema: pa.Schema) -> None:
    """Give the features and errors partitions of ``settings_hash`` at least one file (empty, with the
    canonical schema), so the documented DuckDB and pandas queries work on every dataset, also one
    without failures or without successes."""
    loc = _objects(dataset)
    for part, part_schema in (("features", schema), ("errors", ERROR_SCHEMA)):
        if loc is not None:
            folder = loc.partition(part, settings_hash)
            if not any(n.endswith(".parquet") for n in loc.listing(folder)):
                _put_table(loc, f"{folder}/{EMPTY_FILE}", part_schema.empty_table())
            continue
        folder = partition(dataset, part, settings_hash)
        if not any(folder.glob("*.parquet")):
            _replace(part_schema.empty_table(), folder / EMPTY_FILE)


@contextlib.contextmanager
def run_lock(dataset: str | Path, settings_hash: str, waiting: Callable[[], None] | None = None) -> Iterator[str]:
    """Hold the lock of one settings partition of a dataset while a run plans and writes it; yields the
    run's token, which its batches pass to :func:`write_batch`.

    A second run of the same settings on the same dataset waits here until the first ends (``waiting``
    is called once when it has to wait), then plans from what the first wrote: every case once. The
    lock is an advisory ``flock`` on ``DATASET/.locks/settings_hash=<h>.lock``, released by the
    operating system when the process ends, also when it is killed. Batches of a killed run may still be
    running on an external cluster: the new run's token replaces the old one, and :func:`write_batch`
    publishes a batch only under its own run's token, so those late batches write nothing. On object
    storage: a lease and fencing (:func:`radcore.io.object_dataset.run_lock`).
    """
    if remote.is_url(dataset):
        from radcore.io import object_dataset

        with object_dataset.run_lock(str(dataset), settings_hash, waiting) as token:
            yield token
        return
    path = _lock_path(dataset, settings_hash, "lock")
    with path.open("a") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if waiting is not None:
                waiting()
            fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            token = uuid.uuid4().hex
            with _locked(_lock_path(dataset, settings_hash, "publish")):
                _lock_path(dataset, settings_hash, "writer").write_text(token)
            yield token
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _lock_path(dataset: str | Path, settings_hash: str, kind: str) -> Path:
    path = Path(dataset) / ".locks" / f"settings_hash={settings_hash}.{kind}"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    with path.open("a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


@contextlib.contextmanager
def _publishing(dataset: str | Path, settings_hash: str, run_token: str) -> Iterator[None]:
    """While publishing a batch: the run of ``run_token`` must still be the writer (no token: no check)."""
    if not run_token:
        yield
        return
    with _locked(_lock_path(dataset, settings_hash, "publish")):
        writer = _lock_path(dataset, settings_hash, "writer")
        current = writer.read_text().strip() if writer.exists() else ""
        if current != run_token:
            raise StaleRunError(
                f"this batch belongs to a run of settings {settings_hash} that another run has replaced; "
                "its results are dropped (the new run does those cases)"
            )
        yield


def register_batches(dataset: str | Path, settings_hash: str, run_token: str, names: list[str],
                     schema: pa.Schema) -> None:
    """Before a run submits its batches: on object storage, list the files they may publish
    (:func:`radcore.io.object_dataset.register`, which fences them if the run is replaced); nothing on a
    file system, where the lock and the writer token do that."""
    if remote.is_url(dataset) and run_token:
        from radcore.io import object_dataset

        object_dataset.register(str(dataset), settings_hash, run_token, names, schema)


def features_glob(dataset: str | Path) -> str:
    """The glob DuckDB reads the features with (``read_parquet(..., hive_partitioning=true)``)."""
    return str(remote.join(dataset, "features", "**", "*.parquet"))
