"""A cohort across hosts over TLS: ``radcore run`` on one host, the Dask scheduler on a second, its workers
on a third, each a network namespace of this machine (:mod:`tests.netns_hosts`), talking over real TCP
with mutual TLS only, configured the way ``infra/README.md`` tells a user: Dask's own configuration, the
file ``infra/tls/dask-tls.yaml`` with the test's credentials, on every host; no radcore option. The cohort, its store and its dataset are in a
folder all three hosts see.

Faults: the workers host's network cable pulled mid-run and plugged back, and every process of the workers
host killed mid-run; after the run (and a rerun) every case is in the dataset exactly once. Nothing listens
beyond loopback and the test hosts' own addresses, and every port is chosen by the system (port 0, or a
socket bound to port 0 handed to the Prefect API server).
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

from radcore.cohort.cluster import WORKER_ENV
from radcore.io.manifest import write_manifest
from tests.cohort_cases import write_good_case
from tests.flows.test_cohort_faults import _wait
from tests.netns_hosts import Network, require_netns
from tests.tls import write_dask_config, write_test_credentials

N_CASES = 16
CONFIG = "families: [stat, glcm, glrlm, glszm, ngtdm]\n"
#: Dask setting of the test's scheduler and workers, so that a pulled cable costs the test seconds: a
#: connection that gets no answer for 12 s is broken (Dask's default 30 s; it refuses less than 11 s), on both
#: sides, so the scheduler drops the cut-off workers and they end. (A short ``worker-ttl`` does not do: a
#: worker loading its kernels for the first time holds its event loop, and misses heartbeats, for more than
#: 10 s on a busy machine, and the scheduler then restarts it again and again.)
TIMEOUTS_ENV = {"DASK_DISTRIBUTED__COMM__TIMEOUTS__TCP": "12s"}

#: the Prefect API server of the flow host: a socket bound to port 0 (the system's choice), handed to uvicorn
PREFECT_API = """
import os, socket, sys
listening = socket.create_server(("127.0.0.1", 0))
with open(sys.argv[1] + ".tmp", "w") as fh:
    fh.write(str(listening.getsockname()[1]))
os.replace(sys.argv[1] + ".tmp", sys.argv[1])
os.set_inheritable(listening.fileno(), True)
os.execv(sys.executable, [sys.executable, "-m", "uvicorn", "--fd", str(listening.fileno()), "--factory",
                          "prefect.server.api.server:create_app", "--log-level", "error", "--lifespan", "on"])
"""


def _features(out):
    return f"read_parquet('{out}/features/**/*.parquet', hive_partitioning=true, union_by_name=true)"


def _rows(out) -> list[tuple]:
    return sorted(duckdb.sql(f"select case_id, label from {_features(out)}").fetchall())


def _batch_files(out) -> int:
    return len(list((Path(out) / "features").rglob("batch-*.parquet")))


@pytest.fixture(scope="module")
def network():
    """Three test hosts: ``flow`` (``radcore run`` and its Prefect API), ``scheduler`` and ``workers``."""
    require_netns()
    net = Network()
    try:
        for name in ("flow", "scheduler", "workers"):
            net.add(name)
        net.wait_reachable()
        yield net
    finally:
        net.close()


@pytest.fixture(scope="module")
def shared(tmp_path_factory, network):
    """The folder every host sees: the cohort, the TLS credentials and the runs' outputs."""
    folder = tmp_path_factory.mktemp("across-hosts")
    entries = [write_good_case(folder, f"case {i:02d}", i) for i in range(N_CASES)]
    write_manifest(entries, folder / "manifest.csv")
    (folder / "settings.yaml").write_text(CONFIG)
    return folder


@pytest.fixture(scope="module")
def tls_env(shared, network):
    """Dask's TLS configuration for every host's processes: ``infra/tls/dask-tls.yaml`` naming a test CA and
    a certificate it signs for the hosts' addresses, in the folder ``DASK_CONFIG`` names."""
    credentials = write_test_credentials(shared / "tls", [h.address for h in network.hosts.values()])
    return {"DASK_CONFIG": str(write_dask_config(shared / "dask-config", credentials))}


def _clean_env(**extra) -> dict[str, str]:
    """This process's environment without its Prefect settings (each host has its own Prefect API)."""
    return {**{k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}, **extra}


