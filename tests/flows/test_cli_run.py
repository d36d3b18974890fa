"""`radcore demo` and `radcore run` as a user types them (against the session's Prefect test server)."""

from pathlib import Path

import duckdb

from radcore.cli import main
from radcore.cohort import kept_workers
from tests.cohort_cases import CONFIG, write_cohort


NO_FIXED_PORT = ["--dashboard", "127.0.0.1:0"]
PARAMS = Path(__file__).parents[1] / "data" / "pyradiomics" / "Params.yaml"


def test_demo_then_run_again_adds_nothing(cli_env, tmp_path, capsys):
    assert main(["demo", "--dir", str(tmp_path / "demo"), "--cases", "2", "--workers", "1", *NO_FIXED_PORT]) == 0
    out = capsys.readouterr().out
    assert "case001" in out and "case002" in out and "morph_volume" in out
    dataset = tmp_path / "demo" / "dataset"
    assert f"cohort report (QC pictures, outliers, redundancy): {dataset / 'report.html'}" in out
    assert (dataset / "report.html").stat().st_size > 10_000
    assert main(["run", "--store", str(tmp_path / "demo" / "cohort.zarr"), "--config",
                 str(tmp_path / "demo" / "settings.yaml"), "--out", str(dataset), "--workers", "1",
                 *NO_FIXED_PORT]) == 0
    assert "0 rows written, 0 failed, 2 already done" in capsys.readouterr().out
    rows = duckdb.sql(f"select count(*), count(distinct case_id) from read_parquet('{dataset}/features/**/*.parquet',"
                      " hive_partitioning=true, union_by_name=true)").fetchall()
    assert rows == [(2, 2)]


def test_demo_with_an_unmodified_pyradiomics_params_file(cli_env, tmp_path, capsys):
    assert main(["demo", "--dir", str(tmp_path / "demo"), "--cases", "2", "--workers", "1", "--config", str(PARAMS),
                 *NO_FIXED_PORT]) == 0
    out = capsys.readouterr().out
    assert "case001" in out and "case002" in out and "shape_meshvolume" in out


def test_a_second_run_uses_the_workers_the_first_kept_warm(cli_env, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("RADCORE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("RADCORE_KEEP_WORKERS", "1")
    try:
        assert main(["demo", "--dir", str(tmp_path / "demo"), "--cases", "3", "--workers", "1", *NO_FIXED_PORT]) == 0
        assert "radcore: workers: started 1 local workers kept warm" in capsys.readouterr().err
        kept = kept_workers.running()
        assert kept is not None and kept.workers == 1
        monkeypatch.chdir(tmp_path / "demo")  # relative paths: the workers' own folder is RADCORE_HOME
        assert main(["run", "--store", "cohort.zarr", "--config", "settings.yaml", "--out", "again", "--workers", "1",
                     *NO_FIXED_PORT]) == 0
        assert "radcore: workers: using 1 local workers kept warm" in capsys.readouterr().err
        assert kept_workers.running() == kept  # the same process, still running
        rows = duckdb.sql(f"select count(distinct case_id) from read_parquet('{tmp_path}/demo/again/features/**/"
                          "*.parquet', hive_partitioning=true)").fetchall()
        assert rows == [(3,)]
    finally:
        kept_workers.stop()


def test_a_run_with_failures_prints_ten_of_them_and_where_the_rest_are(cli_env, tmp_path, capsys):
    manifest, good, _ = write_cohort(tmp_path / "in", 1, broken=False)
    with manifest.open("a") as fh:
        for i in range(12):
            fh.write(f"gone{i:02d},gone{i:02d}.nii.gz,gone{i:02d}_mask.nii.gz,,x\n")
    config = tmp_path / "config.yaml"
    config.write_text(CONFIG)
    out = tmp_path / "out"
    assert main(["run", str(manifest), "--config", str(config), "--out", str(out), "--workers", "1",
                 "--no-qc-pictures", *NO_FIXED_PORT]) == 1
    captured = capsys.readouterr()
    assert f"{out}: 1 rows written, 12 failed, 0 already done" in captured.out
    failed = [line for line in captured.err.splitlines() if line.startswith("  failed: case 'gone")]
    assert len(failed) == 10 and all(" at read: ImageReadError: " in line for line in failed)
    assert f"  the other 2 and every failure with its reason: {out / 'errors'}" in captured.err
    assert "radcore: extracting 13/13 (100 %)" in captured.err  # progress lines when not on a terminal
