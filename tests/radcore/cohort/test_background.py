"""A command's cluster started in the background, ingesting a manifest's cases ahead of their batches."""

import time

from radcore.cohort.background import BackgroundCluster
from radcore.io.config import load_settings
from radcore.io.manifest import read_manifest
from radcore.io.store import ingest_case, list_cases
from tests.cohort_cases import write_cohort


def test_a_background_cluster_ingests_ahead_and_leaves_failures_to_the_batches(tmp_path):
    manifest, good, broken = write_cohort(tmp_path / "in", 3, broken=True)
    store = tmp_path / "cohort.zarr"
    cluster = BackgroundCluster(load_settings(None), 1, dashboard="127.0.0.1:0")
    try:
        cluster.ingest_ahead(str(store), [e for e in read_manifest(manifest).entries if e.case_id != "case02"])
        assert cluster.address().startswith("tcp://127.0.0.1:")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(list_cases(store)) < 4:
            time.sleep(0.2)
        assert cluster.stop_ingesting() == {"case00", "case01", "empty", "mismatch"}  # all but the unreadable ones
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
        cluster.ingest_ahead(str(store), read_manifest(manifest).entries)
        ahead = len(cluster.stop_ingesting())  # at once: at most the cases already submitted (2 per worker) finish
        assert ahead <= 2
        time.sleep(1.0)
        assert len(list_cases(store)) == ahead if store.exists() else ahead == 0
    finally:
        cluster.close()
