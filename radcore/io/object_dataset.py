"""The result dataset on object storage (``--out s3://bucket/prefix``): the same layout as on disk, and a
commit protocol that holds without ``flock`` or an atomic rename.

On a file system, :mod:`radcore.io.dataset` keeps a run's batches exactly once with an advisory lock (the
operating system frees it when a run dies) and a writer token checked while a batch is renamed into
place. Object storage has neither. It has two things instead: a ``PUT`` is atomic (a reader sees the whole
object or none of it, so nothing is staged under a temporary name), and a ``PUT`` can be conditional:
*create only if absent* (``If-None-Match: *``) and *replace only if unchanged* (``If-Match: <etag>``).
The protocol is built on those two alone; no clock needs to agree with another.

**The lease** (``.locks/settings_hash=<h>/writer.json``: generation, token, heartbeat, released). A run
takes it by creating it (generation 1), or by replacing it with the next generation, conditionally on
the version it read, when the holder released it or its heartbeat has not changed for
:func:`lease_seconds` by the taker's own clock. The holder renews it (a conditional replace) every
quarter of that time. Two runs of the same settings at once: the second waits, then plans from what the
first wrote. A killed run: the next one takes over once the heartbeat has stopped for the lease time.

**Fencing, at the store.** A generation's batches publish their features file by *create only if
absent*, under a name that carries the generation (``batch-<id>.g<N>.parquet``), and the run lists every
name it may publish (``.locks/settings_hash=<h>/plans/g<N>-<uuid>.json``) before it submits a batch, then
checks that it still holds the lease. A run that takes the lease over first *fences* every earlier plan:
for each listed name that has no file yet it creates an empty features file (no rows, the schema of that
plan) — a tombstone. A late batch of the replaced run (its worker still running on a shared cluster) then
finds its name taken and publishes nothing (:class:`~radcore.errors.StaleRunError`); a batch that got
there first is a whole file, which the new run counts as done because it lists the dataset only after
fencing. So each (case, label) has one row, whatever the timing: the only races are between two creates
of one name, which the store decides.

Why the check after listing a plan suffices: if the plan was written before the lease passed to the next
generation, that generation's fencing (which lists plans after taking the lease; listings are strongly
consistent on S3, GCS and Azure) sees it; if after, the run finds it no longer holds the lease and
submits nothing.

**A batch publishes** its features file (created; the commit point, written even with no rows), then its
errors file and its key file (``keys/…/<name>.json``: its (case, label) keys and the features object's
ETag, so a rerun reads one small object per batch, and trusts it only while that ETag matches). A retried
batch that finds its own name taken by an earlier attempt of its own generation (not a tombstone) counts
as published.

**Compaction** holds the lease, lists its parts in a plan and in the journal (``keys/…/compacting.json``)
before writing them; a run or compaction that takes over settles the journal first (all parts written:
the replaced files go; else the parts go), then fences. A tombstone stays until a compaction
:data:`TOMBSTONE_AGE_S` later removes it (it only has to outlive the batches that could still be running).

The conditional replace is S3's ``If-Match`` (s3fs): the dataset's protocol needs an ``s3://`` URL (or an
S3-compatible service through ``AWS_ENDPOINT_URL``); other schemes can hold inputs and the store.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import socket
import threading
import time
import uuid
from datetime import datetime, timezone
from typing import Any, Callable, Iterator

import pyarrow as pa
import pyarrow.parquet as pq

from radcore.errors import StaleRunError
from radcore.io import remote
from radcore.io.parquet import parquet_bytes

log = logging.getLogger(__name__)

#: a tombstone is removed by a compaction this long after it was made
TOMBSTONE_AGE_S = 6 * 3600.0
#: objects fetched at once when a rerun reads the key files
FETCH_BATCH = 256
#: parquet metadata key marking a tombstone (its value: the generation that fenced the name)
TOMBSTONE_KEY = b"radcore.fenced_by"


def lease_seconds() -> float:
    """How long a lease's heartbeat must stand still before another run takes it over:
    ``RADCORE_LEASE_SECONDS``, 60 by default (renewed every quarter of it)."""
    return float(os.environ.get("RADCORE_LEASE_SECONDS", "60"))


class Location:
    """A dataset's folder on object storage: its file system and the key of each of its objects."""

    def __init__(self, dataset: str):
        self.url = str(dataset).rstrip("/")
        self.fs, self.root = remote.filesystem(self.url)
        if remote.scheme(self.url) not in ("s3", "s3a"):
            raise remote.StorageError(f"{remote.shown(self.url)}: a dataset on object storage needs S3's "
                                      "conditional writes (an s3:// URL; an S3-compatible service through "
                                      "AWS_ENDPOINT_URL)")

    def key(self, *parts: str) -> str:
        return "/".join([self.root, *parts])

    def partition(self, part: str, settings_hash: str) -> str:
        return self.key(part, f"settings_hash={settings_hash}")

    def url_of(self, key: str) -> str:
        return f"{remote.scheme(self.url)}://{key}"

    def call(self, what: str, fn: Callable[..., Any], *args, **kwargs) -> Any:
        """``fn(*args)``, with a storage error turned into one line naming ``what`` (a key)."""
        try:
            return fn(*args, **kwargs)
        except (FileExistsError, remote.StorageError):
            raise
        except Exception as exc:  # noqa: BLE001 - every storage failure becomes one named line
            if isinstance(exc, FileNotFoundError) and "NoSuchBucket" not in str(exc) and \
                    "bucket does not exist" not in str(exc).lower():
                raise
            raise remote.storage_error(self.url_of(what), exc) from exc

    # ------------------------------------------------------------ objects

    def listing(self, folder: str) -> dict[str, dict[str, Any]]:
        """name -> details of the objects directly in ``folder`` (none when it does not exist)."""
        try:
            entries = self.call(folder, self.fs.ls, folder, detail=True, refresh=True)
        except FileNotFoundError:
            return {}
        return {e["name"].rsplit("/", 1)[-1]: e for e in entries if e.get("type") == "file"}

    def read(self, key: str) -> bytes | None:
        try:
            return self.call(key, self.fs.cat_file, key, max_concurrency=1)
        except FileNotFoundError:
            return None

    def fetch(self, keys: list[str]) -> dict[str, bytes | BaseException]:
        """The content of each of ``keys`` (or the error reading it), fetched concurrently: one GET each
        (fsspec's ``cat`` of a list would also ask for each object's details first)."""
        import asyncio

        from fsspec.asyn import sync

        async def gather():
            results = []
            for start in range(0, len(keys), FETCH_BATCH):
                chunk = keys[start:start + FETCH_BATCH]
                results += await asyncio.gather(*(self.fs._cat_file(k, max_concurrency=1) for k in chunk),
                                                return_exceptions=True)
            return results

        return dict(zip(keys, sync(self.fs.loop, gather))) if keys else {}

    def put(self, key: str, data: bytes) -> None:
        self.call(key, self.fs.pipe_file, key, data)

    def create(self, key: str, data: bytes) -> str:
        """Create ``key`` if absent; its ETag, or "" when it exists."""
        try:
            response = self.call(key, self.fs.pipe_file, key, data, mode="create")
        except FileExistsError:
            return ""
        self.fs.invalidate_cache(key)
        return _etag(response) or self.call(key, self.fs.info, key, refresh=True)["ETag"]

    def replace(self, key: str, data: bytes, etag: str) -> str:
        """Replace ``key`` if its ETag is still ``etag``; the new ETag, or "" when it had changed."""
        try:
            response = self.call(key, self.fs.pipe_file, key, data, IfMatch=etag)
        except OSError as exc:
            if "pre-condition" in str(exc).lower() or "precondition" in str(exc).lower():
                return ""
            raise
        self.fs.invalidate_cache(key)
        return _etag(response) or self.call(key, self.fs.info, key, refresh=True)["ETag"]

    def versioned(self, key: str) -> tuple[str, bytes] | None:
        """(ETag, content) of ``key``, or None. The ETag is read first: a content newer than it only makes
        a later conditional replace fail (never succeed on stale content)."""
        try:
            etag = self.call(key, self.fs.info, key, refresh=True)["ETag"]
            return etag, self.call(key, self.fs.cat_file, key)
        except FileNotFoundError:
            return None

    def etag(self, key: str) -> str:
        return self.call(key, self.fs.info, key, refresh=True)["ETag"]

    def remove(self, key: str) -> None:
        try:
            self.call(key, self.fs.rm_file, key)
        except FileNotFoundError:
            pass
        self.fs.invalidate_cache(key)


