from pathlib import Path

import dask.system
import pytest
from distributed import Client, LocalCluster

from radcore.cohort.cluster import WORKER_ENV, WORKER_MALLOC, local_cluster, local_cluster_kwargs, local_workers
from radcore.cohort.parameters import LOCAL_DASHBOARD


def test_local_clusters_listen_on_this_machine_only():
    kwargs = local_cluster_kwargs(2)
    assert kwargs["host"] == "127.0.0.1" and kwargs["dashboard_address"] == LOCAL_DASHBOARD == "127.0.0.1:8787"
    assert kwargs["env"] == WORKER_ENV and kwargs["threads_per_worker"] == 1
    with LocalCluster(**local_cluster_kwargs(1, dashboard="127.0.0.1:0")) as cluster:
        assert cluster.scheduler_address.startswith("tcp://127.0.0.1:")
        assert cluster.dashboard_link.startswith("http://127.0.0.1:")
        assert all(w.startswith("tcp://127.0.0.1:") for w in cluster.scheduler_info["workers"])


def _start_environment() -> dict[str, str]:
    """The environment this process started with (later changes to ``os.environ`` do not show here)."""
    import os

    with open(f"/proc/{os.getpid()}/environ", "rb") as fh:
        pairs = [item.decode().split("=", 1) for item in fh.read().split(b"\0") if b"=" in item]
    return dict(pairs)


def _environment() -> dict[str, str]:
    import os

    return dict(os.environ)


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="reads /proc (Linux)")
def test_local_workers_start_with_the_allocator_variables_set(monkeypatch):
    """glibc reads its MALLOC_ variables when the process starts: they must be in the environment the worker
    process starts with, not set once it runs (as Dask's ``env=``), and they replace Dask's own
    MALLOC_TRIM_THRESHOLD_ (65536). The thread variables are set in the worker too, but not in this process
    (as the nanny does with its pre-spawn variables): numba raises when its thread count changes after its
    threads started."""
    assert WORKER_MALLOC["MALLOC_TRIM_THRESHOLD_"] != "65536" and set(WORKER_MALLOC) <= set(WORKER_ENV)
    for name in WORKER_MALLOC:  # as in a fresh command (a Dask nanny started here before leaves its own set)
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ITK_GLOBAL_DEFAULT_NUMBER_OF_THREADS", "3")  # this process's own (read when ITK loads)
    with local_cluster(**local_cluster_kwargs(1, dashboard="127.0.0.1:0")) as cluster, Client(cluster) as client:
        (started,) = client.run(_start_environment).values()
        (running,) = client.run(_environment).values()
    assert {k: started.get(k) for k in WORKER_MALLOC} == WORKER_MALLOC
    assert {k: running.get(k) for k in WORKER_ENV} == WORKER_ENV
    import os

    assert os.environ["ITK_GLOBAL_DEFAULT_NUMBER_OF_THREADS"] == "3"


def _http_status(url: str) -> int:
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_a_cluster_with_the_dashboard_off_shows_no_page_of_workers_or_tasks():
    for dashboard, shown in (("127.0.0.1:0", 200), ("off", 404)):
        with local_cluster(**local_cluster_kwargs(1, dashboard=dashboard)) as cluster:
            (host, port), *_ = [s.getsockname() for s in cluster.scheduler.http_server._sockets.values()]
            assert host == "127.0.0.1"
            base = f"http://127.0.0.1:{port}"
            assert _http_status(f"{base}/health") == 200
            for page in ("/status", "/info/main/workers.html", "/json/identity.json", "/metrics"):
                assert _http_status(base + page) == shown, (dashboard, page)


def test_workers_default_to_the_cores_given():
    assert local_workers(0) == dask.system.CPU_COUNT == local_cluster_kwargs()["n_workers"]
    assert local_workers(3) == 3
    with pytest.raises(ValueError, match="workers must be >= 0"):
        local_workers(-1)
