"""Cohorts whose manifest and images are in a bucket (``radcore run s3://.../cases.csv``), against moto's S3
server: the same stored cases and feature values as the same cohort on disk, a DICOM series with its
RTSTRUCT read from a prefix, a row whose object is missing an error row naming its URL while the others
run, and every problem of the storage one line that names the URL and no secret."""

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import requests

from radcore.cli import main
from radcore.daemons import home
from radcore.io import remote
from radcore.io.store import case_info, read_case
from tests.cohort_cases import CONFIG, write_good_case
from tests.reference import CT_PHANTOM_DICOM
from tests.s3_server import SECRET_KEY

NO_FIXED_PORT = ["--dashboard", "127.0.0.1:0"]
VARYING = ["extracted_at", "extraction_seconds"]
#: the manifest, the same text in the bucket and on disk: relative paths, resolved against where it is
MANIFEST = """case_id,image,mask,roi,site
case0,images/case0_image.nii.gz,images/case0_mask.nii.gz,,a
case1,images/case1_image.nii.gz,images/case1_mask.nii.gz,,b
case2,./images/../images/case2_image.nii.gz,images/case2_mask.nii.gz,,a
phantom,dicom/image/,dicom/mask/DCM_RS_00060.dcm,GTV-1,b
missing,images/missing_image.nii.gz,images/case0_mask.nii.gz,,a
"""
GOOD = ["case0", "case1", "case2", "phantom"]


@pytest.fixture(scope="module")
def disk_cohort(tmp_path_factory) -> Path:
    """The cohort on disk, laid out as in the bucket: ``cases.csv``, ``images/``, ``dicom/``."""
    folder = tmp_path_factory.mktemp("s3-inputs") / "cohort"
    (folder / "images").mkdir(parents=True)
    for i in range(3):
        write_good_case(folder / "images", f"case{i}", i)
    image_dir, rtstruct = CT_PHANTOM_DICOM
    shutil.copytree(image_dir, folder / "dicom" / "image")
    (folder / "dicom" / "mask").mkdir()
    shutil.copy(rtstruct, folder / "dicom" / "mask")
    (folder / "cases.csv").write_text(MANIFEST)
    (folder.parent / "settings.yaml").write_text(CONFIG)
    return folder


@pytest.fixture
def bucket_cohort(disk_cohort, s3) -> str:
    """The same cohort in the test's bucket; its manifest's URL."""
    s3.fs.put(str(disk_cohort), f"{s3.name}/cohort", recursive=True)
    return s3.url("cohort", "cases.csv")


def test_a_manifest_and_images_in_a_bucket_give_what_they_give_on_disk(disk_cohort, bucket_cohort, s3, cli_env,
                                                                       tmp_path, capsys):
    config = str(disk_cohort.parent / "settings.yaml")
    stores = {"disk": str(tmp_path / "disk.zarr"), "s3": str(tmp_path / "s3.zarr")}
    manifests = {"disk": str(disk_cohort / "cases.csv"), "s3": bucket_cohort}
    for where in ("disk", "s3"):
        assert main(["ingest", manifests[where], "--store", stores[where]]) == 1  # the missing case failed
    logs = capsys.readouterr()
    missing = s3.url("cohort", "images", "missing_image.nii.gz")
    assert f"case 'missing': ImageReadError: image {missing!r} does not exist" in logs.err, logs.err
    assert logs.out.count(": 4 written, 0 unchanged, 1 failed") == 2
    for case in GOOD:  # the same voxels, geometry and input digests
        on_disk, in_bucket = (case_info(stores[w], case) for w in ("disk", "s3"))
        assert on_disk.digests == in_bucket.digests and on_disk.voxel_counts == in_bucket.voxel_counts, case
        for a, b in zip(read_case(stores["disk"], case), read_case(stores["s3"], case)):
            assert np.array_equal(a.array, b.array) and a.spacing == b.spacing and a.origin == b.origin, case
    assert case_info(stores["s3"], "phantom").modality == "CT"

    # the run from the bucket ingests into a new store with an empty cache: its workers fetch the objects
    shutil.rmtree(home() / "cache")
    stores["s3"] = str(tmp_path / "run.zarr")
    frames = {}
    outs = {"disk": str(tmp_path / "out"), "s3": s3.url("out")}
    for where in ("disk", "s3"):
        assert main(["run", manifests[where], "--config", config, "--store", stores[where], "--out", outs[where],
                     "--workers", "2", "--batch-size", "2", *NO_FIXED_PORT]) == 1  # the missing case failed
        frames[where] = (pd.read_parquet(f"{outs[where]}/features").drop(columns=VARYING).sort_values("case_id")
                         .reset_index(drop=True))
    assert sorted(frames["s3"].case_id) == GOOD
    pd.testing.assert_frame_equal(frames["disk"], frames["s3"])  # exactly: every value, every column
    errors = pd.read_parquet(f"{outs['s3']}/errors")
    [reason] = errors.loc[errors.case_id == "missing", "reason"]
    assert errors.loc[errors.case_id == "missing", "stage"].item() == "read"
    assert reason == f"image {missing!r} does not exist"

    logs = capsys.readouterr()
    assert SECRET_KEY not in logs.out + logs.err
    assert f"every failure with its reason: {outs['s3']}/errors (settings_hash=" in logs.err, logs.err
    for key in s3.fs.find(f"{s3.name}/out"):  # nor in the dataset, the store or the cache
        assert SECRET_KEY.encode() not in s3.fs.cat_file(key), key
    cached = [p for p in (home() / "cache" / "objects").glob("*") if p.is_dir() and not p.name.startswith(".")]
    assert len(cached) == 2 * len(GOOD)  # the workers' cache holds each image and mask (of the good cases) once
    for path in [*Path(stores["s3"]).rglob("*"), *(home() / "cache").rglob("*")]:
        assert not path.is_file() or SECRET_KEY.encode() not in path.read_bytes(), path