def _etag(response: Any) -> str:
    return response.get("ETag", "") if isinstance(response, dict) else ""


# ------------------------------------------------------------------ the lease


def _lock_key(loc: Location, settings_hash: str, *name: str) -> str:
    return loc.key(".locks", f"settings_hash={settings_hash}", *name)


def generation_of(token: str) -> int:
    """The generation a run's token (``g<N>-<hex>``) carries."""
    return int(token.split("-", 1)[0][1:])


class Lease:
    """A run's hold on a settings partition: taken by :meth:`take`, renewed by a heartbeat thread,
    released by :meth:`release`."""

    def __init__(self, loc: Location, settings_hash: str):
        self.loc, self.settings_hash = loc, settings_hash
        self.key = _lock_key(loc, settings_hash, "writer.json")
        self.token = ""
        self.etag = ""
        self.beat = 0
        self.lost = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _record(self, released: bool = False) -> bytes:
        return json.dumps({"generation": generation_of(self.token), "token": self.token, "beat": self.beat,
                           "released": released, "host": socket.gethostname(), "pid": os.getpid()}).encode()

    def take(self, waiting: Callable[[], None] | None = None) -> str:
        told = False
        seen, since = None, time.monotonic()
        while True:
            current = self.loc.versioned(self.key)
            if current is None:
                self.token = f"g1-{uuid.uuid4().hex}"
                self.etag = self.loc.create(self.key, self._record())
                if self.etag:
                    break
                continue
            etag, content = current
            record = json.loads(content)
            if etag != seen:
                seen, since = etag, time.monotonic()
            free = record.get("released") or time.monotonic() - since >= lease_seconds()
            if free:
                self.token = f"g{int(record['generation']) + 1}-{uuid.uuid4().hex}"
                self.etag = self.loc.replace(self.key, self._record(), etag)
                if self.etag:
                    if not record.get("released"):
                        log.warning("took over settings %s from a run whose lease stood still for %.0f s "
                                    "(generation %s on %s)", self.settings_hash, lease_seconds(),
                                    record.get("generation"), record.get("host"))
                    break
                continue
            if not told and waiting is not None:
                waiting()
                told = True
            time.sleep(min(1.0, lease_seconds() / 10))
        self._thread = threading.Thread(target=self._heartbeat, name="radcore-lease", daemon=True)
        self._thread.start()
        return self.token

    def _heartbeat(self) -> None:
        while not self._stop.wait(lease_seconds() / 4):
            self._renew()

    def _renew(self, released: bool = False) -> bool:
        self.beat += 1
        try:
            etag = self.loc.replace(self.key, self._record(released), self.etag)
            if etag:
                self.etag = etag
                return True
        except OSError as exc:  # the store is unreachable for now: the next beat tries again
            log.warning("could not renew the lease of settings %s: %s", self.settings_hash, exc)
            return False
        if not self.lost:
            log.error("the lease of settings %s passed to another run; this run's batches are dropped",
                      self.settings_hash)
        self.lost = True
        return False

    def release(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        if not self.lost:
            self._renew(released=True)


@contextlib.contextmanager
def run_lock(dataset: str, settings_hash: str, waiting: Callable[[], None] | None = None) -> Iterator[str]:
    """The object-storage twin of :func:`radcore.io.dataset.run_lock`: hold the lease of one settings
    partition, settle a killed compaction and fence every earlier generation (see the module's text);
    yields the run's token (``g<N>-<hex>``)."""
    loc = Location(dataset)
    lease = Lease(loc, settings_hash)
    token = lease.take(waiting)
    try:
        settle_compaction(dataset, settings_hash)
        fence(loc, settings_hash, generation_of(token))
        yield token
    finally:
        lease.release()


# ------------------------------------------------------------------ plans and fencing


def batch_name(name: str, token: str) -> str:
    """The features file name of batch ``name`` in the run of ``token``: the generation in it keeps a
    retried batch on its own name and off the names an earlier generation's tombstones hold."""
    return f"{name}.g{generation_of(token)}" if token else name


def register(dataset: str, settings_hash: str, token: str, names: list[str], schema: pa.Schema) -> None:
    """List the features files of batches ``names`` (as :func:`batch_name` names them) a run of ``token`` may publish, with
    their schema, before it submits any; :class:`StaleRunError` when the run no longer holds the lease
    afterwards (then nothing must be submitted)."""
    loc = Location(dataset)
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, schema):
        pass
    record = {"generation": generation_of(token), "names": [batch_name(n, token) for n in names],
              "schema": sink.getvalue().to_pybytes().hex()}
    key = _lock_key(loc, settings_hash, "plans", f"g{generation_of(token)}-{uuid.uuid4().hex[:12]}.json")
    loc.put(key, json.dumps(record).encode())
    current = loc.versioned(_lock_key(loc, settings_hash, "writer.json"))
    if current is None or json.loads(current[1]).get("token") != token:
        loc.remove(key)
        raise StaleRunError(f"the run of settings {settings_hash} lost its lease before submitting batches")


