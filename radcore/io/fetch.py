"""Input images at URLs, fetched once into a bounded local cache.

SimpleITK, GDCM, pydicom and highdicom read files, not URLs. An image or mask named by a URL (an object, or
a prefix holding a DICOM series) is downloaded once, when its case is ingested, into a cache on the
machine that ingests it; the workers then read the case from the store, never the object.

The cache is a folder: ``RADCORE_CACHE``, else ``RADCORE_HOME/cache``. Each URL has one entry, named by a
hash of the URL as :func:`radcore.io.remote.shown` gives it (no secrets):

- ``objects/<key>/<name>``: the object (or the prefix's objects, under ``<name>/``), under the URL's own
  file name, since SimpleITK chooses its reader by the file name's ending;
- ``objects/<key>.json``: the URL, its *version* (the ETag and size of each object, from a HEAD, or a
  prefix's listing), the bytes held and a digest recorded by the caller (:func:`digest`); the file's
  modification time is the entry's last use;
- ``locks/<key>.lock``: held exclusively while the entry is checked or fetched, shared while it is read.

An entry is used when its version is the object's: an object replaced in the bucket is fetched again. A
download goes to a temporary folder renamed into place, so no reader sees half an object, and two
processes that want the same URL at once download it once (the second waits for the first's lock). After
each download, the entries used least recently are removed until the cache holds at most
``RADCORE_CACHE_BYTES`` (default 20 GB); an entry being read (its lock held shared) is never removed, so a
case larger than the bound still runs. Removing an entry keeps its small JSON file, whose digest spares a
rerun from downloading an object only to find its case current in the store.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import posixpath
import shutil
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

from radcore.errors import ImageReadError, RadcoreError, SettingsError
from radcore.io import remote

log = logging.getLogger(__name__)

CACHE_VARIABLE = "RADCORE_CACHE"
BYTES_VARIABLE = "RADCORE_CACHE_BYTES"
DEFAULT_BYTES = 20 * 2**30
#: what an object's listing may carry that changes when it is replaced (S3, GCS, Azure, local file systems)
_VERSION_FIELDS = ("ETag", "etag", "md5Hash", "generation", "mtime", "LastModified", "last_modified", "size")


@dataclass(frozen=True)
class Cache:
    """A cache folder and the most bytes of objects it keeps."""

    folder: Path
    max_bytes: int = DEFAULT_BYTES

    @classmethod
    def default(cls) -> Cache:
        """The cache of ``RADCORE_CACHE`` (else ``RADCORE_HOME/cache``) bounded by ``RADCORE_CACHE_BYTES``."""
        from radcore.daemons import home

        folder = os.environ.get(CACHE_VARIABLE) or home() / "cache"
        text = os.environ.get(BYTES_VARIABLE, "").strip()
        try:
            max_bytes = int(float(text)) if text else DEFAULT_BYTES
        except ValueError:
            raise SettingsError(f"{BYTES_VARIABLE} must be a number of bytes, got {text!r}") from None
        return cls(Path(folder).expanduser(), max_bytes)


@contextmanager
def fetched(source: Any, what: str = "input", cache: Cache | None = None) -> Iterator[Any]:
    """The local path of ``source`` while the ``with`` block runs: a URL's object (or prefix) fetched into
    the cache when it is not there at its current version; a path, ``file://`` URL or anything else
    (a SimpleITK image) as it is.

    Errors raised in the block name the URL where they named the cached copy. A missing object raises
    :class:`ImageReadError` naming the URL (``what`` says which input); another storage problem (a missing
    bucket, credentials refused) :class:`StorageError` naming it.
    """
    if not isinstance(source, (str, Path)) or not remote.is_url(source):
        yield remote.local(source) if isinstance(source, str) and source.lower().startswith("file://") else source
        return
    url = str(source)
    with _entry(url, what, cache or Cache.default(), need_data=True) as (entry, _):
        try:
            yield entry.data
        except RadcoreError as exc:
            renamed(exc, entry.data, url)
            raise


def digest(url: str, what: str, compute: Callable[[Path], str], cache: Cache | None = None) -> str:
    """``compute`` of the local copy of ``url``, recorded with the object's version: asked again while the
    object has not changed, it is answered without a download."""
    with _entry(url, what, cache or Cache.default(), need_data=False) as (entry, meta):
        if meta.get("digest"):
            return meta["digest"]
        entry.ensure(meta)
        meta["digest"] = compute(entry.data)
        entry.write_meta(meta)
        return meta["digest"]


def renamed(exc: BaseException, local: Path, url: str) -> BaseException:
    """``exc`` with its message naming ``url`` (as :func:`radcore.io.remote.shown` gives it) where it named
    ``local``, the cached copy."""
    if exc.args and isinstance(exc.args[0], str) and str(local) in exc.args[0]:
        exc.args = (exc.args[0].replace(str(local), remote.shown(url)), *exc.args[1:])
    return exc


# ------------------------------------------------------------------ entries


class _Entry:
    """One URL's entry in a cache (see the module docstring)."""

    def __init__(self, cache: Cache, url: str, what: str):
        self.cache, self.url, self.what = cache, url, what
        self.key = hashlib.sha256(remote.shown(url).encode()).hexdigest()[:32]
        self.folder = cache.folder / "objects" / self.key
        self.meta_path = cache.folder / "objects" / f"{self.key}.json"
        name = posixpath.basename(remote.shown(url).rstrip("/")) or "object"
        self.data = self.folder / name

    def read_meta(self) -> dict[str, Any]:
        try:
            return json.loads(self.meta_path.read_text())
        except (OSError, ValueError):
            return {}

    def write_meta(self, meta: dict[str, Any]) -> None:
        temp = self.meta_path.with_name(f".{self.key}.{uuid.uuid4().hex[:8]}.json")
        temp.write_text(json.dumps(meta))
        os.replace(temp, self.meta_path)

    def present(self, meta: dict[str, Any]) -> bool:
        return bool(meta) and self.data.exists()

    def ensure(self, meta: dict[str, Any]) -> None:
        """Fetch the object(s) at ``meta``'s version unless they are here (the entry's lock held exclusively)."""
        if self.present(meta):
            return
        temp = self.folder.with_name(f".{self.key}.{uuid.uuid4().hex[:8]}.tmp")
        try:
            temp.mkdir(parents=True)
            target = temp / self.data.name
            fs, path = remote.filesystem(self.url)
            try:
                if meta["files"] is None:
                    fs.get_file(path, str(target))
                else:
                    for name in meta["files"]:
                        (target / name).parent.mkdir(parents=True, exist_ok=True)
                        fs.get_file(f"{path.rstrip('/')}/{name}", str(target / name))
            except Exception as exc:  # noqa: BLE001 - one line naming the URL
                raise _problem(self.url, self.what, exc) from exc
            _remove(self.folder)
            os.rename(temp, self.folder)
        finally:
            _remove(temp)
        log.debug("fetched %s (%d bytes)", remote.shown(self.url), meta["bytes"])
        _evict(self.cache, keep=self.key)


