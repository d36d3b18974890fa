"""The owner of a cohort run: inputs read and checked once, planning, the fan-out on a real Dask cluster."""

import duckdb
import pytest
from distributed import Client, LocalCluster

from radcore.cohort import run as run_module
from radcore.cohort.cluster import local_cluster_kwargs
from radcore.cohort.parameters import CohortParameters
from radcore.cohort.run import CohortRun, handed_over, run_for
from radcore.errors import DatasetError, ManifestError
from radcore.io import manifest as manifest_module
from tests.cohort_cases import CONFIG, write_cohort


@pytest.fixture
def cohort(tmp_path):
    manifest, good, broken = write_cohort(tmp_path / "in", 2, broken=True)
    with manifest.open("a") as fh:
        fh.write(",nothing.nii.gz,nothing_mask.nii.gz,,\n")  # a row without a case id
    config = tmp_path / "config.yaml"
    config.write_text(CONFIG)
    return manifest, good, broken, config


def _params(tmp_path, manifest, config, **more):
    return CohortParameters(manifest=str(manifest), config=str(config), out=str(tmp_path / "out"), **more)


def test_the_manifest_is_read_once_when_the_run_is_made(tmp_path, cohort, monkeypatch):
    manifest, good, broken, config = cohort
    calls = []
    original = manifest_module.read_manifest

    def counting(path):
        calls.append(path)
        return original(path)

    monkeypatch.setattr(run_module, "read_manifest", counting)
    monkeypatch.setattr(manifest_module, "read_manifest", counting)
    run = CohortRun(_params(tmp_path, manifest, config))
    assert len(calls) == 1 and run.manifest is not None
    with run.locked() as token:
        plan = run.plan(token, workers=1)
    assert len(calls) == 1
    assert plan.skipped == 0 and plan.items == len(good) + len(broken)
    assert [(e["stage"], e["error_type"]) for e in plan.manifest_errors] == [("manifest", "ManifestError")]


def test_a_run_checks_its_inputs_before_anything_starts(tmp_path, cohort):
    manifest, _, _, config = cohort
    wrong = tmp_path / "wrong.csv"
    wrong.write_text(manifest.read_text().replace("case_id", "id", 1))
    with pytest.raises(ManifestError, match="expected columns case_id,image,mask"):
        CohortRun(_params(tmp_path, wrong, config))
    (tmp_path / "a_file").write_text("")
    with pytest.raises(DatasetError, match="is a file"):
        CohortRun(CohortParameters(manifest=str(manifest), out=str(tmp_path / "a_file")))
    assert not (tmp_path / "out").exists()


def test_cases_ingested_ahead_are_not_ingested_again_by_their_batch(tmp_path, cohort):
    manifest, good, _, config = cohort
    run = CohortRun(_params(tmp_path, manifest, config))
    run.ingested = {good[0]}
    plan = run.plan(workers=1)
    entries = {job.case_id: job.entry for batch in plan.batches for job in batch.cases}
    assert entries[good[0]] is None
    assert all(entry is not None for case, entry in entries.items() if case != good[0])


def test_the_command_line_hands_its_run_to_the_flow(tmp_path, cohort):
    manifest, _, _, config = cohort
    run = CohortRun(_params(tmp_path, manifest, config))
    with handed_over(run):
        assert run_for(run.params) is run
        other = run_for(run.params.model_copy(update={"batch_size": 3}))
        assert other is not run and other.params.batch_size == 3
    assert run_for(run.params) is not run


def test_what_is_left_to_do_is_judged_from_the_manifest(tmp_path, cohort):
    manifest, good, broken, config = cohort
    run = CohortRun(_params(tmp_path, manifest, config))
    everything = {(case, 1) for case in good + list(broken)}
    assert run.may_have_work(set()) and run.may_have_work(everything - {(good[0], 1)})
    assert not run.may_have_work(everything)
    # nothing left: a summary without a cluster or a flow; the manifest's unrunnable row still counts as failed
    assert run.already_done(everything - {(good[0], 1)}) is None and run.already_done(set()) is None
    finished = run.already_done(everything)
    assert (finished.done, finished.skipped, finished.failed) == (0, len(everything), 1)
    assert [f["stage"] for f in finished.failures] == ["manifest"]
    reported = CohortRun(_params(tmp_path, manifest, config, report=True))
    assert reported.already_done(everything) is None  # the report asked for is not there yet
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "report.html").write_text("<html></html>")
    assert reported.already_done(everything) is not None


def test_the_batches_run_on_a_real_cluster_and_every_case_lands_once(tmp_path, cohort):
    manifest, good, broken, config = cohort
    run = CohortRun(_params(tmp_path, manifest, config, batch_size=2, qc_pictures=False))
    seen = []
    with LocalCluster(**local_cluster_kwargs(1, dashboard="127.0.0.1:0")) as cluster, Client(cluster) as client:
        with run.locked() as token:
            plan = run.plan(token, workers=1)
            summary = run.extract(plan, client, lambda finished, total, _: seen.append((finished, total)))
            run.finish(plan, summary)
    assert (summary.done, summary.failed) == (len(good), len(broken) + 1)
    assert seen[-1] == (plan.items, plan.items) and len(seen) == len(plan.batches)
    assert {f["stage"] for f in summary.failures} == set(broken.values()) | {"manifest"}
    out = tmp_path / "out"
    rows = duckdb.sql(f"select case_id from read_parquet('{out}/features/**/*.parquet', hive_partitioning=true)")
    assert sorted(r[0] for r in rows.fetchall()) == sorted(good)
    assert CohortRun(_params(tmp_path, manifest, config)).done() == {(case, 1) for case in good}


def test_the_default_store_sits_beside_the_dataset_as_a_path_or_a_url(tmp_path):
    from radcore.cohort.parameters import CohortParameters

    on_disk = CohortParameters(manifest="m.csv", out=str(tmp_path / "out")).store_path()
    assert on_disk == str(tmp_path / "out" / "cohort.zarr")
    assert CohortParameters(manifest="m.csv", out="s3://bucket/out/").store_path() == "s3://bucket/out/cohort.zarr"
    assert CohortParameters(manifest="m.csv", store="s3://b/c.zarr", out="/o").store_path() == "s3://b/c.zarr"
