"""URLs wherever a path goes: object storage (``s3://``, ``gs://``, ``az://``...) through fsspec.

radcore names a location by a plain path (this machine's file system, or a shared one) or by a URL with a
scheme. A URL is opened with `fsspec <https://filesystem-spec.readthedocs.io>`_, the layer Dask, Zarr,
pandas and pyarrow already share: ``s3://`` needs ``s3fs`` (``pip install "radcore[s3]"``), ``gs://``
``gcsfs``, ``az://`` ``adlfs``. Credentials and the endpoint of an S3-compatible service come from where
those libraries look (``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY``, ``AWS_PROFILE`` and
``~/.aws``, an instance or pod role; ``AWS_ENDPOINT_URL``), never from radcore's settings, so they appear
in no settings hash, dataset, log or artifact. ``file://`` URLs are plain paths.

:func:`storage_error` turns what the storage libraries raise into one line that names the URL and the
problem (a missing bucket or object, missing or refused credentials, an unknown scheme).
"""

from __future__ import annotations

import posixpath
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from radcore.errors import StorageError

_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]+)://")

#: the package that gives fsspec each common scheme, for the error when it is not installed
_PACKAGES = {"s3": "s3fs", "s3a": "s3fs", "gs": "gcsfs", "gcs": "gcsfs", "az": "adlfs", "abfs": "adlfs",
             "abfss": "adlfs"}


def scheme(location: str | Path) -> str:
    """The URL scheme of ``location`` (``s3``...), or "" for a plain path or a ``file://`` URL."""
    match = _SCHEME.match(str(location))
    return "" if match is None or match.group(1).lower() == "file" else match.group(1).lower()


def is_url(location: str | Path) -> bool:
    """Whether ``location`` is on a file system other than this machine's (a URL with a scheme)."""
    return bool(scheme(location))


def local(location: str | Path) -> Path:
    """The path of a plain path or a ``file://`` URL."""
    text = str(location)
    return Path(text[len("file://"):]) if text.lower().startswith("file://") else Path(text)


def join(location: str | Path, *parts: str) -> str | Path:
    """``location`` with ``parts`` appended: a path for a path, a URL (with ``/``) for a URL."""
    if not is_url(location):
        return local(location).joinpath(*parts)
    return posixpath.join(str(location).rstrip("/"), *parts)


def parent(location: str | Path) -> str | Path:
    """The folder (or prefix) holding ``location``."""
    if not is_url(location):
        return local(location).parent
    head, _ = posixpath.split(str(location).rstrip("/"))
    return head


def resolve(location: str, base: str | Path) -> str | Path:
    """``location`` as named in a file kept at ``base`` (a manifest): a URL or absolute path as it is, a
    relative one against ``base``'s folder."""
    if is_url(location) or Path(location).is_absolute():
        return location if is_url(location) else Path(location)
    return join(parent(base), location) if is_url(base) else (local(base).parent / location)


def shown(location: str | Path) -> str:
    """``location`` as it may be logged: a URL without a user name, password or query string."""
    text = str(location)
    if not is_url(text):
        return text
    parts = urlsplit(text)
    host = parts.hostname or ""
    if parts.port:
        host += f":{parts.port}"
    return f"{parts.scheme}://{host}{parts.path}"  # also with no host (urlunsplit would drop the //)


def filesystem(location: str | Path) -> tuple[Any, str]:
    """The fsspec file system of URL ``location`` and the path in it (``bucket/key``); :class:`StorageError`
    when no installed file system serves its scheme."""
    protocol = scheme(location)
    fs = _opened.get(protocol)
    if fs is None:
        import fsspec

        try:
            fs = _opened[protocol] = fsspec.filesystem(protocol)
        except (ImportError, ValueError) as exc:
            package = _PACKAGES.get(protocol)
            hint = f" (pip install {package})" if package else ""
            raise StorageError(f"{shown(location)}: {protocol}:// URLs need a file system that is not "
                               f"installed{hint}") from exc
    return fs, fs._strip_protocol(str(location))


