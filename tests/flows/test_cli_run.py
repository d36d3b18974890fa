"""`radcore demo` and `radcore run` as a user types them (against the session's Prefect test server)."""

import duckdb
import pytest

from radcore.cli import main


@pytest.fixture
def cli_env(monkeypatch, prefect_backend):
    # the CLI sets these for embedded Prefect; keep them from leaking into other tests
    for key in ("PREFECT_SERVER_EPHEMERAL_ENABLED", "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS",
                "PREFECT_SERVER_ANALYTICS_ENABLED"):
        monkeypatch.setenv(key, "recorded")  # monkeypatch now restores the key's original state at the end
        monkeypatch.delenv(key)


def test_demo_then_run_again_adds_nothing(cli_env, tmp_path, capsys):
    assert main(["demo", "--dir", str(tmp_path / "demo"), "--cases", "2", "--workers", "1"]) == 0
    out = capsys.readouterr().out
    assert "case001" in out and "case002" in out and "morph_volume" in out
    dataset = tmp_path / "demo" / "dataset"
    assert main(["run", "--store", str(tmp_path / "demo" / "cohort.zarr"), "--config",
                 str(tmp_path / "demo" / "settings.yaml"), "--out", str(dataset), "--workers", "1"]) == 0
    assert "0 rows written, 0 failed, 2 already done" in capsys.readouterr().out
    rows = duckdb.sql(f"select count(*), count(distinct case_id) from read_parquet('{dataset}/features/**/*.parquet',"
                      " hive_partitioning=true, union_by_name=true)").fetchall()
    assert rows == [(2, 2)]
