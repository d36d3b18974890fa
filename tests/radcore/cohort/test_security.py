"""A cohort run on a scheduler that speaks TLS: Dask's own configuration (``infra/tls/dask-tls.yaml``) is all a
run needs, and a run without it fails in one line before anything starts. (Across hosts, in network
namespaces: ``tests/flows/test_cohort_across_hosts.py``.)"""

import dask.config
import duckdb
import pytest
from distributed import Client, LocalCluster
from distributed.security import Security

from radcore.cohort.cluster import local_cluster_kwargs
from radcore.cohort.parameters import CohortParameters
from radcore.cohort.run import CohortRun
from radcore.errors import SettingsError
from tests.cohort_cases import CONFIG, write_cohort
from tests.tls import dask_tls_config, write_test_credentials

NO_TLS = {"distributed.comm.tls.ca-file": None, "distributed.comm.tls.client.cert": None,
          "distributed.comm.tls.client.key": None, "distributed.client.security-loader": None}


@pytest.fixture
def cohort(tmp_path):
    manifest, good, _ = write_cohort(tmp_path / "in", 3, broken=False)
    config = tmp_path / "config.yaml"
    config.write_text(CONFIG)
    return manifest, good, config


def _params(tmp_path, cohort, scheduler):
    manifest, _, config = cohort
    return CohortParameters(manifest=str(manifest), config=str(config), out=str(tmp_path / "out"),
                            scheduler=scheduler, qc_pictures=False)


def test_a_tls_scheduler_without_dask_tls_settings_is_one_clear_error(tmp_path, cohort):
    with dask.config.set(NO_TLS), pytest.raises(SettingsError, match=r"^scheduler tls://10\.0\.0\.1:8786 speaks TLS, "
                                                 r"but .* no distributed\.comm\.tls\.ca-file \(DASK_DISTRIBUTED__COMM"
                                                 r"__TLS__CA_FILE\) and no .*infra/tls/dask-tls\.yaml$"):
        CohortRun(_params(tmp_path, cohort, "tls://10.0.0.1:8786"))
    assert not (tmp_path / "out").exists()


def test_tls_settings_that_name_no_file_are_one_clear_error(tmp_path, cohort):
    missing = str(tmp_path / "nowhere" / "ca.pem")
    settings = {**NO_TLS, "distributed.comm.tls.ca-file": missing,
                "distributed.comm.tls.client.cert": str(tmp_path / "in" / "manifest.csv")}
    with dask.config.set(settings), pytest.raises(SettingsError, match="ca-file .* is '.*nowhere/ca.pem', which is "
                                                                       "not a file"):
        CohortRun(_params(tmp_path, cohort, "tls://10.0.0.1:8786"))


def test_other_schedulers_need_no_tls_settings(tmp_path, cohort):
    with dask.config.set(NO_TLS):
        assert CohortRun(_params(tmp_path, cohort, "tcp://10.0.0.1:8786")).params.scheduler == "tcp://10.0.0.1:8786"


def test_a_cohort_runs_on_a_tls_scheduler_with_the_recipe_as_its_only_tls_setting(tmp_path, cohort):
    _, good, _ = cohort
    credentials = write_test_credentials(tmp_path / "tls", ["127.0.0.1"])
    with dask.config.set(dask_tls_config(credentials)):
        security = Security()  # the scheduler's and workers' credentials, from the same configuration
        assert security.require_encryption and security.tls_scheduler_cert == credentials["cert"]
        with LocalCluster(**local_cluster_kwargs(1, dashboard="127.0.0.1:0"), protocol="tls://",
                          security=security) as cluster:
            assert cluster.scheduler_address.startswith("tls://127.0.0.1:")
            run = CohortRun(_params(tmp_path, cohort, cluster.scheduler_address))
            with Client(run.params.scheduler) as client, run.locked() as token:  # Client takes its TLS from config
                plan = run.plan(token, workers=1)
                summary = run.extract(plan, client)
                run.finish(plan, summary)
    assert (summary.done, summary.failed) == (len(good), 0)
    out = tmp_path / "out"
    rows = duckdb.sql(f"select case_id from read_parquet('{out}/features/**/*.parquet', hive_partitioning=true)")
    assert sorted(r[0] for r in rows.fetchall()) == sorted(good)
