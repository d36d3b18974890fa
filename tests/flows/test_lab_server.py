"""A lab's shared set-up (docs/lab-server.md), for real: PostgreSQL, a Prefect server on it, radcore's
deployment on a ``process`` work pool, a ``prefect worker`` that runs what the UI launches. Runs are
launched as the UI's Run button launches them (the deployment's ``create_flow_run``)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from tests.cohort_cases import CONFIG, write_cohort
from tests.flows.lab import LabServer, Postgres, Process, api_call, final_state, launch

RADCORE = [sys.executable, "-c", "from radcore.cli import console; console()"]
POOL = "radcore-lab"


@pytest.fixture(scope="module")
def postgres():
    server = Postgres()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def lab(postgres, tmp_path_factory):
    """The lab's server, and the environment of a lab member whose PREFECT_API_URL names it."""
    folder = tmp_path_factory.mktemp("lab")
    base = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "RADCORE_"))}
    base["PYTHONPATH"] = os.pathsep.join([str(Path(__file__).parents[2]), os.environ.get("PYTHONPATH", "")])
    server = LabServer(postgres, folder, base)
    (folder / "home").mkdir()
    member = {**base, "HOME": str(folder / "home"), "RADCORE_HOME": str(folder / "radcore-home"),
              "PREFECT_API_URL": server.api}
    yield server, member, folder
    server.stop()


@pytest.fixture(scope="module")
def worker(lab):
    """``radcore deploy --pool`` then a ``prefect worker`` on that pool, as a lab member starts them."""
    server, member, folder = lab
    deployed = subprocess.run([*RADCORE, "deploy", "--pool", POOL], env=member, capture_output=True, text=True,
                              timeout=300, check=False)
    assert deployed.returncode == 0, deployed.stdout + deployed.stderr
    cwd = folder / "worker-cwd"
    cwd.mkdir()
    process = Process([sys.executable, "-m", "prefect", "worker", "start", "--pool", POOL], member,
                      folder / "worker.log", cwd=cwd)
    yield deployed.stdout, process
    process.stop()


def _rows(out: Path) -> list[tuple[int, int]]:
    return duckdb.sql(f"select count(*), count(distinct case_id) from read_parquet('{out}/features/**/*.parquet', "
                      "hive_partitioning=true)").fetchall()


def test_the_deployment_is_on_the_pool_of_the_lab_server(lab, worker):
    server, _, _ = lab
    printed, _ = worker
    assert f"radcore deploy: Prefect: the Prefect API at {server.api}" in printed
    assert f"on work pool '{POOL}'" in printed and f"`prefect worker start --pool {POOL}`" in printed
    deployment = api_call(server.api, "GET", "/deployments/name/radcore-cohort/radcore-cohort")
    assert deployment["work_pool_name"] == POOL
    assert api_call(server.api, "GET", f"/work_pools/{POOL}")["type"] == "process"
    assert "postgresql" in server.env["PREFECT_API_DATABASE_CONNECTION_URL"]


def test_runs_launched_at_once_on_two_datasets_and_twice_on_one_all_complete_each_case_once(lab, worker, tmp_path):
    server, _, _ = lab
    config = tmp_path / "config.yaml"
    config.write_text(CONFIG)
    forms = {}
    for name in ("a", "b", "c"):
        manifest, cases, _ = write_cohort(tmp_path / f"cohort-{name}", 3, broken=False)
        forms[name] = {"manifest": str(manifest), "config": str(config), "out": str(tmp_path / f"out-{name}"),
                       "workers": 1, "dashboard": "off", "qc_pictures": False}
    runs = [launch(server.api, "radcore-cohort", forms[name]) for name in ("a", "b", "c", "c")]
    states = [final_state(server.api, run, timeout=900) for run in runs]
    assert [s["type"] for s in states] == ["COMPLETED"] * 4, states
    for run in runs:  # each ran on a worker of the pool, not in a serving process
        assert api_call(server.api, "GET", f"/flow_runs/{run}")["work_pool_name"] == POOL
    for name in ("a", "b", "c"):
        assert _rows(tmp_path / f"out-{name}") == [(3, 3)], name  # every case once, also where two runs met
    summaries = [_summary(server.api, run) for run in runs[2:]]
    assert sorted((s["cases done"], s["skipped (done before)"]) for s in summaries) == [(0, 3), (3, 0)]


