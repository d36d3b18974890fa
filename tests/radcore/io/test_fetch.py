"""The local cache of inputs at URLs: fetched once, fetched again when replaced, bounded, shared by processes.

The URLs here are of ``counted://``, a local file system that writes one line to a log per download, so a
test can count downloads made in other processes; the flow tests fetch from the S3 test server."""

import multiprocessing
import os
import time
from pathlib import Path

import fsspec
import pytest
from fsspec.implementations.local import LocalFileSystem

from radcore.errors import ImageReadError, StorageError
from radcore.io import fetch, remote


class CountedFileSystem(LocalFileSystem):
    """The local file system under ``counted://``, logging each download to ``$COUNTED_LOG``."""

    protocol = ("counted",)

    @classmethod
    def _strip_protocol(cls, path):
        return super()._strip_protocol(str(path).removeprefix("counted://"))

    def get_file(self, path1, path2, *args, **kwargs):
        time.sleep(float(os.environ.get("COUNTED_DELAY", "0")))
        with open(os.environ["COUNTED_LOG"], "a") as log:
            log.write(f"{path1}\n")
        return super().get_file(path1, path2, *args, **kwargs)


@pytest.fixture
def objects(tmp_path, monkeypatch):
    """A folder served as ``counted://``; returns (folder, the downloads so far as a function)."""
    fsspec.register_implementation("counted", CountedFileSystem, clobber=True)
    remote.forget_filesystems()
    log = tmp_path / "downloads.log"
    log.touch()
    monkeypatch.setenv("COUNTED_LOG", str(log))
    folder = tmp_path / "bucket"
    folder.mkdir()
    yield folder, lambda: log.read_text().splitlines()
    remote.forget_filesystems()


def _url(path: Path) -> str:
    return f"counted://{path}"


def test_an_object_is_fetched_once_under_its_own_name_and_errors_name_its_url(objects, tmp_path):
    folder, downloads = objects
    (folder / "ct.nii.gz").write_bytes(b"x" * 100)
    cache = fetch.Cache(tmp_path / "cache", 10_000)
    for _ in range(2):
        with fetch.fetched(_url(folder / "ct.nii.gz"), "image", cache) as local:
            assert local.name == "ct.nii.gz" and local.read_bytes() == b"x" * 100
            assert tmp_path / "cache" in local.parents
    assert len(downloads()) == 1
    with pytest.raises(ImageReadError, match=rf"^image {_url(folder / 'ct.nii.gz')!r} is damaged$"):
        with fetch.fetched(_url(folder / "ct.nii.gz"), "image", cache) as local:
            raise ImageReadError(f"image {str(local)!r} is damaged")
    with pytest.raises(ImageReadError, match=rf"^mask {_url(folder / 'nowhere.nii.gz')!r} does not exist$"):
        with fetch.fetched(_url(folder / "nowhere.nii.gz"), "mask", cache):
            pass
    with fetch.fetched(str(folder / "ct.nii.gz"), "image", cache) as local:  # a path is used where it is
        assert local == str(folder / "ct.nii.gz")


def test_an_object_replaced_at_its_url_is_fetched_again(objects, tmp_path):
    folder, downloads = objects
    (folder / "ct.nrrd").write_bytes(b"old")
    cache = fetch.Cache(tmp_path / "cache")
    with fetch.fetched(_url(folder / "ct.nrrd"), cache=cache) as local:
        assert local.read_bytes() == b"old"
    (folder / "ct.nrrd").write_bytes(b"newer")
    os.utime(folder / "ct.nrrd", (time.time() + 5, time.time() + 5))
    with fetch.fetched(_url(folder / "ct.nrrd"), cache=cache) as local:
        assert local.read_bytes() == b"newer"
    assert len(downloads()) == 2


