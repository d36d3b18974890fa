"""The cohort store on object storage (``--store s3://bucket/cohort.zarr``): opening it, and publishing a
case without a rename.

The layout is the one on disk (:mod:`radcore.io.store.layout`); only how a case becomes visible differs.
On disk a case is written under a temporary name and renamed (:mod:`radcore.io.store.publish`). A bucket
has no rename, but a ``PUT`` is atomic and can be conditional (*create only if absent*). So a case is
written in place, each object (a shard, a metadata document) one ``PUT``, and published by creating its
group's ``zarr.json`` last, only if absent. That document holds the case's attributes; a reader finds a
case only through it (:func:`~radcore.io.store.layout.open_case`, :func:`~radcore.io.store.layout.list_cases`),
so it never sees half a case:

- **replacing** an old copy (changed input files): its ``zarr.json`` is deleted first, so the case is not
  there while its shards are overwritten, and the objects the new copy does not have go before the new
  ``zarr.json`` is created;
- **two writers of one case** (two runs, or a run and ``radcore ingest``): from the same files they write
  the same objects (the same bytes with the same libraries; in any case each shard is whole, with its
  own index, and holds the same voxels), so whichever ``zarr.json`` lands first describes the shards
  either left; the second finds it there, with its own input digests, and is done.
  From different files (a manifest row changed while two runs ingest it at once), the second finds other
  digests: it deletes the ``zarr.json`` (the shards may be mixed) and fails with a one-line
  :class:`~radcore.errors.StoreError`; the case is ingested again by the next run. This is the one race
  a create-if-absent cannot close: a reader that opened the case between the first writer's publication
  and the second's deletion may have read shards of both (on disk, renaming a whole folder closes it);
- **a killed writer** leaves objects under the case's name and no ``zarr.json``: no reader sees them, and
  the next ingest of that case (the rerun's, since the case is not done) writes over them. Only a case
  that is never ingested again keeps them.

Reading opens the store through Zarr's :class:`~zarr.storage.FsspecStore` (the documents). A box of an
image or mask (an ROI with its margin) is read by :func:`read_box`: the index of each shard the box
touches (one ranged ``GET`` of its last bytes), then only the inner chunks the box touches (one ranged
``GET`` each), each round concurrently, so a worker fetches what it would read from disk in two round
trips. (Zarr 3.1's sharding codec fetches the inner chunks of a shard one after another: some 25
round trips for a typical ROI.)
"""

from __future__ import annotations

import itertools
import json
from typing import Any, Iterable

import numpy as np
import zarr

from radcore.errors import StoreError
from radcore.io import remote

#: objects PUT at once (each a shard of a few MB at most, or a small document)
PUT_BATCH = 8


def open_root(url: str, create: dict[str, Any] | None = None) -> zarr.Group:
    """The root group of the store at ``url``. ``create``, the root's attributes, makes it when there is
    none (its ``zarr.json``, only if absent: one ``GET`` when it exists, as it does for every case but the
    first)."""
    try:
        return _open_root(url)
    except StoreError:
        if create is None:
            raise
    fs, path = remote.filesystem(url)
    try:
        fs.pipe_file(f"{path.rstrip('/')}/zarr.json", _root_document(create), mode="create")
    except FileExistsError:  # made by another process a moment ago
        pass
    except Exception as exc:  # noqa: BLE001 - one line naming the store
        raise remote.storage_error(url, exc) from exc
    return _open_root(url)


def _open_root(url: str) -> zarr.Group:
    from zarr.storage import FsspecStore

    try:
        # no listings cache: another process may have published a case since this one last listed
        store = FsspecStore.from_url(url, storage_options={"use_listings_cache": False, **_one_get(url)},
                                     read_only=True)
        return zarr.open_group(store, mode="r", zarr_format=3)
    except (FileNotFoundError, zarr.errors.GroupNotFoundError) as exc:
        _check_bucket(url)  # Zarr says only that it found no group: was it the bucket?
        raise StoreError(f"no cohort store at {remote.shown(url)!r}; create one with `radcore ingest`") from exc
    except Exception as exc:  # noqa: BLE001
        raise remote.storage_error(url, exc) from exc


