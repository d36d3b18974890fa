"""Cohorts on a real SLURM (the one-node SLURM of :mod:`tests.slurm_cluster`), as an HPC user runs them.

``radcore run --cluster slurm --jobs 2`` submits its workers as SLURM jobs and cancels them at the end; the
same from the Prefect form's fields with a worker job ``scancel``-led mid-run, and with the node failing
mid-run and coming back (its jobs replaced); the batch job a user copies
(``infra/slurm/radcore.sbatch``) submitted as it is; and a job that cannot start (an unknown partition, a
partition that never starts it) said in one line. Every case exactly once, no job left in the queue.

The scheduler and the workers listen on 127.0.0.1 (``--job-interface lo``, the workers' HTTP server
through ``--cluster-config``), every port chosen by the system.
"""

import os
import re
import subprocess
import threading
import time
from pathlib import Path

import duckdb
import pytest

from radcore.cli import main
from radcore.io.manifest import write_manifest
from tests.cohort_cases import write_good_case
from tests.flows.test_cohort_faults import _wait
from tests.slurm_cluster import DOWN_PARTITION

N_CASES = 14
CONFIG = "families: [stat, glcm, glrlm]\n"
RECIPE = Path(__file__).parents[2] / "infra" / "slurm" / "radcore.sbatch"
#: dask-jobqueue keyword arguments of the tests' jobs: the workers' HTTP server on 127.0.0.1 only
CLUSTER_CONFIG = "worker_extra_args: [--dashboard-address, '127.0.0.1:0']\n"


@pytest.fixture(scope="module")
def cohort(tmp_path_factory):
    folder = tmp_path_factory.mktemp("slurm-cohort")
    entries = [write_good_case(folder, f"case {i:02d}", i) for i in range(N_CASES)]
    write_manifest(entries, folder / "manifest.csv")
    (folder / "settings.yaml").write_text(CONFIG)
    (folder / "jobqueue.yaml").write_text(CLUSTER_CONFIG)
    return folder, sorted((e.case_id, 1) for e in entries)


def _job_options(folder: Path, jobs: int = 2) -> list[str]:
    return ["--cluster", "slurm", "--jobs", str(jobs), "--job-memory", "1GB", "--job-interface", "lo",
            "--cluster-config", str(folder / "jobqueue.yaml"), "--dashboard", "127.0.0.1:0"]


def _rows(out) -> list[tuple]:
    return sorted(duckdb.sql(f"select case_id, label from read_parquet('{out}/features/**/*.parquet', "
                             "hive_partitioning=true, union_by_name=true)").fetchall())


def _batch_files(out) -> int:
    return len(list((Path(out) / "features").rglob("batch-*.parquet")))


def test_a_cohort_on_two_slurm_jobs_runs_every_case_once(slurm, cli_env, cohort, tmp_path, capsys):
    folder, expected = cohort
    out = tmp_path / "out"
    status = main(["run", str(folder / "manifest.csv"), "--config", str(folder / "settings.yaml"), "--out", str(out),
                   "--batch-size", "2", *_job_options(folder)])
    err = capsys.readouterr().err
    assert status == 0, err
    assert _rows(out) == expected  # every case exactly once
    jobs = re.search(r"radcore: workers: 2 SLURM jobs \(([\d, ]+)\)", err)
    assert jobs, err
    for job in jobs.group(1).split(", "):  # the workers ran in those jobs, and reached the scheduler
        assert "Registered to:" in (tmp_path / f"slurm-{job}.out").read_text()
    _wait(lambda: not slurm.jobs(), 30, "the jobs to leave the queue")  # cancelled at the end


def test_a_worker_job_cancelled_mid_run_loses_no_case(slurm, cli_env, cohort, tmp_path):
    """From the Prefect form's fields (the flow submits the jobs): one of the two jobs ``scancel``-led once
    batches land; its batches run again on the other (and on the job replacing it)."""
    from radcore_flows.cohort import CohortParameters, cohort_flow

    folder, expected = cohort
    out = tmp_path / "out"
    cancelled: list[str] = []

    def cancel_one():
        _wait(lambda: len(slurm.running()) == 2 and _batch_files(out) >= 2, what="two running jobs and two batches")
        job = slurm.running()[0]
        assert slurm.run(["scancel", job]).returncode == 0
        cancelled.append(job)

    canceller = threading.Thread(target=cancel_one, daemon=True)
    canceller.start()
    summary = cohort_flow(CohortParameters(
        manifest=str(folder / "manifest.csv"), config=str(folder / "settings.yaml"), out=str(out), batch_size=1,
        cluster="slurm", jobs=2, job_memory="1GB", job_interface="lo", cluster_config=str(folder / "jobqueue.yaml"),
        dashboard="127.0.0.1:0"))
    canceller.join(timeout=60)
    assert cancelled, "no job was cancelled mid-run"
    assert "CANCELLED" in (tmp_path / f"slurm-{cancelled[0]}.out").read_text()
    assert _rows(out) == expected  # every case exactly once
    assert summary.failed == 0, summary.failures
    _wait(lambda: not slurm.jobs(), 30, "the jobs to leave the queue")