@contextmanager
def _entry(url: str, what: str, cache: Cache, need_data: bool) -> Iterator[tuple[_Entry, dict[str, Any]]]:
    """``url``'s entry at the object's current version, its lock held: exclusively while the caller may
    fill it (``need_data`` False), else shared once its data is here."""
    entry = _Entry(cache, url, what)
    for folder in ("objects", "locks"):
        (cache.folder / folder).mkdir(parents=True, exist_ok=True)
    with open(cache.folder / "locks" / f"{entry.key}.lock", "a+b") as lock:
        while True:
            fcntl.flock(lock, fcntl.LOCK_EX)
            version, files, size = _version(url, what)
            meta = entry.read_meta()
            if meta.get("version") != version:  # new, or replaced in the bucket: its old copy goes
                _remove(entry.folder)
                meta = {"url": remote.shown(url), "version": version, "files": files, "bytes": size}
                entry.write_meta(meta)
            if not need_data:
                yield entry, meta
                break
            entry.ensure(meta)
            os.utime(entry.meta_path)  # its last use
            fcntl.flock(lock, fcntl.LOCK_SH)  # not atomic: the entry may have been evicted meanwhile
            if entry.data.exists():
                yield entry, meta
                break


def _version(url: str, what: str) -> tuple[str, list[str] | None, int]:
    """The version of the object (or prefix) at ``url``, the names under a prefix (None for an object) and
    their bytes: a HEAD, or the listing of a prefix."""
    fs, path = remote.filesystem(url)
    try:
        try:
            info = fs.info(path, refresh=True)
        except TypeError:  # a file system without a listing cache to refresh
            info = fs.info(path)
        if info.get("type") == "directory":
            fs.invalidate_cache(path)
            found = fs.find(path, detail=True)
            root = path.rstrip("/") + "/"
            listed = {p[len(root):]: i for p, i in found.items() if p.startswith(root) and i.get("type") != "directory"}
            if not listed:
                raise FileNotFoundError(path)
        else:
            listed = {"": info}
    except Exception as exc:  # noqa: BLE001 - one line naming the URL
        raise _problem(url, what, exc) from exc
    marks = {name: [str(i.get(k)) for k in _VERSION_FIELDS if i.get(k) is not None] for name, i in listed.items()}
    version = hashlib.sha256(json.dumps(marks, sort_keys=True).encode()).hexdigest()
    size = sum(int(i.get("size") or 0) for i in listed.values())
    return version, (None if "" in listed else sorted(listed)), size


