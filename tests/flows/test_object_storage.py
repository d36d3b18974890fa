"""Cohort runs whose dataset is on object storage (``--out s3://...``), against moto's S3 server: the same
values as on disk, the README's queries, the report and compaction, and the faults of the local dataset
(a run killed and run again, two runs at once) with every case exactly once."""

import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from radcore.cli import main
from radcore.io import remote
from radcore.io.config import load_settings
from radcore.io.manifest import write_manifest
from radcore.settings import settings_hash
from radcore_flows.cohort import CohortParameters, cohort_flow
from tests.cohort_cases import write_good_case
from tests.flows.test_cohort_faults import (  # noqa: F401 (external_cluster: a fixture)
    CONFIG, N_CASES, _Output, _radcore_run, _wait, external_cluster,
)
from tests.s3_server import SECRET_KEY

VARYING = ["extracted_at", "extraction_seconds"]
DOCS = Path(__file__).parents[2] / "docs" / "object-storage.md"


def _query(out: str, sql: str) -> list[tuple]:
    """The README's DuckDB query, with the bucket's file system registered (no httpfs extension)."""
    features = f"read_parquet('{out}/features/**/*.parquet', hive_partitioning=true, union_by_name=true)"
    return remote.duckdb_connection(out).sql(sql.format(features=features)).fetchall()


def _rows(out: str) -> list[tuple]:
    return sorted(_query(out, "select case_id, label from {features}"))


def _batch_objects(s3) -> int:
    s3.fs.invalidate_cache()
    return len(s3.fs.glob(f"{s3.name}/out/features/*/batch-*.parquet"))


@pytest.fixture(scope="module")
def cohort(tmp_path_factory):
    folder = tmp_path_factory.mktemp("s3-cohort")
    entries = [write_good_case(folder, f"case {i:02d}", i) for i in range(N_CASES)]
    write_manifest(entries, folder / "manifest.csv")
    (folder / "settings.yaml").write_text(CONFIG)
    return folder / "manifest.csv", folder / "settings.yaml", sorted((e.case_id, 1) for e in entries)


def test_a_cohort_on_object_storage_has_the_values_it_has_on_disk(prefect_backend, cohort, s3, tmp_path, capsys):
    manifest, config, expected = cohort
    store = str(tmp_path / "cohort.zarr")
    frames = []
    for out in (str(tmp_path / "out"), s3.url("out")):
        summary = cohort_flow(CohortParameters(manifest=str(manifest), config=str(config), out=out, store=store,
                                               workers=2, batch_size=4))
        assert summary.failed == 0 and summary.done == len(expected), summary.failures
        frames.append(pd.read_parquet(f"{out}/features").drop(columns=VARYING).sort_values("case_id")
                      .reset_index(drop=True))
    pd.testing.assert_frame_equal(frames[0], frames[1])  # exactly: every value, every column
    out = s3.url("out")
    assert _rows(out) == expected
    h = settings_hash(load_settings(str(config)))
    assert _query(out, f"select count(*) from {{features}} where settings_hash = '{h}'") == [(len(expected),)]

    example = DOCS.read_text().split("```python\n", 1)[1].split("```", 1)[0]  # the page's query, as written
    capsys.readouterr()
    exec(example.replace("s3://my-lab/sarcoma/results", out), {})
    assert re.search(rf"{h}\s*│\s*{len(expected)}\s*│", capsys.readouterr().out)  # the hash and its 16 rows

    assert main(["report", out]) == 0
    assert b"radcore cohort report" in s3.fs.cat_file(f"{s3.name}/out/report.html")
    assert main(["compact", out]) == 0
    assert "batch files rewritten as 1 sorted files" in capsys.readouterr().out
    assert _rows(out) == expected and not _batch_objects(s3)
    for key in s3.fs.find(s3.name):  # no secret in the dataset, the report or versions.json
        assert SECRET_KEY.encode() not in s3.fs.cat_file(key), key
    assert SECRET_KEY not in capsys.readouterr().out


@pytest.fixture
def api_env(prefect_backend, s3):
    """The environment of a subprocess: the session's Prefect server, the S3 server, a short lease."""
    import os

    from prefect.settings import PREFECT_API_URL

    return {**os.environ, "PREFECT_API_URL": PREFECT_API_URL.value(), "RADCORE_LEASE_SECONDS": "3"}


@pytest.mark.parametrize("where", ["local cluster", "external cluster"])
def test_a_run_killed_halfway_and_run_again_does_every_case_once(cohort, s3, api_env, tmp_path, request, where):
    """On an external cluster the killed run's tasks outlive it: its late batches find their names fenced."""
    manifest, config, expected = cohort
    out = s3.url("out")
    extra = ["--workers", "2", "--store", str(tmp_path / "cohort.zarr")]
    if where == "external cluster":
        extra[:2] = ["--scheduler", request.getfixturevalue("external_cluster").address]
    first = _radcore_run(manifest, config, out, api_env, *extra)
    _wait(lambda: _batch_objects(s3) >= 2, what="two batches")
    first.send_signal(signal.SIGKILL)
    first.wait()
    done_before = _batch_objects(s3)
    assert 0 < done_before < N_CASES
    again = _radcore_run(manifest, config, out, api_env, *extra)
    log, _ = again.communicate(timeout=600)
    assert again.returncode == 0, log
    time.sleep(3.0)  # let late batches of the killed run finish: they must not add rows
    assert _rows(out) == expected, log  # every case exactly once
    assert SECRET_KEY not in log


def test_two_runs_on_one_dataset_at_once_do_every_case_once(cohort, s3, api_env, tmp_path):
    manifest, config, expected = cohort
    out = s3.url("out")
    runs = [_radcore_run(manifest, config, out, api_env, "--workers", "1", "--store", str(tmp_path / f"s{i}.zarr"))
            for i in range(2)]
    logs = [_Output(run) for run in runs]
    for run in runs:
        run.wait(timeout=600)
    texts = [log.text() for log in logs]
    assert [run.returncode for run in runs] == [0, 0], texts
    assert _rows(out) == expected
    assert any("another run is writing settings" in text for text in texts), texts


def test_an_output_bucket_that_does_not_exist_is_one_line(cohort, s3, api_env):
    manifest, config, _ = cohort
    run = subprocess.run([sys.executable, "-m", "radcore.cli", "run", str(manifest), "--config", str(config),
                          "--out", "s3://radcore-no-such-bucket/out"], env=api_env, capture_output=True, text=True,
                         timeout=300)
    assert run.returncode != 0
    assert "s3://radcore-no-such-bucket/out: the bucket does not exist" in run.stderr, run.stderr
    assert "Traceback" not in run.stderr