@pytest.fixture(scope="module")
def prefect_api(network, shared):
    """A Prefect API server on the flow host's loopback (its own database in the shared folder)."""
    flow = network.hosts["flow"]
    home, port_file = shared / "prefect-home", shared / "prefect-port"
    env = _clean_env(PREFECT_HOME=str(home), PREFECT_UI_ENABLED="0", PREFECT_SERVER_ANALYTICS_ENABLED="false")
    server = flow.popen([sys.executable, "-c", PREFECT_API, str(port_file)], env=env,
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _wait(port_file.exists, 60, "the Prefect API's port")
    api = f"http://127.0.0.1:{port_file.read_text()}/api"
    probe = f"import urllib.request; urllib.request.urlopen('{api}/health', timeout=5)"
    _wait(lambda: server.poll() is None and flow.run([sys.executable, "-c", probe]).returncode == 0, 240,
          "the Prefect API")
    yield api
    os.killpg(server.pid, signal.SIGTERM)
    server.wait(timeout=30)


class TLSCluster:
    """A ``dask scheduler`` on the scheduler host and ``dask worker`` groups on the workers host, TLS only,
    every one of them listening on its host's own address, every port chosen by the system."""

    def __init__(self, network: Network, folder: Path, tls_env: dict[str, str]):
        self.scheduler_host, self.workers_host = network.hosts["scheduler"], network.hosts["workers"]
        self.env = {**os.environ, **tls_env, **WORKER_ENV, **TIMEOUTS_ENV}
        self.file, self.logs = folder / "scheduler.json", folder / "logs"
        self.file.unlink(missing_ok=True)
        host = self.scheduler_host.address
        self.scheduler = self.scheduler_host.popen(
            [sys.executable, "-m", "distributed.cli.dask_scheduler", "--protocol", "tls", "--host", host, "--port",
             "0", "--dashboard-address", f"{host}:0", "--scheduler-file", str(self.file)],
            env=self.env, stdout=self._log("scheduler"), stderr=subprocess.STDOUT)
        _wait(lambda: self.file.exists() and "address" in self.file.read_text(), 60, "the scheduler")
        self.address = json.loads(self.file.read_text())["address"]

    def add_workers(self, workers: int = 2) -> None:
        host = self.workers_host.address
        self.workers_host.popen(
            [sys.executable, "-m", "distributed.cli.dask_worker", self.address, "--protocol", "tls", "--host", host,
             "--nworkers", str(workers), "--nthreads", "1", "--dashboard-address", f"{host}:0", "--no-dashboard"],
            env=self.env, stdout=self._log("workers"), stderr=subprocess.STDOUT)

    def _log(self, name: str):
        """The log file of a process group (appended to: the test's failure shows where to look)."""
        self.logs.mkdir(exist_ok=True)
        return (self.logs / f"{name}.log").open("a")

    def n_workers(self) -> int:
        """Workers the scheduler knows, asked from this machine's own namespace through the scheduler host."""
        ask = (f"from distributed import Client\nwith Client({self.address!r}, timeout=20) as c:\n"
               "    print(len(c.scheduler_info(n_workers=-1)['workers']))")
        done = self.scheduler_host.run([sys.executable, "-c", ask], env=self.env, timeout=60)
        return int(done.stdout.strip() or 0)

    def close(self) -> None:
        self.workers_host.kill_all()
        self.scheduler_host.kill_all()


@pytest.fixture
def cluster(network, shared, tls_env):
    cluster = TLSCluster(network, shared, tls_env)
    try:
        cluster.add_workers()
        _wait(lambda: cluster.n_workers() == 2, 120, "two workers on the workers host")
        yield cluster
    finally:
        cluster.close()
        network.hosts["workers"].link(up=True)


def _radcore_run(network, shared, out, scheduler, prefect_api, tls_env) -> subprocess.Popen:
    """``radcore run`` on the flow host against the TLS scheduler: Dask's TLS settings in its environment. Its
    output goes to a file beside ``out`` (:func:`_output`)."""
    env = _clean_env(PREFECT_API_URL=prefect_api, **tls_env)
    log = _log_of(out)
    with log.open("a") as fh:
        fh.write(f"---- radcore run at {time.strftime('%H:%M:%S')}\n")
        fh.flush()
        return network.hosts["flow"].popen(
            [sys.executable, "-m", "radcore.cli", "run", str(shared / "manifest.csv"), "--config",
             str(shared / "settings.yaml"), "--out", str(out), "--batch-size", "1", "--scheduler", scheduler],
            env=env, stdout=fh, stderr=subprocess.STDOUT)


def _log_of(out: Path) -> Path:
    return out.with_name(out.name + ".log")


def _output(run: subprocess.Popen, out: Path) -> str:
    """Wait for ``run`` to end; the output of its last run."""
    run.wait(timeout=600)
    return _log_of(out).read_text().rsplit("---- radcore run at", 1)[-1]


def _expected() -> list[tuple]:
    return sorted((f"case {i:02d}", 1) for i in range(N_CASES))


def _allowed(host) -> set[str]:
    """The addresses ``host`` may listen on: loopback and its own."""
    return {"127.0.0.1", "[::1]", host.address}


def test_a_cohort_runs_across_three_hosts_over_tls(network, shared, prefect_api, tls_env, cluster):
    out = shared / "out-plain"
    run = _radcore_run(network, shared, out, cluster.address, prefect_api, tls_env)
    seen: dict[str, set[str]] = {name: set() for name in network.hosts}

    def look():  # while the run runs: what every host listens on
        while run.poll() is None:
            for name, host in network.hosts.items():
                seen[name].update(host.listening())
            time.sleep(0.5)

    looking = threading.Thread(target=look, daemon=True)
    looking.start()
    log = _output(run, out)
    looking.join()
    assert run.returncode == 0, log
    assert _rows(out) == _expected(), log  # every case exactly once
    assert cluster.address.startswith("tls://10.231.0.")
    for name, host in network.hosts.items():
        outside = {a for a in seen[name] if a.rsplit(":", 1)[0] not in _allowed(host)}
        assert not outside, f"host {name} listens beyond loopback and its own address: {outside}"
    assert any(a.startswith(f"{network.hosts['workers'].address}:") for a in seen["workers"])
    # the scheduler answers TLS only: a plain TCP client is turned away
    plain = cluster.address.replace("tls://", "tcp://")
    refused = network.hosts["flow"].run([sys.executable, "-c", f"from distributed import Client; Client({plain!r}, "
                                         "timeout=10)"], env=_clean_env(), timeout=120)
    assert refused.returncode != 0
    # and `radcore run` without Dask's TLS settings says so in one line, before Prefect or Dask start
    bare = network.hosts["flow"].run([sys.executable, "-m", "radcore.cli", "run", str(shared / "manifest.csv"),
                                      "--out", str(shared / "out-bare"), "--scheduler", cluster.address],
                                     env=_clean_env(), timeout=120)
    assert bare.returncode == 2
    assert bare.stderr.strip().splitlines() == [
        f"radcore run: SettingsError: scheduler {cluster.address} speaks TLS, but Dask's configuration here has no "
        "distributed.comm.tls.ca-file (DASK_DISTRIBUTED__COMM__TLS__CA_FILE) and no distributed.comm.tls.client.cert "
        "(DASK_DISTRIBUTED__COMM__TLS__CLIENT__CERT): set them (and the client's key) in a Dask config file or the "
        "environment, as in infra/tls/dask-tls.yaml"], bare.stderr
    # and no host has a route beyond the test network
    for host in network.hosts.values():
        routes = [r.split() for r in host.run(["ip", "route"], check=True).stdout.splitlines() if r.strip()]
        assert routes == [f"10.231.0.0/24 dev eth0 proto kernel scope link src {host.address}".split()], routes


def _back(cluster: TLSCluster) -> None:
    """Wait for workers on the workers host: the ones there reconnect, or, once they have stopped (a worker
    ends when its scheduler is unreachable for longer than its TCP timeout), new ones start, as a cluster
    manager (a SLURM job array, systemd) would start them."""
    end = time.monotonic() + 120
    while cluster.n_workers() == 0:
        if not cluster.workers_host.pids():
            cluster.add_workers()
        if time.monotonic() > end:
            raise TimeoutError("no workers came back on the workers host")
        time.sleep(1.0)


def test_the_workers_host_cut_off_mid_run_and_plugged_back_loses_nothing(network, shared, prefect_api, tls_env,
                                                                         cluster):
    out, workers = shared / "out-cut", network.hosts["workers"]
    run = _radcore_run(network, shared, out, cluster.address, prefect_api, tls_env)
    _wait(lambda: _batch_files(out) >= 2, what="two batches")
    workers.link(up=False)  # the cable pulled, mid-run
    _wait(lambda: cluster.n_workers() == 0, 120, "the scheduler to give the workers up")
    cut_off = _batch_files(out)
    assert cut_off < N_CASES and run.poll() is None  # the run waits for workers
    workers.link(up=True)
    _back(cluster)
    log = _output(run, out)
    assert run.returncode == 0, log
    assert _rows(out) == _expected(), log  # every case exactly once
    again = _radcore_run(network, shared, out, cluster.address, prefect_api, tls_env)
    log = _output(again, out)
    assert again.returncode == 0 and "nothing left to do" in log, log
    assert _rows(out) == _expected(), log


def _leftovers(out: Path) -> list[str]:
    store = [p.name for p in (out / "cohort.zarr").iterdir() if p.name.startswith((".tmp-", ".trash-"))]
    return store + [str(p) for p in out.rglob(".*.tmp")]


def test_the_workers_host_killed_mid_run_loses_nothing_after_a_rerun(network, shared, prefect_api, tls_env,
                                                                     cluster):
    out, workers = shared / "out-killed", network.hosts["workers"]
    first = _radcore_run(network, shared, out, cluster.address, prefect_api, tls_env)
    _wait(lambda: _batch_files(out) >= 2, what="two batches")
    workers.kill_all()  # every process of the workers host, mid-batch
    killed_at = _batch_files(out)
    assert killed_at < N_CASES and first.poll() is None
    first.send_signal(signal.SIGKILL)  # the run, left without workers, is given up
    first.wait()
    _back(cluster)
    again = _radcore_run(network, shared, out, cluster.address, prefect_api, tls_env)
    log = _output(again, out)
    assert again.returncode == 0, log
    assert f"{N_CASES - killed_at} rows written, 0 failed, {killed_at} already done" in log, log
    assert _rows(out) == _expected(), log  # every case exactly once
    assert not _leftovers(out)
