import time

import dask.system
import pytest
from distributed import LocalCluster

from radcore.cohort.cluster import LOCAL_DASHBOARD, WORKER_ENV, BackgroundCluster, local_cluster_kwargs, local_workers
from radcore.io.config import load_settings
from radcore.io.manifest import read_manifest
from radcore.io.store import ingest_case, list_cases
from tests.cohort_cases import write_cohort


def test_local_clusters_listen_on_this_machine_only():
    kwargs = local_cluster_kwargs(2)
    assert kwargs["host"] == "127.0.0.1" and kwargs["dashboard_address"] == LOCAL_DASHBOARD == "127.0.0.1:8787"
    assert kwargs["env"] == WORKER_ENV and kwargs["threads_per_worker"] == 1
    with LocalCluster(**local_cluster_kwargs(1, dashboard="127.0.0.1:0")) as cluster:
        assert cluster.scheduler_address.startswith("tcp://127.0.0.1:")
        assert cluster.dashboard_link.startswith("http://127.0.0.1:")
        assert all(w.startswith("tcp://127.0.0.1:") for w in cluster.scheduler_info["workers"])


def test_workers_default_to_the_cores_given():
    assert local_workers(0) == dask.system.CPU_COUNT == local_cluster_kwargs()["n_workers"]
    assert local_workers(3) == 3
    with pytest.raises(ValueError, match="workers must be >= 0"):
        local_workers(-1)


def test_a_background_cluster_ingests_ahead_and_leaves_failures_to_the_batches(tmp_path):
    manifest, good, broken = write_cohort(tmp_path / "in", 3, broken=True)
    store = tmp_path / "cohort.zarr"
    cluster = BackgroundCluster(load_settings(None), 1, dashboard="127.0.0.1:0")
    try:
        cluster.ingest_ahead(str(manifest), str(store), done={"case02"})
        assert cluster.address().startswith("tcp://127.0.0.1:")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(list_cases(store)) < 4:
            time.sleep(0.2)
        assert cluster.stop_ingesting() == 4  # every case but the done one and the unreadable ones
    finally:
        cluster.close()
    # an empty mask or a mask off the grid is stored (its batch judges it); unreadable files are not
    assert sorted(list_cases(store)) == ["case00", "case01", "empty", "mismatch"]
    entry = next(e for e in read_manifest(manifest).entries if e.case_id == "case00")
    assert ingest_case(store, entry) == "unchanged"
    assert set(broken) == {"missing", "corrupt", "empty", "mismatch"}


def test_ingesting_ahead_stops_when_asked(tmp_path):
    manifest, _, _ = write_cohort(tmp_path / "in", 6, broken=False)
    store = tmp_path / "cohort.zarr"
    cluster = BackgroundCluster(load_settings(None), 1, dashboard="127.0.0.1:0")
    try:
        cluster.address()
        cluster.ingest_ahead(str(manifest), str(store))
        ahead = cluster.stop_ingesting()  # at once: at most the cases already submitted (2 per worker) finish
        assert ahead <= 2
        time.sleep(1.0)
        assert len(list_cases(store)) == ahead if store.exists() else ahead == 0
    finally:
        cluster.close()