def _summary(api: str, flow_run_id: str) -> dict:
    """The run's summary table artifact (radcore-cohort-summary), its one row."""
    import json

    (artifact,) = api_call(api, "POST", "/artifacts/filter", {"artifacts": {
        "flow_run_id": {"any_": [flow_run_id]}, "key": {"any_": ["radcore-cohort-summary"]}}})
    data = artifact["data"]
    rows = json.loads(data) if isinstance(data, str) else data
    return rows[0]


def test_a_scheduled_deployment_over_a_growing_manifest_does_only_the_new_rows(lab, worker, tmp_path):
    server, member, _ = lab
    manifest, _, _ = write_cohort(tmp_path / "cohort", 2, broken=False)
    grown, _, _ = write_cohort(tmp_path / "tonight", 3, broken=False)  # case00..case02: one more patient
    config = tmp_path / "config.yaml"
    config.write_text(CONFIG)
    out = tmp_path / "out"
    deployed = subprocess.run(
        [*RADCORE, "deploy", "--pool", POOL, "--name", "nightly", "--cron", "* * * * *",
         "--param", f"manifest={manifest}", "--param", f"config={config}", "--param", f"out={out}",
         "--param", "workers=1", "--param", "dashboard=off", "--param", "qc_pictures=false"],
        env=member, capture_output=True, text=True, timeout=300, check=False)
    assert deployed.returncode == 0 and "scheduled '* * * * *'" in deployed.stdout, deployed.stdout + deployed.stderr
    deployment = api_call(server.api, "GET", "/deployments/name/radcore-cohort/nightly")

    first = _next_scheduled_run(server.api, deployment["id"], since=0.0)
    assert final_state(server.api, first, timeout=600)["type"] == "COMPLETED"
    assert _rows(out) == [(2, 2)]
    grown_at = time.time()
    _grow(manifest, grown)  # tonight's new patient
    second = _next_scheduled_run(server.api, deployment["id"], since=grown_at)
    assert final_state(server.api, second, timeout=600)["type"] == "COMPLETED"
    assert _rows(out) == [(3, 3)]
    summary = _summary(server.api, second)
    assert (summary["cases done"], summary["skipped (done before)"]) == (1, 2)
    logs = api_call(server.api, "POST", "/logs/filter", {"logs": {"flow_run_id": {"any_": [second]}}})
    assert any(": 3 cases/labels, 2 already done, 1 to run" in log["message"] for log in logs), logs
    api_call(server.api, "PATCH", f"/deployments/{deployment['id']}", {"paused": True})


