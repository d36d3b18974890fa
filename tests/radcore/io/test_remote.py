"""URLs in place of paths (radcore.io.remote), against the moto S3 server of tests/s3_server.py."""

from pathlib import Path

import pytest

from radcore.io import remote


def test_paths_and_urls_are_told_apart_and_joined_alike(tmp_path):
    assert remote.is_url("s3://b/x") and not remote.is_url(tmp_path) and not remote.is_url(f"file://{tmp_path}")
    assert remote.local(f"file://{tmp_path}") == tmp_path
    assert remote.join("s3://b/out/", "features", "a.parquet") == "s3://b/out/features/a.parquet"
    assert remote.join(tmp_path, "features") == tmp_path / "features"
    assert remote.resolve("img/a.nii.gz", "s3://b/cohort/manifest.csv") == "s3://b/cohort/img/a.nii.gz"
    assert remote.resolve("s3://c/a.nii.gz", "s3://b/m.csv") == "s3://c/a.nii.gz"
    assert remote.resolve("img/a.nii.gz", tmp_path / "m.csv") == tmp_path / "img/a.nii.gz"
    assert remote.resolve("/abs/a.nii.gz", "s3://b/m.csv") == Path("/abs/a.nii.gz")


def test_shown_urls_carry_no_secrets():
    assert remote.shown("s3://key:secret@bucket/prefix?X-Amz-Signature=abc") == "s3://bucket/prefix"


def test_a_scheme_without_a_file_system_is_one_line():
    with pytest.raises(remote.StorageError, match=r"nosuchfs://b/x: nosuchfs:// URLs need a file system"):
        remote.filesystem("nosuchfs://b/x")


def test_errors_name_the_url_and_the_problem(s3):
    fs, path = remote.filesystem(s3.url("nothing-here"))
    with pytest.raises(FileNotFoundError) as missing:
        fs.cat(path)
    assert str(remote.storage_error(s3.url("nothing-here"), missing.value)) == \
        f"{s3.url('nothing-here')}: no such object"
    with pytest.raises(FileNotFoundError) as no_bucket:
        fs.cat("radcore-no-such-bucket/x")
    assert "the bucket does not exist" in str(remote.storage_error("s3://radcore-no-such-bucket/x", no_bucket.value))
