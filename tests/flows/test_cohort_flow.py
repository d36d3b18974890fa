"""The cohort flow end to end: real Prefect server (test harness), real LocalCluster, Zarr and Parquet."""

import duckdb
import pytest

from radcore_flows.cohort import CohortParameters, cohort_flow
from radcore_flows.deploy import build_deployment
from tests.cohort_cases import CONFIG, write_cohort


def _features(out):
    return f"read_parquet('{out}/features/**/*.parquet', hive_partitioning=true, union_by_name=true)"


@pytest.fixture(scope="module")
def first_run(prefect_backend, tmp_path_factory):
    folder = tmp_path_factory.mktemp("flow")
    manifest, good, stages = write_cohort(folder / "inputs", n_good=5, broken=True)
    config = folder / "settings.yaml"
    config.write_text(CONFIG)
    params = CohortParameters(manifest=str(manifest), config=str(config), out=str(folder / "dataset"),
                              workers=2, batch_size=3, dashboard="127.0.0.1:0")
    return params, good, stages, cohort_flow(params)


def test_cohort_lands_good_cases_in_features_and_broken_ones_in_errors(first_run):
    params, good, stages, summary = first_run
    assert (summary.done, summary.failed, summary.skipped) == (5, 4, 0), summary.failures
    assert summary.batches == 3 and summary.workers == 2
    rows = duckdb.sql(f"select case_id, label, site, settings_hash from {_features(params.out)} order by case_id").fetchall()
    assert [r[0] for r in rows] == sorted(good)  # one row per case, no duplicates
    assert {r[3] for r in rows} == {summary.settings_hash}
    assert rows[0][2] == "s0"
    errors = dict(duckdb.sql(
        f"select case_id, stage from read_parquet('{params.out}/errors/**/*.parquet', hive_partitioning=true)"
    ).fetchall())
    assert errors == stages
    stat_mean = duckdb.sql(f"select count(original_stat_mean) from {_features(params.out)}").fetchall()
    assert stat_mean == [(5,)]
    catalogue = duckdb.sql(
        f"select family from '{params.out}/catalogue/settings_hash={summary.settings_hash}/catalogue.parquet'"
    ).fetchall()
    assert {c[0] for c in catalogue} == {"stat"}


def test_rerun_adds_nothing(first_run):
    params, good, stages, first = first_run
    before = duckdb.sql(f"select case_id, extracted_at from {_features(params.out)} order by case_id").fetchall()
    summary = cohort_flow(params)
    assert (summary.done, summary.skipped) == (0, 5)
    assert summary.failed == len(stages)  # failed cases are retried, and fail again
    after = duckdb.sql(f"select case_id, extracted_at from {_features(params.out)} order by case_id").fetchall()
    assert after == before


def test_run_from_the_store_writes_a_new_dataset(first_run, tmp_path):
    params, good, stages, _ = first_run
    from_store = CohortParameters(store=params.store_path(), config=params.config, out=str(tmp_path / "d2"),
                                  workers=1, naming="ibsi", dashboard="127.0.0.1:0")
    summary = cohort_flow(from_store)
    # the store holds the good cases and the broken ones that could be ingested: the empty mask, and the
    # mask off the image grid (kept for PyRadiomics' correctMask; IBSI settings refuse it)
    assert summary.done == 5 and summary.failed == 2
    columns = [c[0] for c in duckdb.sql(f"describe select * from {_features(tmp_path / 'd2')}").fetchall()]
    assert "stat_mean" in columns


def test_artifacts_summary_and_failures(first_run):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    summary = first_run[3]
    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[summary.flow_run_id])))
    keys = {a.key: a for a in artifacts}
    assert set(keys) == {"radcore-cohort-summary", "radcore-cohort-failures", "radcore-cohort-progress",
                         "radcore-cohort-qc"}
    assert "cases/s" in str(keys["radcore-cohort-summary"].data)
    failures = str(keys["radcore-cohort-failures"].data)
    assert all(case in failures for case in ("missing", "corrupt", "empty", "mismatch"))
    assert keys["radcore-cohort-progress"].data == 100.0
    qc = str(keys["radcore-cohort-qc"].data)  # markdown: flagged rows, and how to get the report (not asked for)
    assert qc.startswith(f"# QC flags, settings {summary.settings_hash}") and "of 5 extracted" in qc
    assert "radcore report" in qc and summary.report_path == ""


def test_deployment_has_the_parameter_form():
    deployment = build_deployment("test")
    assert deployment.entrypoint == "radcore_flows.cohort.cohort_flow"
    schema = deployment._parameter_openapi_schema.model_dump()
    fields = schema["definitions"]["CohortParameters"]["properties"]
    assert {"manifest", "store", "config", "out", "batch_size", "workers", "scheduler", "qc_pictures",
            "report"} <= set(fields)
    # a form a person fills in: plain fields (no "str | None" switches), no command-line-only options
    assert all("anyOf" not in field for field in fields.values()), fields
    assert {fields[k]["type"] for k in ("manifest", "store", "config", "scheduler", "label", "dashboard")} == {"string"}
    assert "progress_bar" not in fields
    assert fields["naming"].get("enum") == ["native", "ibsi", "pyradiomics"] or "$ref" in str(fields["naming"])


def test_parameters_need_a_source():
    with pytest.raises(ValueError, match="give a manifest, a store, or both"):
        CohortParameters(out="x")


def test_maps_land_beside_the_features(prefect_backend, tmp_path):
    """``maps=True`` (``radcore run --maps``): each good case's maps group under DATASET/maps, the catalogue
    marks the mapped columns, and a rerun computes nothing again."""
    import yaml
    import zarr

    from radcore.io.maps import case_maps_path

    manifest, good, stages = write_cohort(tmp_path / "inputs", n_good=2, broken=False)
    config = tmp_path / "params.yaml"
    config.write_text(yaml.safe_dump({"setting": {"binWidth": 25.0},
                                      "featureClass": {"firstorder": ["Mean"], "glcm": ["Contrast"], "shape": None},
                                      "voxelSetting": {"kernelRadius": 1}}))
    params = CohortParameters(manifest=str(manifest), config=str(config), out=str(tmp_path / "dataset"), workers=1,
                              dashboard="127.0.0.1:0", naming="pyradiomics", maps=True)
    summary = cohort_flow(params)
    assert (summary.done, summary.failed) == (2, 0), summary.failures
    for case_id in good:
        group = zarr.open_group(str(case_maps_path(params.out, summary.settings_hash, case_id, 1)), mode="r")
        assert sorted(group.array_keys()) == ["original_firstorder_Mean", "original_glcm_Contrast"]
    catalogue = dict(duckdb.sql(
        f"select feature, map from '{params.out}/catalogue/settings_hash={summary.settings_hash}/catalogue.parquet'"
    ).fetchall())
    assert catalogue["Contrast"] is True and catalogue["Sphericity"] is False
    again = cohort_flow(params)
    assert (again.done, again.skipped) == (0, 2)