def fence(loc: Location, settings_hash: str, generation: int) -> int:
    """Tombstone every name an earlier generation's plan lists and did not publish, then forget those
    plans; returns how many names were fenced."""
    folder = _lock_key(loc, settings_hash, "plans")
    fenced = 0
    for name in sorted(loc.listing(folder)):
        if int(name[1:].split("-", 1)[0]) >= generation:
            continue
        content = loc.read(f"{folder}/{name}")
        if content is not None:
            record = json.loads(content)
            schema = pa.ipc.open_stream(bytes.fromhex(record["schema"])).schema
            fenced += sum(_tombstone(loc, settings_hash, stem, schema, generation) for stem in record["names"])
        loc.remove(f"{folder}/{name}")
    return fenced


def _tombstone(loc: Location, settings_hash: str, stem: str, schema: pa.Schema, generation: int) -> bool:
    """Create an empty features file at ``stem`` if absent (True), with its empty key file."""
    schema = schema.with_metadata({**(schema.metadata or {}), TOMBSTONE_KEY: str(generation).encode()})
    key = f"{loc.partition('features', settings_hash)}/{stem}.parquet"
    etag = loc.create(key, parquet_bytes(schema.empty_table()))
    if not etag:
        return False
    _write_keys(loc, settings_hash, stem, etag, [], tombstone=generation)
    return True