def _problem(url: str, what: str, exc: Exception) -> RadcoreError:
    """What went wrong fetching ``url``, in one line naming it: :class:`ImageReadError` when there is no such
    object (the case's input is missing), else :class:`StorageError` (no bucket, credentials refused...)."""
    problem = remote.storage_error(url, exc)
    if isinstance(exc, FileNotFoundError) and "bucket does not exist" not in str(problem):
        return ImageReadError(f"{what} {remote.shown(url)!r} does not exist")
    return problem


# ------------------------------------------------------------------ the bound


def _evict(cache: Cache, keep: str) -> None:
    """Remove the data of the entries used least recently until the cache holds at most its bound; entries in
    use (their lock held) and ``keep`` stay. One process evicts at a time; another skips."""
    with open(cache.folder / "locks" / "evicting.lock", "a+b") as evicting:
        try:
            fcntl.flock(evicting, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return
        _remove_leftovers(cache)
        held = []
        for meta_path in (cache.folder / "objects").glob("*.json"):
            key = meta_path.stem
            if (cache.folder / "objects" / key).is_dir():
                try:
                    held.append((meta_path.stat().st_mtime, key, int(json.loads(meta_path.read_text())["bytes"])))
                except (OSError, ValueError, KeyError):
                    continue
        total = sum(size for _, _, size in held)
        for _, key, size in sorted(held):
            if total <= cache.max_bytes:
                break
            if key != keep and _evict_entry(cache, key):
                total -= size
        if total > cache.max_bytes:
            log.debug("cache %s holds %d bytes (bound %d): the rest is in use", cache.folder, total, cache.max_bytes)


def _evict_entry(cache: Cache, key: str) -> bool:
    """Remove an entry's data unless it is in use; whether it was removed."""
    with open(cache.folder / "locks" / f"{key}.lock", "a+b") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        _remove(cache.folder / "objects" / key)
        return True


def cached_bytes(cache: Cache) -> int:
    """The bytes of object data the cache holds now."""
    entries = [p for p in (cache.folder / "objects").glob("*") if p.is_dir() and not p.name.startswith(".")]
    return sum(f.stat().st_size for p in entries for f in p.rglob("*") if f.is_file())


#: how old a download or removal left half done (its process killed) must be before eviction removes it
LEFTOVER_SECONDS = 3600.0


def _remove_leftovers(cache: Cache) -> None:
    """Remove the temporary folders of downloads and removals killed half-way, once they are old."""
    import time

    for path in (cache.folder / "objects").glob(".*"):
        try:
            old = time.time() - path.stat().st_mtime > LEFTOVER_SECONDS
        except FileNotFoundError:
            continue
        if old:
            shutil.rmtree(path, ignore_errors=True) if path.is_dir() else path.unlink(missing_ok=True)


def _remove(path: Path) -> None:
    """Remove a file or folder, if there (renamed aside first, so that no reader finds it half removed)."""
    if not path.exists():
        return
    aside = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.gone")
    try:
        os.rename(path, aside)
    except FileNotFoundError:
        return
    shutil.rmtree(aside, ignore_errors=True) if aside.is_dir() else aside.unlink(missing_ok=True)
