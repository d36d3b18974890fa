"""The cohort store on object storage (``--store s3://...``), against moto's S3 server: a cohort whose
manifest, images, store and dataset are in a bucket gives the values it gives on disk, exactly; two runs ingesting one store at once and
an ingest killed midway leave every case whole; a worker fetches only the chunks around its ROI (counted
at the server)."""

import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import zarr

from radcore.cli import main
from radcore.io.images import Volume
from radcore.io.manifest import write_manifest
from radcore.io.store import list_cases, read_case, read_roi, write_case
from radcore.io.store.shards import box_chunk_bytes
from radcore_flows.cohort import CohortParameters, cohort_flow
from tests.cohort_cases import write_good_case
from tests.flows.test_cohort_faults import CONFIG, _Output, _radcore_run, _wait
from tests.flows.test_object_storage import _rows, api_env  # noqa: F401 (api_env: a fixture)
from tests.s3_server import SECRET_KEY

VARYING = ["extracted_at", "extraction_seconds"]
N_CASES = 6


@pytest.fixture(scope="module")
def cohort(tmp_path_factory):
    folder = tmp_path_factory.mktemp("s3-store-cohort")
    entries = [write_good_case(folder, f"case {i:02d}", i) for i in range(N_CASES)]
    write_manifest(entries, folder / "manifest.csv")
    (folder / "settings.yaml").write_text(CONFIG)
    return folder / "manifest.csv", folder / "settings.yaml"


def _features(out: str) -> pd.DataFrame:
    return pd.read_parquet(f"{out}/features").drop(columns=VARYING).sort_values("case_id").reset_index(drop=True)


def _run(**where) -> pd.DataFrame:
    summary = cohort_flow(CohortParameters(**where, workers=2, batch_size=2))
    assert summary.failed == 0 and summary.done == N_CASES, summary.failures
    return _features(where["out"])


def _bucket_manifest(manifest, s3) -> str:
    """The cohort's images and masks in the bucket, with a manifest beside them naming them relatively."""
    rows = pd.read_csv(manifest, dtype=str)
    for column in ("image", "mask"):
        for path in rows[column]:
            s3.fs.put_file(path, f"{s3.name}/cases/{Path(path).name}")
        rows[column] = [Path(path).name for path in rows[column]]
    s3.fs.pipe_file(f"{s3.name}/cases/manifest.csv", rows.to_csv(index=False).encode())
    return s3.url("cases", "manifest.csv")


def test_a_cohort_stored_in_a_bucket_has_the_values_it_has_on_disk(prefect_backend, cohort, s3, s3_traffic, tmp_path,
                                                                   capsys):
    """Manifest, images, store and dataset in the bucket against all of them on disk."""
    manifest, config = cohort
    disk, bucket = tmp_path / "cohort.zarr", s3.url("cohort.zarr")
    on_disk = _run(manifest=str(manifest), store=str(disk), config=str(config), out=str(tmp_path / "out"))
    in_bucket = _bucket_manifest(manifest, s3)
    assert main(["ingest", in_bucket, "--store", bucket]) == 0
    assert f"{bucket}: {N_CASES} written, 0 unchanged, 0 failed" in capsys.readouterr().out
    s3.fs.invalidate_cache()
    objects = [key.split("/cohort.zarr/", 1)[1] for key in s3.fs.find(f"{s3.name}/cohort.zarr")]
    assert len(objects) == sum(1 for p in disk.rglob("*") if p.is_file())
    for relative in objects:  # the same shards as the files of the store on disk (the sources differ)
        if "/c/" in relative:
            assert s3.fs.cat_file(f"{s3.name}/cohort.zarr/{relative}") == (disk / relative).read_bytes(), relative
    # every case is current in the bucket: the workers read it from there
    s3_traffic.clear()
    from_bucket = _run(manifest=in_bucket, store=bucket, config=str(config), out=s3.url("out"))
    shards_read = {path.split("/cohort.zarr/")[1].split("/")[0] for path, _ in s3_traffic.gets
                   if "/cohort.zarr/" in path and "/c/" in path}
    assert len(shards_read) == N_CASES
    pd.testing.assert_frame_equal(on_disk, from_bucket)  # exactly: every value, every column
    assert SECRET_KEY not in capsys.readouterr().err