# ------------------------------------------------------------------ publishing


def publish(dataset: str, settings_hash: str, name: str, features: pa.Table, errors: pa.Table | None,
            keys: list[tuple[str, int]], run_token: str = "", row_group_size: int | None = None) -> str:
    """Publish a batch (see the module's text): the ``features`` file (its (case, label) ``keys``; no rows
    is still a file: it is the commit point) created under its generation's name, then the errors and key
    files. Returns the name published."""
    loc = Location(dataset)
    stem = batch_name(name, run_token)
    key = f"{loc.partition('features', settings_hash)}/{stem}.parquet"
    etag = loc.create(key, parquet_bytes(features, row_group_size))
    if not etag:
        if _is_tombstone(loc, key):
            raise StaleRunError(
                f"this batch belongs to a run of settings {settings_hash} that another run has replaced; "
                "its results are dropped (the new run does those cases)")
        log.info("batch %s was published by an earlier attempt; that attempt's rows stand", stem)
        etag = loc.etag(key)
    if errors is not None:
        loc.put(f"{loc.partition('errors', settings_hash)}/{stem}.parquet", parquet_bytes(errors))
    _write_keys(loc, settings_hash, stem, etag, keys)
    return stem


def _is_tombstone(loc: Location, key: str) -> bool:
    with loc.fs.open(key, "rb") as fh:
        return TOMBSTONE_KEY in (pq.ParquetFile(fh).schema_arrow.metadata or {})