def _grow(manifest: Path, grown: Path) -> None:
    """``manifest`` with the rows of ``grown`` it lacks appended (image and mask paths made absolute)."""
    import csv

    with manifest.open() as fh:
        have = {row["case_id"] for row in csv.DictReader(fh)}
    with grown.open() as fh:
        rows = [row for row in csv.DictReader(fh) if row["case_id"] not in have]
    with manifest.open("a", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        for row in rows:
            writer.writerow({**row, "image": str(grown.parent / row["image"]),
                             "mask": str(grown.parent / row["mask"])})


def _next_scheduled_run(api: str, deployment_id: str, since: float, timeout: float = 300) -> str:
    """The first run the schedule started at ``since`` (seconds since the epoch) or later."""
    from datetime import datetime

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        runs = api_call(api, "POST", "/flow_runs/filter", {
            "flow_runs": {"deployment_id": {"any_": [deployment_id]}}, "sort": "START_TIME_DESC"})
        started = sorted((datetime.fromisoformat(r["start_time"]).timestamp(), r["id"]) for r in runs
                         if r["start_time"] and datetime.fromisoformat(r["start_time"]).timestamp() >= since)
        if started:
            return started[0][1]
        time.sleep(2)
    raise AssertionError("the schedule started no run")


#: cases big enough that a run is still extracting when it is cancelled or its server killed
SLOW_CONFIG = "families: [stat, glcm, glszm]\n"
#: cases of the slow cohort: enough that a run cancelled after its first batches cannot finish them all while
#: the cancellation reaches its workers (13.2 s in one CI run, in which 22 batches of this cohort were written
#: meanwhile: a cohort of 24 was then all done)
SLOW_CASES = 60


def _slow_cohort(folder: Path, n: int = SLOW_CASES) -> Path:
    from radcore.io.manifest import write_manifest
    from tests.cohort_cases import write_good_case

    folder.mkdir(parents=True)
    entries = [write_good_case(folder, f"case{i:02d}", i, shape=(32, 112, 112)) for i in range(n)]
    write_manifest(entries, folder / "manifest.csv")
    return folder / "manifest.csv"


def _batch_files(out: Path) -> list[Path]:
    return sorted(p for p in (out / "features").rglob("*.parquet")) if (out / "features").exists() else []


def _wait_for_batches(out: Path, n: int, timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    while len(_batch_files(out)) < n:
        assert time.monotonic() < deadline, f"fewer than {n} batches written in {timeout:.0f} s"
        time.sleep(0.2)


def _descendants(pid: int) -> list:
    import psutil

    return psutil.Process(pid).children(recursive=True)


def _slow_run(tmp_path):
    """The output folder and the form of a run of the slow cohort: one worker, one case per batch."""
    manifest = _slow_cohort(tmp_path / "cohort")
    config = tmp_path / "config.yaml"
    config.write_text(SLOW_CONFIG)
    out = tmp_path / "out"
    return out, {"manifest": str(manifest), "config": str(config), "out": str(out), "workers": 1,
                 "batch_size": 1, "dashboard": "off", "qc_pictures": False}


def test_a_cancelled_run_stops_its_dask_tasks_and_a_new_run_finishes_the_rest_once(lab, worker, tmp_path):
    server, _, _ = lab
    _, worker_process = worker
    out, form = _slow_run(tmp_path)
    run = launch(server.api, "radcore-cohort", form)
    _wait_for_batches(out, 2)
    api_call(server.api, "POST", f"/flow_runs/{run}/set_state",
             {"state": {"type": "CANCELLING", "name": "Cancelling"}, "force": True})
    cancelled_at = time.monotonic()
    assert final_state(server.api, run, timeout=120)["type"] == "CANCELLED"
    while _descendants(worker_process.proc.pid) and time.monotonic() - cancelled_at < 30:
        time.sleep(0.2)
    stopped = time.monotonic() - cancelled_at
    assert _descendants(worker_process.proc.pid) == [], "the run's processes outlived its cancellation"
    print(f"cancelled: flow run and its Dask workers gone {stopped:.1f} s after the cancel; "
          f"{len(_batch_files(out))} of {SLOW_CASES} batches written")
    written = _batch_files(out)
    time.sleep(5)
    assert _batch_files(out) == written and 2 <= len(written) < SLOW_CASES  # nothing written after; not all done
    assert duckdb.sql(f"select count(*) from read_parquet('{out}/features/**/*.parquet')").fetchall()[0][0] == len(
        written)  # one case per batch, each file whole

    again = launch(server.api, "radcore-cohort", form)
    assert final_state(server.api, again, timeout=900)["type"] == "COMPLETED"
    assert _rows(out) == [(SLOW_CASES, SLOW_CASES)]
    summary = _summary(server.api, again)
    assert summary["skipped (done before)"] == len(written) and summary["cases done"] == SLOW_CASES - len(written)


def test_a_server_killed_mid_run_loses_no_feature_and_a_rerun_completes_once(lab, worker, tmp_path):
    """Last in this file: it kills the lab's server (and starts it again)."""
    server, member, folder = lab
    _, worker_process = worker
    out, form = _slow_run(tmp_path)
    launch(server.api, "radcore-cohort", form)
    _wait_for_batches(out, 2)
    before = set(_batch_files(out))
    server.stop(signal.SIGKILL)
    killed_at = time.monotonic()
    while _descendants(worker_process.proc.pid) and time.monotonic() - killed_at < 600:
        time.sleep(1)
    assert _descendants(worker_process.proc.pid) == [], "the run hung without its server"
    after = set(_batch_files(out))
    print(f"server killed: the run's process ended {time.monotonic() - killed_at:.0f} s later, "
          f"{len(before)} batches written before, {len(after)} after")
    assert before <= after  # nothing computed was lost
    whole = duckdb.sql(f"select count(*) from read_parquet('{out}/features/**/*.parquet')").fetchall()[0][0]
    assert whole == len(after)  # one case per batch, each file whole

    server.start()
    if worker_process.proc.poll() is not None:  # the worker gave up without its server: a lab restarts it
        worker_process = Process([sys.executable, "-m", "prefect", "worker", "start", "--pool", POOL], member,
                                 folder / "worker-again.log", cwd=folder / "worker-cwd")
    try:
        again = launch(server.api, "radcore-cohort", form)
        assert final_state(server.api, again, timeout=900)["type"] == "COMPLETED"
    finally:
        if worker_process is not worker[1]:
            worker_process.stop()
    assert _rows(out) == [(SLOW_CASES, SLOW_CASES)]
    summary = _summary(server.api, again)
    assert (summary["skipped (done before)"], summary["cases done"]) == (len(after), SLOW_CASES - len(after))
