"""Faults a cohort run must survive with every case exactly once: worker processes SIGKILLed mid-run, a
whole ``dask worker`` group killed and replaced, ``radcore run`` SIGKILLed and run again (with a local
cluster, an external one and kept workers, whose tasks outlive it), two runs on one dataset at the same time.

Real processes throughout: ``dask scheduler`` / ``dask worker`` and ``radcore run`` as subprocesses, every
port chosen by the system.
"""

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pytest

from radcore_flows.cohort import CohortParameters, cohort_flow
from radcore.cohort.cluster import WORKER_ENV
from radcore.io import dataset
from radcore.io.config import load_settings
from radcore.io.manifest import write_manifest
from radcore.settings import settings_hash
from tests.cohort_cases import write_good_case

N_CASES = 16
CONFIG = "families: [stat, glcm, glrlm, glszm, ngtdm]\n"
#: a robustness run: four versions of every case, each (case, label, version) a row exactly once
ROBUST_CONFIG = CONFIG + "perturbation: {rotation_angles: [0, 20], volume_adaptations: [0.0, 0.2]}\n"
VERSIONS = ("none", "rot=20", "rot=20,vol=+0.2", "vol=+0.2")


def _features(out):
    return f"read_parquet('{out}/features/**/*.parquet', hive_partitioning=true, union_by_name=true)"


def _rows(out) -> list[tuple]:
    """(case_id, label) of every features row, with its version in a robustness run."""
    columns = duckdb.sql(f"select * from {_features(out)} limit 0").columns
    keys = "case_id, label, perturbation" if "perturbation" in columns else "case_id, label"
    return sorted(duckdb.sql(f"select {keys} from {_features(out)}").fetchall())


def _batch_files(out) -> int:
    return len(list((Path(out) / "features").rglob("batch-*.parquet")))


def _wait(condition, timeout=240.0, what="condition"):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if condition():
            return
        time.sleep(0.1)
    raise TimeoutError(f"waited {timeout} s for {what}")


@pytest.fixture(scope="module")
def cohort(tmp_path_factory):
    folder = tmp_path_factory.mktemp("faults")
    entries = [write_good_case(folder, f"case {i:02d}", i) for i in range(N_CASES)]
    write_manifest(entries, folder / "manifest.csv")
    (folder / "settings.yaml").write_text(CONFIG)
    return folder / "manifest.csv", folder / "settings.yaml", sorted((e.case_id, 1) for e in entries)


@pytest.fixture(params=["plain", "robustness"])
def any_cohort(request, cohort):
    """The cohort, and the same as a robustness run (every expected row once per version)."""
    manifest, config, expected = cohort
    if request.param == "plain":
        return cohort
    robust = config.with_name("robustness.yaml")
    robust.write_text(ROBUST_CONFIG)
    return manifest, robust, sorted((case, label, v) for case, label in expected for v in VERSIONS)


@pytest.fixture
def api_env(prefect_backend):
    """The environment of a subprocess that talks to the test session's Prefect server."""
    from prefect.settings import PREFECT_API_URL

    return {**os.environ, "PREFECT_API_URL": PREFECT_API_URL.value()}


class ExternalCluster:
    """A ``dask scheduler`` and groups of ``dask worker`` processes, each in its own process group."""

    def __init__(self, folder: Path):
        self.file = folder / "scheduler.json"
        self.env = {**os.environ, **WORKER_ENV}
        self.scheduler = self._start(["scheduler", "--host", "127.0.0.1", "--port", "0",
                                      "--dashboard-address", "127.0.0.1:0", "--scheduler-file", str(self.file)])
        _wait(lambda: self.file.exists() and "address" in self.file.read_text(), 60, "the scheduler")
        self.address = json.loads(self.file.read_text())["address"]
        self.groups: list[subprocess.Popen] = []

    def _start(self, args) -> subprocess.Popen:
        return subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_" + args[0], *args[1:]],
                                env=self.env, start_new_session=True, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)

    def add_group(self, workers: int = 2) -> None:
        self.groups.append(self._start(["worker", "--scheduler-file", str(self.file), "--nworkers", str(workers),
                                        "--nthreads", "1", "--host", "127.0.0.1", "--no-dashboard"]))

    def worker_pids(self) -> list[int]:
        from distributed import Client

        with Client(self.address, timeout=30) as client:
            return list(client.run(os.getpid).values())

    def n_workers(self) -> int:
        from distributed import Client

        with Client(self.address, timeout=30) as client:
            return len(client.scheduler_info(n_workers=-1)["workers"])

    def close(self) -> None:
        for process in [*self.groups, self.scheduler]:
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            process.wait()