def _write_keys(loc: Location, settings_hash: str, stem: str, etag: str, keys: list[tuple[str, int]],
                tombstone: int = 0) -> None:
    """The key file of features object ``stem``: its rows' keys and its ETag (and the fencing generation
    of a tombstone)."""
    record: dict[str, Any] = {"etag": etag, "keys": keys}
    if tombstone:
        record["tombstone"] = tombstone
    loc.put(f"{loc.partition('keys', settings_hash)}/{stem}.json", json.dumps(record).encode())


def key_files(loc: Location, settings_hash: str) -> tuple[dict[str, dict[str, Any]], dict[str, dict | None]]:
    """The features objects of a partition (stem -> listing details) and each one's key file while it
    matches the object's ETag, else None: one listing, the key files fetched concurrently."""
    files = {n[:-len(".parquet")]: e for n, e in loc.listing(loc.partition("features", settings_hash)).items()
             if n.endswith(".parquet")}
    folder = loc.partition("keys", settings_hash)
    wanted = [f"{folder}/{stem}.json" for stem in files]
    fetched = loc.fetch(wanted)
    indexes: dict[str, dict | None] = {}
    for stem, entry in files.items():
        content = fetched.get(f"{folder}/{stem}.json")
        index = json.loads(content) if isinstance(content, bytes) else None
        indexes[stem] = index if index is not None and index.get("etag") == entry.get("ETag") else None
    return files, indexes


def done_cases(dataset: str, settings_hash: str) -> set[tuple[str, int]]:
    """(case_id, label) pairs with a features row: from each features object's key file while its ETag
    matches the object's, else from the object itself."""
    loc = Location(dataset)
    files, indexes = key_files(loc, settings_hash)
    done: set[tuple[str, int]] = set()
    for stem, entry in files.items():
        index = indexes[stem]
        if index is not None:
            done.update((c, int(label)) for c, label in index["keys"])
            continue
        with loc.fs.open(entry["name"], "rb") as fh:
            table = pq.read_table(fh, columns=["case_id", "label"])
        done.update(zip(table.column("case_id").to_pylist(), table.column("label").to_pylist()))
    return done


# ------------------------------------------------------------------ compaction


def settle_compaction(dataset: str, settings_hash: str) -> None:
    """As :func:`radcore.io.dataset.settle_compaction`, on object storage: finish a compaction whose parts
    were all written (not tombstones), else remove its parts; then forget its journal."""
    loc = Location(dataset)
    journal = f"{loc.partition('keys', settings_hash)}/compacting.json"
    content = loc.read(journal)
    if content is None:
        return
    record = json.loads(content)
    features = loc.partition("features", settings_hash)
    present = loc.listing(features)
    published = all(f"{p}.parquet" in present and not _is_tombstone(loc, f"{features}/{p}.parquet")
                    for p in record["parts"])
    for stem in record["replaces"] if published else record["parts"]:
        loc.remove(f"{features}/{stem}.parquet")
        loc.remove(f"{loc.partition('keys', settings_hash)}/{stem}.json")
    loc.remove(journal)


def write_journal(dataset: str, settings_hash: str, parts: list[str], replaces: list[str]) -> None:
    loc = Location(dataset)
    loc.put(f"{loc.partition('keys', settings_hash)}/compacting.json",
            json.dumps({"parts": parts, "replaces": replaces}).encode())


def compaction_sources(dataset: str, settings_hash: str) -> list[str]:
    """The features objects a compaction rewrites: every ``batch-*`` object but the tombstones younger than
    :data:`TOMBSTONE_AGE_S` (older ones go with the compaction: no batch runs that long)."""
    loc = Location(dataset)
    files, indexes = key_files(loc, settings_hash)
    now = datetime.now(timezone.utc)
    sources = []
    for stem, entry in sorted(files.items()):
        if not stem.startswith("batch-"):
            continue
        index = indexes[stem]
        young = (now - entry["LastModified"]).total_seconds() < TOMBSTONE_AGE_S if "LastModified" in entry else True
        tombstone = index.get("tombstone") if index is not None else _is_tombstone(loc, entry["name"])
        if not (tombstone and young):
            sources.append(stem)
    return sources
