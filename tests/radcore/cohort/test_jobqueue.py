"""Worker jobs of a batch system (radcore.cohort.jobqueue): their options and job script, a job refused in
one line, and, on a real SLURM (tests/slurm_cluster.py), a lost job replaced and every job cancelled at the end."""

import time

import pytest

from radcore.cohort.jobqueue import (
    CLUSTER_CLASSES, DEFAULT_MEMORY, JobCluster, _dask_jobqueue, job_cluster_kwargs, job_workers,
)
from radcore.cohort.parameters import CohortParameters
from radcore.errors import ClusterError, SettingsError

pytest.importorskip("dask_jobqueue")


def _params(**fields) -> CohortParameters:
    return CohortParameters(**{"manifest": "cases.csv", "out": "out", "cluster": "slurm", "dashboard": "127.0.0.1:0",
                               **fields})


def test_options_win_over_the_config_file_which_wins_over_the_defaults(tmp_path):
    config = tmp_path / "jobqueue.yaml"
    config.write_text("queue: from-file\ncores: 4\njob_extra_directives: ['--qos=long']\n"
                      "job_script_prologue: ['module load python']\n")
    kwargs = job_cluster_kwargs(_params(cluster_config=str(config), queue="compute", walltime="01:00:00"))
    assert kwargs["queue"] == "compute" and kwargs["walltime"] == "01:00:00"  # given
    assert kwargs["cores"] == 4 and kwargs["processes"] == 4  # the file's, one thread per worker process
    assert kwargs["job_extra_directives"] == ["--qos=long"]
    assert kwargs["memory"] == DEFAULT_MEMORY
    assert kwargs["job_script_prologue"][0] == "module load python"  # the file's first, then the pinning
    assert "export NUMBA_NUM_THREADS=1" in kwargs["job_script_prologue"]
    assert kwargs["scheduler_options"] == {"port": 0, "dashboard_address": "127.0.0.1:0"}
    assert job_workers(_params(cluster_config=str(config), jobs=3)) == 12


@pytest.mark.parametrize("kind, directive", [("slurm", "#SBATCH"), ("pbs", "#PBS")])
def test_the_job_script_runs_single_threaded_pinned_workers(kind, directive):
    kwargs = job_cluster_kwargs(_params(cluster=kind, queue="normal", job_cores=4, job_memory="16GB"))
    cluster = getattr(_dask_jobqueue(), CLUSTER_CLASSES[kind])(**kwargs)  # no job submitted
    try:
        script = cluster.job_script()
    finally:
        cluster.close()
    assert directive in script
    for line in ("export NUMBA_NUM_THREADS=1", "export ITK_GLOBAL_DEFAULT_NUMBER_OF_THREADS=1"):
        assert line in script
    assert "--nthreads 1" in script and "--nworkers 4" in script


def test_an_argument_dask_jobqueue_does_not_take_is_one_line(tmp_path, monkeypatch):
    (tmp_path / "sbatch").write_text("#!/bin/sh\nexit 1\n")  # never run: the arguments fail first
    (tmp_path / "sbatch").chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    config = tmp_path / "jobqueue.yaml"
    config.write_text("no_such_option: 1\n")
    with pytest.raises(SettingsError, match="--cluster slurm: .*no_such_option"):
        JobCluster(_params(cluster_config=str(config))).start()
    config.write_text("- a list\n")
    with pytest.raises(SettingsError, match="--cluster-config file .* must hold a mapping"):
        JobCluster(_params(cluster_config=str(config)))


def test_a_batch_system_without_its_submit_command_here_is_one_line(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # no sbatch, no qsub
    with pytest.raises(ClusterError, match="--cluster pbs: no qsub here"):
        JobCluster(_params(cluster="pbs"))


def test_a_lost_job_is_replaced_and_every_job_cancelled_at_the_end(slurm):
    jobs = JobCluster(_params(jobs=1, job_memory="1GB", job_interface="lo", job_start_timeout=120))
    try:
        jobs.start()
        (first,) = jobs.job_ids()
        assert slurm.run(["scancel", first]).returncode == 0
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and not (jobs.replaced and jobs.cluster.scheduler_info.get("workers")):
            time.sleep(0.2)
        assert jobs.replaced == 1
        (second,) = jobs.job_ids()
        assert second != first and jobs.cluster.scheduler_info["workers"]  # the replacement's worker connected
    finally:
        jobs.close()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and slurm.jobs():
        time.sleep(0.2)
    assert not slurm.jobs()