def _check_bucket(url: str) -> None:
    """:class:`~radcore.errors.StorageError` when the bucket of ``url`` does not exist (or cannot be read)."""
    fs, path = remote.filesystem(url)
    try:
        fs.cat_file(f"{path.rstrip('/')}/zarr.json", **_one_get(url))
    except FileNotFoundError as exc:
        if "bucket" in str(exc).lower():
            raise remote.storage_error(url, exc) from exc
    except Exception as exc:  # noqa: BLE001
        raise remote.storage_error(url, exc) from exc


def _one_get(url: str) -> dict[str, Any]:
    """s3fs reads a whole object with one ``GET`` only when told not to ask its size first (``HEAD``) to
    split it into concurrent ranges; the store's objects are a few MB at most."""
    return {"max_concurrency": 1} if remote.scheme(url) in ("s3", "s3a") else {}


def url_of(store: Any) -> str | None:
    """The URL of a store in a bucket given as its URL or as a Zarr group opened there (Zarr's
    :class:`~zarr.storage.FsspecStore`); None for any other store."""
    if isinstance(store, str):
        return store if remote.is_url(store) else None
    fsspec_store = getattr(store, "store", None)
    if isinstance(store, zarr.Group) and type(fsspec_store).__name__ == "FsspecStore":
        protocol = fsspec_store.fs.protocol
        return f"{protocol[0] if isinstance(protocol, (tuple, list)) else protocol}://{fsspec_store.path}"
    return None


def reads_box(array: zarr.Array, box) -> bool:
    """Whether :func:`read_box` reads ``box`` of ``array``: a box of slices with integer bounds, of an
    array sharded as :mod:`radcore.io.store.shards` writes (others are read through Zarr)."""
    from radcore.io.store import shards

    if box is ... or array.shards is None or not all(
            isinstance(s, slice) and isinstance(s.start, (int, np.integer)) and isinstance(s.stop, (int, np.integer))
            and s.step in (None, 1)
            and 0 <= s.start < s.stop <= n for s, n in zip(box, array.shape)) or len(box) != array.ndim:
        return False
    try:
        shards.blosc_of(array)
    except ValueError:
        return False
    return True


def read_box(store: str, array: zarr.Array, box: tuple[slice, ...]) -> np.ndarray:
    """The voxels of ``box`` (slices with integer bounds, step 1) of ``array``, a sharded array of the
    store at URL ``store`` written by :mod:`radcore.io.store.shards`: two rounds of concurrent ranged ``GET`` s, the
    touched shards' indexes, then the touched inner chunks. An absent shard or chunk reads as the fill
    value; a damaged index is a :class:`~radcore.errors.StoreError`."""
    from radcore.io.store import shards

    fs, root = remote.filesystem(store)
    root = f"{root.rstrip('/')}/{array.path}"
    blosc, per_shard = shards.blosc_of(array), shards.chunks_per_shard(array)
    out = np.full(tuple(s.stop - s.start for s in box), array.fill_value, dtype=array.dtype)
    touched = shards.touched_chunks(array, box)
    keys = [f"{root}/{shards.shard_key(key)}" for key in touched]
    tails = fs.cat_ranges(keys, [-shards.index_length(per_shard)] * len(keys), [None] * len(keys),
                          on_error="return")
    wanted = []  # (key, start, end, the chunk's first voxel in the array)
    for key, (shard, inner), tail in zip(keys, touched.items(), tails):
        if isinstance(tail, FileNotFoundError):
            continue  # a shard never written: the fill value
        if isinstance(tail, BaseException):
            raise tail
        try:
            index = shards.checked_index(tail, per_shard, remote.shown(f"{remote.scheme(store)}://{key}"))
        except ValueError as exc:
            raise StoreError(str(exc)) from exc
        for place in inner:
            offset, length = (int(v) for v in index[place])
            if offset != shards.ABSENT:
                first = [(k * p + i) * c for k, p, i, c in zip(shard, per_shard, place, array.chunks)]
                wanted.append((key, offset, offset + length, first))
    chunks = fs.cat_ranges([w[0] for w in wanted], [w[1] for w in wanted], [w[2] for w in wanted])
    for (_, _, _, first), data in zip(wanted, chunks):
        block = shards.decode_chunk(array, blosc, data)
        lo = [max(a, s.start) for a, s in zip(first, box)]
        hi = [min(a + c, s.stop) for a, c, s in zip(first, array.chunks, box)]
        out[tuple(slice(a - s.start, b - s.start) for a, b, s in zip(lo, hi, box))] = \
            block[tuple(slice(a - f, b - f) for a, b, f in zip(lo, hi, first))]
    return out