def _ingest_line(manifest: str, tmp_path, capsys) -> list[str]:
    """What ``radcore ingest`` of ``manifest`` says on standard error, line by line (no secret in it)."""
    remote.forget_filesystems()
    main(["ingest", manifest, "--store", str(tmp_path / "store.zarr")])
    logs = capsys.readouterr()
    assert SECRET_KEY not in logs.out + logs.err and "Traceback" not in logs.err
    return [line for line in logs.err.splitlines() if "ingesting" not in line]


def test_each_problem_of_the_storage_is_one_line_naming_the_url(bucket_cohort, s3, cli_env, tmp_path, capsys,
                                                               monkeypatch):
    assert _ingest_line("s3://radcore-no-such-bucket/cases.csv", tmp_path, capsys) == [
        "radcore ingest: StorageError: s3://radcore-no-such-bucket/cases.csv: the bucket does not exist"]
    assert _ingest_line(s3.url("nowhere.csv"), tmp_path, capsys) == [
        f"radcore ingest: ManifestError: manifest {s3.url('nowhere.csv')!r} does not exist or is not a file"]
    assert _ingest_line("nofs://b/cases.csv", tmp_path, capsys) == [
        "radcore ingest: StorageError: nofs://b/cases.csv: nofs:// URLs need a file system that is not installed"]
    # a row of a scheme no file system serves is an error row of its own; the others are ingested
    s3.fs.pipe_file(f"{s3.name}/cohort/odd.csv", b"case_id,image,mask\ncase0,images/case0_image.nii.gz,"
                    b"images/case0_mask.nii.gz\nfar,nofs://b/ct.nii.gz,images/case0_mask.nii.gz\n"
                    b"gone,s3://radcore-no-such-bucket/ct.nii.gz,images/case0_mask.nii.gz\n")
    assert _ingest_line(s3.url("cohort", "odd.csv"), tmp_path, capsys) == [
        "case 'far': StorageError: nofs://b/ct.nii.gz: nofs:// URLs need a file system that is not installed",
        "case 'gone': StorageError: s3://radcore-no-such-bucket/ct.nii.gz: the bucket does not exist"]
    assert case_info(str(tmp_path / "store.zarr"), "case0").voxel_counts  # the good row was ingested

    with refused_credentials(s3.endpoint):  # the server now knows no key
        assert _ingest_line(bucket_cohort, tmp_path, capsys) == [
            f"radcore ingest: StorageError: {bucket_cohort}: the credentials were refused (wrong key or secret, or no "
            "permission)"]
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")  # no instance role to ask for either
    assert _ingest_line(bucket_cohort, tmp_path, capsys) == [
        f"radcore ingest: StorageError: {bucket_cohort}: no credentials found (set AWS_ACCESS_KEY_ID and "
        "AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or a role)"]


class refused_credentials:
    """moto's server checking signatures against the keys it issued (none) while the block runs, through its
    ``/moto-api/reset-auth`` switch (moto's ``INITIAL_NO_AUTH_ACTION_COUNT`` set to 0); then open again."""

    def __init__(self, endpoint: str):
        self.endpoint = endpoint

    def __enter__(self):
        requests.post(f"{self.endpoint}/moto-api/reset-auth", data=b"0", timeout=10).raise_for_status()

    def __exit__(self, *exc):
        requests.post(f"{self.endpoint}/moto-api/reset-auth", data=b"inf", timeout=10).raise_for_status()


def test_one_case_at_urls_gives_what_it_gives_on_disk(disk_cohort, bucket_cohort, s3):
    import radcore

    config = {"families": ["stat"]}
    names = ("images/case1_image.nii.gz", "images/case1_mask.nii.gz")
    from_disk = radcore.extract(*(str(disk_cohort / n) for n in names), config=config)
    assert radcore.extract(*(s3.url("cohort", n) for n in names), config=config) == from_disk


def test_a_dicom_series_and_its_seg_at_urls_give_what_they_give_on_disk(disk_cohort, bucket_cohort, s3, tmp_path):
    import SimpleITK as sitk

    import radcore
    from tests.radcore.io.test_seg import write_seg
    from tests.reference import CT_PHANTOM

    write_seg(tmp_path / "seg.dcm", [sitk.GetArrayFromImage(sitk.ReadImage(str(CT_PHANTOM[1]))) > 0])
    s3.fs.put_file(str(tmp_path / "seg.dcm"), f"{s3.name}/cohort/dicom/seg.dcm")
    config = {"families": ["stat"]}
    from_disk = radcore.extract(disk_cohort / "dicom" / "image", tmp_path / "seg.dcm", config=config)
    assert radcore.extract(s3.url("cohort", "dicom", "image/"), s3.url("cohort", "dicom", "seg.dcm"),
                           config=config) == from_disk