_opened: dict[str, Any] = {}


def forget_filesystems() -> None:
    """Drop the file systems opened so far (and fsspec's cached instances of their kinds), so the next use
    reads the credentials and endpoint again."""
    for fs in _opened.values():
        type(fs).clear_instance_cache()
    _opened.clear()


def storage_error(location: str | Path, exc: BaseException) -> StorageError:
    """One line naming ``location`` (without secrets) and what went wrong with it."""
    where = shown(location)
    name = type(exc).__name__
    text = str(exc)
    if name in ("NoCredentialsError", "PartialCredentialsError") or "Unable to locate credentials" in text:
        problem = "no credentials found (set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or a role)"
    elif isinstance(exc, PermissionError) or any(code in text for code in (
            "InvalidAccessKeyId", "SignatureDoesNotMatch", "AccessDenied", "Forbidden")):
        problem = "the credentials were refused (wrong key or secret, or no permission)"
    elif "NoSuchBucket" in text or "bucket does not exist" in text.lower():
        problem = "the bucket does not exist"
    elif isinstance(exc, FileNotFoundError):
        problem = "no such object"
    elif isinstance(exc, StorageError):
        return exc
    else:
        problem = f"{name}: {text}".strip()
    return StorageError(f"{where}: {problem}")


# ------------------------------------------------------------------ reading, alike for paths and URLs


def _url(location: str | Path, path: str) -> str:
    return f"{scheme(location)}://{path}"


def glob(folder: str | Path, pattern: str) -> list[str]:
    """The files matching ``pattern`` in ``folder`` (sorted; none when it does not exist)."""
    if not is_url(folder):
        return sorted(str(p) for p in local(folder).glob(pattern))
    fs, path = filesystem(folder)
    try:
        found = fs.glob(f"{path.rstrip('/')}/{pattern}", refresh=True)
    except FileNotFoundError:
        return []
    except Exception as exc:  # noqa: BLE001 - one line naming the folder
        raise storage_error(folder, exc) from exc
    return sorted(_url(folder, p) for p in found)


def is_dir(location: str | Path) -> bool:
    """Whether ``location`` is a folder (on object storage: a prefix holding objects)."""
    if not is_url(location):
        return local(location).is_dir()
    fs, path = filesystem(location)
    try:
        return fs.isdir(path)
    except Exception as exc:  # noqa: BLE001
        raise storage_error(location, exc) from exc


def read_bytes(location: str | Path) -> bytes:
    """The content of a file or object; FileNotFoundError when there is none."""
    if not is_url(location):
        return local(location).read_bytes()
    fs, path = filesystem(location)
    try:
        return fs.cat_file(path)
    except FileNotFoundError:
        raise
    except Exception as exc:  # noqa: BLE001
        raise storage_error(location, exc) from exc


def open_input(location: str | Path):
    """``location`` opened for reading (binary): a path as it is (pyarrow opens it), an object through fsspec."""
    if not is_url(location):
        return str(location)
    fs, path = filesystem(location)
    return fs.open(path, "rb")


def duckdb_connection(*locations: str | Path):
    """A DuckDB connection that reads ``locations``: their fsspec file systems are registered with it, so
    ``read_parquet('s3://...')`` works offline, without DuckDB's httpfs extension."""
    import duckdb

    con = duckdb.connect()
    for protocol in {scheme(loc) for loc in locations if is_url(loc)}:
        con.register_filesystem(filesystem(f"{protocol}://")[0])
    return con


def write_bytes(location: str | Path, data: bytes) -> None:
    """Write ``data`` to ``location`` so that a reader sees the old content or the whole new one: a
    temporary name and a rename on a file system, one PUT (atomic) on object storage."""
    if is_url(location):
        fs, path = filesystem(location)
        try:
            fs.pipe_file(path, data)
        except Exception as exc:  # noqa: BLE001
            raise storage_error(location, exc) from exc
        return
    import os
    import uuid

    path = local(location)
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        temp.write_bytes(data)
        os.replace(temp, path)
    finally:
        temp.unlink(missing_ok=True)