def _root_document(attributes: dict[str, Any]) -> bytes:
    documents: dict[str, Any] = {}
    zarr.open_group(zarr.storage.MemoryStore(documents), mode="w", zarr_format=3, attributes=attributes)
    return documents["zarr.json"].to_bytes()


def publish_objects(store: str, name: str, objects: Iterable[tuple[str, bytes]], marker: bytes, case_id: str,
                    digests: dict[str, str]) -> None:
    """Write the objects of case group ``name`` (keys under the group) to the store at URL ``store``, then
    publish it by creating its ``zarr.json`` (``marker``) only if absent (see the module's text)."""
    fs, root = remote.filesystem(store)
    prefix = f"{root.rstrip('/')}/{name}"
    marker_key = f"{prefix}/zarr.json"
    try:
        old = _attributes(fs, marker_key, store)
        if old is not None:
            _check_same_case(old, name, case_id)
            fs.rm_file(marker_key)  # the old copy stops being a case before its objects change
        written = _put(fs, ((f"{prefix}/{key}", data) for key, data in objects))
        if old is not None:
            stale = [key for key in fs.find(prefix, refresh=True) if key not in written and key != marker_key]
            if stale:
                fs.rm(stale)
        try:
            fs.pipe_file(marker_key, marker, mode="create")
            return
        except FileExistsError:
            other = _attributes(fs, marker_key, store)
        if other is not None and other.get("case_id") == case_id and other.get("digests") == digests:
            return  # the same case from the same files, published by another writer: the same objects
        fs.rm_file(marker_key)
    except (StoreError, remote.StorageError):
        raise
    except Exception as exc:  # noqa: BLE001 - one line naming the case's URL
        raise remote.storage_error(f"{remote.scheme(store)}://{prefix}", exc) from exc
    raise StoreError(f"case {case_id!r} was written to {remote.shown(store)} by another process at the same "
                     "time from other input files; ingest it again")


def _put(fs: Any, objects: Iterable[tuple[str, bytes]]) -> set[str]:
    """PUT ``objects`` (key, bytes), :data:`PUT_BATCH` at a time (concurrently); the keys written."""
    written: set[str] = set()
    objects = iter(objects)
    while batch := dict(itertools.islice(objects, PUT_BATCH)):
        fs.pipe(batch)
        written |= set(batch)
    return written


def _attributes(fs: Any, key: str, store: str) -> dict | None:
    """The ``radcore`` attributes of the case group whose ``zarr.json`` is ``key``, or None when there is none."""
    try:
        document = json.loads(fs.cat_file(key, **_one_get(store)))
    except FileNotFoundError:
        return None
    a = document.get("attributes", {}).get("radcore")
    return a if isinstance(a, dict) else {}


def _check_same_case(old: dict, name: str, case_id: str) -> None:
    if old.get("case_id", case_id) != case_id:
        raise StoreError(f"store entry {name!r} holds case {old.get('case_id')!r}, not {case_id!r}")
