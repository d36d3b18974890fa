from radcore.cli import main
from radcore.io.store import case_info, list_cases
from tests.cohort_cases import write_cohort


def test_ingest_command_reports_failures_and_skips_unchanged(tmp_path, capsys):
    manifest, good, stages = write_cohort(tmp_path / "in", n_good=2, broken=True)
    store = tmp_path / "store"
    assert main(["ingest", str(manifest), "--store", str(store)]) == 1
    out = capsys.readouterr()
    # the empty mask ingests (it fails at extraction); so does the mask off the image grid, with a warning
    assert "4 written, 0 unchanged, 2 failed" in out.out
    assert "case 'missing': ImageReadError" in out.err and "case 'corrupt': ImageReadError" in out.err
    assert "case 'mismatch': stored, but mask size (48, 46, 16) (x, y, z) differs" in out.err
    assert list_cases(store) == sorted(good + ["empty", "mismatch"])
    assert case_info(store, "case00").metadata == {"site": "s0"}
    assert case_info(store, "mismatch").geometry_mismatch and not case_info(store, "case00").geometry_mismatch
    main(["ingest", str(manifest), "--store", str(store)])
    assert "0 written, 4 unchanged, 2 failed" in capsys.readouterr().out


def test_run_needs_a_source(capsys):
    assert main(["run", "--out", "x"]) == 2
    assert "give a MANIFEST or --store STORE" in capsys.readouterr().err


def test_run_refuses_a_missing_manifest_or_store_before_starting_prefect_or_dask(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("RADCORE_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    assert main(["run", str(tmp_path / "none.csv"), "--out", str(tmp_path / "out")]) == 2
    assert "ManifestError: manifest" in capsys.readouterr().err
    assert main(["run", "--store", str(tmp_path / "none.zarr"), "--out", str(tmp_path / "out")]) == 2
    assert "StoreError: no cohort store" in capsys.readouterr().err
    assert not (tmp_path / "home").exists()  # no local Prefect server was started


def test_run_refuses_job_options_without_a_cluster_and_a_cluster_with_a_scheduler(tmp_path, capsys):
    assert main(["run", "cases.csv", "--out", str(tmp_path / "out"), "--queue", "compute", "--jobs", "4"]) == 2
    assert capsys.readouterr().err.strip() == ("radcore run: SettingsError: --jobs, --queue: options of worker jobs; "
                                               "give --cluster slurm (or pbs) too")
    assert main(["run", "cases.csv", "--out", str(tmp_path / "out"), "--cluster", "slurm", "--scheduler",
                 "tcp://127.0.0.1:8786"]) == 2
    assert "not both" in capsys.readouterr().err