def test_two_runs_ingesting_one_store_in_a_bucket_at_once_leave_every_case_whole(cohort, s3, request):
    """Both runs ingest the same cases into the same store (their workers, and ahead of their batches) and
    write one dataset: every case once in each."""
    manifest, config = cohort
    store, out, env = s3.url("cohort.zarr"), s3.url("out"), request.getfixturevalue("api_env")
    runs = [_radcore_run(manifest, config, out, env, "--workers", "1", "--store", store) for _ in range(2)]
    logs = [_Output(run) for run in runs]
    for run in runs:
        run.wait(timeout=600)
    texts = [log.text() for log in logs]
    assert [run.returncode for run in runs] == [0, 0], texts
    cases = sorted(f"case {i:02d}" for i in range(N_CASES))
    assert _rows(out) == [(case, 1) for case in cases]
    assert list_cases(store) == cases
    for case in cases:  # whole: every shard there and readable
        image, mask = read_case(store, case)
        assert mask.array.any() and image.array.shape == mask.array.shape


def test_an_ingest_killed_midway_leaves_no_half_case_and_its_rerun_finishes(cohort, s3):
    manifest, _ = cohort
    store = s3.url("cohort.zarr")
    ingest = subprocess.Popen([sys.executable, "-m", "radcore.cli", "ingest", str(manifest), "--store", store],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # the S3 server's environment
    _wait(lambda: len(s3.fs.find(f"{s3.name}/cohort.zarr", refresh=True)) >= 12, what="a case and a half")
    ingest.send_signal(signal.SIGKILL)
    ingest.wait()
    cases = sorted(f"case {i:02d}" for i in range(N_CASES))
    published = list_cases(store)
    assert len(published) < N_CASES
    for case in published:
        assert read_case(store, case)[1].array.any()
    assert main(["ingest", str(manifest), "--store", store]) == 0
    assert list_cases(store) == cases
    for case in cases:
        assert read_case(store, case)[1].array.any()


def _bytes_or_none(path):
    return path.read_bytes() if path.exists() else None


def _roi_chunk_bytes(folder, box) -> tuple[int, int, int]:
    """From a store's array on disk: the compressed bytes of the chunks ``box`` touches, the bytes of the
    indexes of their shards, and the bytes of all its shards."""
    array = zarr.open_array(str(folder), mode="r")
    chunk_bytes, index_bytes = box_chunk_bytes(array, box, lambda key: _bytes_or_none(folder / key))
    return chunk_bytes, index_bytes, sum(p.stat().st_size for p in (folder / "c").rglob("*") if p.is_file())


def test_a_worker_fetches_only_the_chunks_around_its_roi(s3, s3_traffic, tmp_path):
    rng = np.random.default_rng(7)
    shape = (128, 512, 512)  # a CT's slab: 2 shards of 64 slices, 64 chunks each
    image = (rng.normal(0.0, 60.0, shape) - 800).astype(np.int16)
    mask = np.zeros(shape, np.uint8)
    mask[70:90, 200:230, 260:300] = 1  # with its margin (z 65-95, y 195-235, x 255-305): 2 chunks of one slab
    geometry = dict(spacing=(1.0, 1.0, 1.0), origin=(0.0, 0.0, 0.0), direction=(1, 0, 0, 0, 1, 0, 0, 0, 1))
    write_case(tmp_path / "s.zarr", "ct", Volume(image, **geometry), Volume(mask, **geometry))
    write_case(s3.url("s.zarr"), "ct", Volume(image, **geometry), Volume(mask, **geometry))
    s3_traffic.clear()
    roi_image, roi_mask = read_roi(s3.url("s.zarr"), "ct", 1, margin_mm=5.0)
    box = tuple(slice(o, o + n) for o, n in zip(roi_image.offset, roi_image.array.shape))
    assert np.array_equal(roi_image.array, image[box]) and roi_mask.array.sum() == 20 * 30 * 40
    expected = {"0": _roi_chunk_bytes(tmp_path / "s.zarr" / "ct" / "0", box),
                "labels/mask/0": _roi_chunk_bytes(tmp_path / "s.zarr" / "ct" / "labels" / "mask" / "0", box)}
    fetched = {"0": 0, "labels/mask/0": 0}
    documents = 0
    for path, size in s3_traffic.gets:
        array = path.split("/ct/", 1)[-1].rsplit("/c/", 1)[0]
        if "/c/" in path:
            fetched[array] += size
        else:
            assert path.endswith("zarr.json"), path
            documents += size
    for array, (chunk_bytes, index_bytes, whole) in expected.items():
        assert fetched[array] == chunk_bytes + index_bytes, array  # the ROI's chunks and their shard's index
    image_chunks, _, image_whole = expected["0"]
    assert fetched["0"] < image_whole / 10
    assert documents < 10_000 and s3_traffic.requests["HEAD"] == 0
    # the GETs: the store's, the case's and each array's zarr.json; per array its shard's index and the
    # chunks the box touches: 2 of the image, 1 of the mask (its other chunk, margin only, holds no label:
    # it is not stored, as Zarr stores no chunk of fill values, and reads as 0)
    assert s3_traffic.requests["GET"] == 4 + (1 + 2) + (1 + 1), s3_traffic.gets
