"""Publishing a written case atomically in a store on disk, and clearing what a killed writer left.

A case is written under a temporary name (:func:`temporary_name`), then renamed (:func:`publish`), so
readers never see half a case; :func:`remove_leftovers` clears what a killed writer left. A store on
object storage has no rename: :mod:`radcore.io.store.bucket` publishes there.
"""

from __future__ import annotations

import os
import shutil
import socket
import time
import uuid
from pathlib import Path

import zarr

from radcore.errors import StoreError
from radcore.io import remote

#: a leftover of a writer on another host (whose process cannot be checked) is removed after this long
LEFTOVER_AGE_S = 6 * 3600.0


def temporary_name() -> str:
    """``.tmp-<host>-<pid>-<random>``: whose it is, so :func:`remove_leftovers` can tell a dead writer's."""
    return f".tmp-{_host()}-{os.getpid()}-{uuid.uuid4().hex[:8]}"


def _host() -> str:
    return "".join(c if c.isalnum() or c == "-" else "-" for c in socket.gethostname())[:40]


def publish(temp: Path, final: Path, case_id: str, digests: dict[str, str]) -> None:
    """Move the finished case ``temp`` to ``final``, replacing an older copy of the same case.

    When another process published the same case (same input digests) meanwhile, its copy stays and
    this one is dropped; a different case under the same name is never replaced.
    """
    if final.exists():
        old = _attrs_of(final)
        if old is not None and old.get("case_id", case_id) != case_id:
            shutil.rmtree(temp, ignore_errors=True)
            raise StoreError(
                f"store entry {final.name!r} holds case {old.get('case_id')!r}, not {case_id!r} (two ids that "
                "differ only in case on a case-insensitive file system?)"
            )
        trash = final.with_name(f".trash-{uuid.uuid4().hex[:8]}")
        try:
            os.replace(final, trash)
        except FileNotFoundError:  # another writer moved it first
            pass
        shutil.rmtree(trash, ignore_errors=True)
    try:
        os.replace(temp, final)
    except OSError:
        other = _attrs_of(final)
        shutil.rmtree(temp, ignore_errors=True)
        if other is None or other.get("case_id") != case_id or other.get("digests") != digests:
            raise StoreError(f"case {case_id!r} was written by another process at the same time; run it again")


def _attrs_of(group_path: Path) -> dict | None:
    """The ``radcore`` attributes of a case folder, or None when it is not a readable case."""
    try:
        group = zarr.open_group(str(group_path), mode="r", zarr_format=3)
        a = group.attrs.get("radcore")
    except Exception:  # noqa: BLE001 - a half-removed or foreign folder is simply not a case
        return None
    return a if isinstance(a, dict) else None


def remove_leftovers(store: str | Path, max_age_s: float = LEFTOVER_AGE_S) -> list[str]:
    """Remove the temporary folders a killed writer left in a local store; returns their names.

    A ``.tmp-<host>-<pid>-*`` folder goes when its process is gone (same host) or it is older than
    ``max_age_s``; ``.trash-*`` folders and temporaries of the old ``.tmp-<case>-*`` form go after
    ``max_age_s``. A store on object storage has no temporaries (a killed writer's objects are invisible
    and written over by the case's next ingest: :mod:`radcore.io.store.bucket`): none.
    """
    if remote.is_url(store):
        return []
    root = remote.local(store)
    if not root.is_dir():
        return []
    host = _host()
    now = time.time()
    removed = []
    for path in root.iterdir():
        if not path.name.startswith((".tmp-", ".trash-")) or not path.is_dir():
            continue
        try:
            age = now - path.stat().st_mtime
        except FileNotFoundError:
            continue
        if age > max_age_s or _dead_writer(path.name, host):
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path.name)
    return removed


def _dead_writer(name: str, host: str) -> bool:
    """Whether ``name`` (``.tmp-<host>-<pid>-<random>``) belongs to a process of this host that is gone."""
    prefix = f".tmp-{host}-"
    if not name.startswith(prefix):
        return False
    pid_text = name[len(prefix):].split("-")[0]
    if not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False