@pytest.fixture
def external_cluster(tmp_path):
    cluster = ExternalCluster(tmp_path)
    cluster.add_group()
    _wait(lambda: cluster.n_workers() == 2, 120, "two workers")
    yield cluster
    cluster.close()


def test_workers_killed_mid_run_and_replaced_lose_no_case(prefect_backend, any_cohort, external_cluster, tmp_path):
    manifest, config, expected = any_cohort
    out = tmp_path / "out"
    killed: list[str] = []

    def kill_during_run():
        _wait(lambda: _batch_files(out) >= 1, what="the first batch")
        os.kill(external_cluster.worker_pids()[0], signal.SIGKILL)  # one worker process, mid-batch
        killed.append("worker")
        _wait(lambda: _batch_files(out) >= 3, what="three batches")
        os.killpg(external_cluster.groups[0].pid, signal.SIGKILL)  # the whole `dask worker` group
        killed.append("group")
        external_cluster.add_group()  # and a new one takes over

    killer = threading.Thread(target=kill_during_run, daemon=True)
    killer.start()
    summary = cohort_flow(CohortParameters(manifest=str(manifest), config=str(config), out=str(out),
                                           scheduler=external_cluster.address, batch_size=1))
    killer.join(timeout=60)
    assert killed == ["worker", "group"]
    assert _rows(out) == expected  # every case exactly once
    assert summary.done + summary.failed == len(expected)
    assert summary.failed == 0, summary.failures


def _radcore_run(manifest, config, out, env, *extra) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "radcore.cli", "run", str(manifest), "--config", str(config),
                             "--out", str(out), "--batch-size", "1", "--dashboard", "127.0.0.1:0", *extra],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _stop_kept_workers(env) -> None:
    subprocess.run([sys.executable, "-m", "radcore.cli", "server", "stop"], env=env, check=True, timeout=120)


def _leftovers(out: Path) -> list[str]:
    store = [p.name for p in (out / "cohort.zarr").iterdir() if p.name.startswith((".tmp-", ".trash-"))]
    return store + [str(p) for p in out.rglob(".*.tmp")]


@pytest.mark.parametrize("where", ["local cluster", "external cluster", "kept workers"])
def test_a_run_killed_halfway_and_run_again_does_every_case_once(any_cohort, api_env, tmp_path, request, where):
    manifest, config, expected = any_cohort
    out = tmp_path / "out"
    extra = ["--workers", "2"]
    if where == "external cluster":  # its tasks outlive the killed run: the new run's token drops them
        extra = ["--scheduler", request.getfixturevalue("external_cluster").address]
    if where == "kept workers":  # so do those of local workers kept warm between runs
        api_env = {**api_env, "RADCORE_KEEP_WORKERS": "1", "RADCORE_HOME": str(tmp_path / "home")}
        request.addfinalizer(lambda: _stop_kept_workers(api_env))
    first = _radcore_run(manifest, config, out, api_env, *extra)
    _wait(lambda: _batch_files(out) >= 2, what="two batches")
    first.send_signal(signal.SIGKILL)
    first.wait()
    done_before = _batch_files(out)
    assert 0 < done_before < N_CASES
    again = _radcore_run(manifest, config, out, api_env, *extra)
    log, _ = again.communicate(timeout=600)
    assert again.returncode == 0, log
    time.sleep(3.0)  # let late batches of the killed run finish: they must not add rows
    assert _rows(out) == expected, log
    assert not _leftovers(out)


def test_two_runs_on_one_dataset_at_once_do_every_case_once(cohort, api_env, tmp_path):
    """Both runs are held at the dataset's lock until each waits for it (a run whose cases were ingested
    ahead can otherwise end before the other reaches the lock), then race for it."""
    manifest, config, expected = cohort
    out = tmp_path / "out"
    with dataset.run_lock(out, settings_hash(load_settings(str(config)))):
        runs = [_radcore_run(manifest, config, out, api_env, "--workers", "1") for _ in range(2)]
        logs = [_Output(run) for run in runs]
        _wait(lambda: all("another run is writing settings" in log.text() for log in logs), what="both runs to wait")
    for run in runs:
        run.wait(timeout=600)
    texts = [log.text() for log in logs]
    assert [run.returncode for run in runs] == [0, 0], texts
    assert _rows(out) == expected
    assert any(f"{len(expected)} already done" in text for text in texts)


class _Output:
    """A subprocess's output, read as it comes."""

    def __init__(self, proc: subprocess.Popen):
        self._lines: list[str] = []
        threading.Thread(target=self._read, args=(proc,), daemon=True).start()

    def _read(self, proc: subprocess.Popen) -> None:
        for line in proc.stdout:
            self._lines.append(line)

    def text(self) -> str:
        return "".join(self._lines)