def test_a_node_that_fails_mid_run_and_comes_back_loses_no_case(slurm, cli_env, cohort, tmp_path):
    """The node set DOWN once batches land (SLURM kills its jobs), then back (RESUMEd, or brought back by its
    slurmd: ReturnToService=2): the lost jobs are replaced, the replacements start when the node is back,
    and every case is written once."""
    from radcore_flows.cohort import CohortParameters, cohort_flow

    folder, expected = cohort
    out = tmp_path / "out"
    node = slurm.node.split()[0].removeprefix("NodeName=")
    failed: list[str] = []

    def fail_and_resume():
        _wait(lambda: len(slurm.running()) == 2 and _batch_files(out) >= 2, what="two running jobs and two batches")
        assert slurm.run(["scontrol", "update", f"nodename={node}", "state=down", "reason=test"]).returncode == 0
        failed.extend(job for job, _, _ in slurm.jobs())
        _wait(lambda: not slurm.running(), 60, "the node's jobs to end")
        time.sleep(6.0)  # the jobs' workers are lost (radcore.cohort.jobqueue.LOST_AFTER_SECONDS) meanwhile
        if "down" in slurm.run(["sinfo", "-h", "-N", "-o", "%t"]).stdout:  # (slurmd may have brought it back)
            slurm.run(["scontrol", "update", f"nodename={node}", "state=resume"])

    failing = threading.Thread(target=fail_and_resume, daemon=True)
    failing.start()
    try:
        summary = cohort_flow(CohortParameters(
            manifest=str(folder / "manifest.csv"), config=str(folder / "settings.yaml"), out=str(out), batch_size=1,
            cluster="slurm", jobs=2, job_memory="1GB", job_interface="lo",
            cluster_config=str(folder / "jobqueue.yaml"), dashboard="127.0.0.1:0"))
    finally:
        failing.join(timeout=120)
        if "down" in slurm.run(["sinfo", "-h", "-N", "-o", "%t"]).stdout:
            slurm.run(["scontrol", "update", f"nodename={node}", "state=resume"])
    assert failed, "the node did not fail mid-run"
    replacements = {p.name for p in tmp_path.glob("slurm-*.out")} - {f"slurm-{job}.out" for job in failed}
    assert replacements  # the jobs that ran the rest
    assert _rows(out) == expected  # every case exactly once
    assert summary.failed == 0, summary.failures
    _wait(lambda: not slurm.jobs(), 30, "the jobs to leave the queue")


def _one_error_line(err: str, error: str) -> str:
    assert "Traceback" not in err, err
    lines = [line for line in err.splitlines() if error in line]
    assert len(lines) == 1, err
    return lines[0]


def test_an_unknown_partition_is_one_line(slurm, cli_env, cohort, tmp_path, capsys):
    folder, _ = cohort
    start = time.monotonic()
    status = main(["run", str(folder / "manifest.csv"), "--config", str(folder / "settings.yaml"),
                   "--out", str(tmp_path / "out"), *_job_options(folder), "--queue", "nowhere"])
    assert status == 2
    line = _one_error_line(capsys.readouterr().err, "ClusterError")
    assert "invalid partition specified: nowhere" in line, line
    assert time.monotonic() - start < 60
    assert not slurm.jobs()


def test_a_job_that_never_starts_times_out_in_one_line(slurm, cli_env, cohort, tmp_path, capsys):
    folder, _ = cohort
    status = main(["run", str(folder / "manifest.csv"), "--config", str(folder / "settings.yaml"),
                   "--out", str(tmp_path / "out"), *_job_options(folder), "--queue", DOWN_PARTITION,
                   "--job-start-timeout", "3"])
    assert status == 2
    line = _one_error_line(capsys.readouterr().err, "ClusterError")
    assert "no worker job started within 3 s" in line and "PENDING (PartitionDown)" in line, line
    _wait(lambda: not slurm.jobs(), 30, "the pending jobs to be cancelled")


@pytest.mark.parametrize("jobs", [1, 0], ids=["worker jobs", "workers in the allocation"])
def test_the_sbatch_recipe_runs_the_cohort(slurm, prefect_backend, cohort, tmp_path, jobs):
    """``infra/slurm/radcore.sbatch`` submitted as it is, its variables given at submission: the flow in a
    batch job, with a worker job of its own (the node's second core), or a local cluster in its allocation."""
    from prefect.settings import PREFECT_API_URL

    folder, expected = cohort
    out = tmp_path / "out"
    env = {**os.environ, "PREFECT_API_URL": PREFECT_API_URL.value(), "RADCORE_MANIFEST": str(folder / "manifest.csv"),
           "RADCORE_CONFIG": str(folder / "settings.yaml"), "RADCORE_OUT": str(out), "RADCORE_JOBS": str(jobs),
           "RADCORE_JOB_CORES": "1", "RADCORE_JOB_MEMORY": "1GB", "RADCORE_WALLTIME": "00:10:00",
           "RADCORE_JOB_OPTIONS": f"--job-interface lo --cluster-config {folder / 'jobqueue.yaml'}"}
    submitted = subprocess.run(["sbatch", "--parsable", str(RECIPE)], env=env, capture_output=True,
                               text=True)
    assert submitted.returncode == 0, submitted.stderr
    job = submitted.stdout.strip()
    _wait(lambda: job not in {j for j, _, _ in slurm.jobs()}, 240, "the batch job to end")
    log = (tmp_path / f"radcore-{job}.out").read_text()
    assert f"{N_CASES} rows written, 0 failed" in log, log
    assert _rows(out) == expected, log
    assert ("1 SLURM jobs" in log) == bool(jobs), log
    _wait(lambda: not slurm.jobs(), 30, "the worker jobs to leave the queue")