def test_a_prefix_is_fetched_as_a_folder_with_its_objects(objects, tmp_path):
    folder, downloads = objects
    series = folder / "patient" / "ct"
    (series / "sub").mkdir(parents=True)
    for name in ("1.dcm", "2.dcm", "sub/3.dcm"):
        (series / name).write_bytes(name.encode())
    with fetch.fetched(_url(series), cache=fetch.Cache(tmp_path / "cache")) as local:
        assert local.name == "ct"
        assert sorted(str(p.relative_to(local)) for p in local.rglob("*.dcm")) == ["1.dcm", "2.dcm", "sub/3.dcm"]
        assert (local / "sub" / "3.dcm").read_bytes() == b"sub/3.dcm"
    assert len(downloads()) == 3


def test_the_entries_used_least_recently_go_beyond_the_bound_and_entries_in_use_stay(objects, tmp_path):
    folder, downloads = objects
    for name in "abcd":
        (folder / f"{name}.mha").write_bytes(name.encode() * 100)
    cache = fetch.Cache(tmp_path / "cache", max_bytes=250)

    def use(name):
        with fetch.fetched(_url(folder / f"{name}.mha"), cache=cache):
            time.sleep(0.01)  # distinct times of last use

    use("a"), use("b"), use("a")
    use("c")  # 300 bytes: b, used least recently, goes
    assert cached_names(cache) == {"a.mha", "c.mha"} and fetch.cached_bytes(cache) == 200
    assert len(downloads()) == 3
    with fetch.fetched(_url(folder / "a.mha"), cache=cache):  # a in use, and used last
        use("b"), use("d")
        assert "a.mha" in cached_names(cache) and fetch.cached_bytes(cache) <= 250
    assert cached_names(cache) == {"a.mha", "d.mha"}


def cached_names(cache: fetch.Cache) -> set[str]:
    return {p.name for p in (cache.folder / "objects").glob("*/*")}


def _fetch_and_hold(url: str, folder: str, started) -> bytes:
    started.wait()
    with fetch.fetched(url, cache=fetch.Cache(Path(folder))) as local:
        time.sleep(0.2)
        return local.read_bytes()


def test_processes_fetching_one_url_at_once_download_it_once(objects, tmp_path, monkeypatch):
    folder, downloads = objects
    (folder / "pet.nii").write_bytes(b"p" * 1000)
    monkeypatch.setenv("COUNTED_DELAY", "0.5")  # the first download is still going when the others ask
    context = multiprocessing.get_context("fork")
    started = context.Manager().Event()
    with context.Pool(4) as pool:
        pending = [pool.apply_async(_fetch_and_hold, (_url(folder / "pet.nii"), str(tmp_path / "cache"), started))
                   for _ in range(4)]
        started.set()
        assert [p.get(timeout=60) for p in pending] == [b"p" * 1000] * 4
    assert len(downloads()) == 1
    assert not [p for p in (tmp_path / "cache" / "objects").iterdir() if p.name.startswith(".")]  # no temporary left


def test_a_digest_is_answered_without_a_download_while_the_object_is_unchanged(objects, tmp_path):
    folder, downloads = objects
    (folder / "mask.nii.gz").write_bytes(b"m" * 300)
    cache = fetch.Cache(tmp_path / "cache", max_bytes=100)  # smaller than the object: its data goes
    url = _url(folder / "mask.nii.gz")
    assert fetch.digest(url, "mask", lambda p: f"{len(p.read_bytes())} bytes", cache) == "300 bytes"
    (folder / "other.nii").write_bytes(b"o" * 10)
    with fetch.fetched(_url(folder / "other.nii"), cache=cache):
        pass
    assert "mask.nii.gz" not in cached_names(cache)
    assert fetch.digest(url, "mask", lambda p: pytest.fail("computed again"), cache) == "300 bytes"
    assert len(downloads()) == 2


def test_a_url_of_a_scheme_with_no_file_system_is_one_line(tmp_path):
    with pytest.raises(StorageError, match=r"^nofs://b/x.nii: nofs:// URLs need a file system that is not installed"):
        with fetch.fetched("nofs://b/x.nii", cache=fetch.Cache(tmp_path / "cache")):
            pass
