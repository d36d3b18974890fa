"""A cohort run as a new user makes it: an unmodified PyRadiomics params file, odd case ids, damaged files and
unrunnable manifest rows, through the ``radcore`` command (real Prefect server, LocalCluster, Zarr, Parquet).
"""

import re
from pathlib import Path

import duckdb
import numpy as np
import pyarrow.parquet as pq
import pytest
import SimpleITK as sitk

from radcore.cli import main
from tests.cohort_cases import ODD_IDS, write_good_case, write_odd_cohort

PARAMS = Path(__file__).parents[1] / "data" / "pyradiomics" / "Params.yaml"
QUERYING = Path(__file__).parents[2] / "docs" / "querying.md"
NO_FIXED_PORT = ["--dashboard", "127.0.0.1:0"]


def _features(out):
    return f"read_parquet('{out}/features/**/*.parquet', hive_partitioning=true, union_by_name=true)"


def _errors(out):
    return f"read_parquet('{out}/errors/**/*.parquet', hive_partitioning=true)"


def _current_failures(out):
    return dict(((c, s) for c, s in duckdb.sql(
        f"select e.case_id, e.stage from {_errors(out)} e anti join {_features(out)} f "
        "using (case_id, label, settings_hash)").fetchall()))


def _tree(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


@pytest.fixture(scope="module")
def odd_run(prefect_backend, tmp_path_factory):
    env = pytest.MonkeyPatch()  # as the cli_env fixture, for the whole module
    for key in ("PREFECT_SERVER_EPHEMERAL_ENABLED", "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS",
                "PREFECT_SERVER_ANALYTICS_ENABLED"):
        env.setenv(key, "recorded")
        env.delenv(key)
    folder = tmp_path_factory.mktemp("odd")
    manifest, expected, problems = write_odd_cohort(folder / "inputs")
    inputs_before = _tree(folder / "inputs")
    status = main(["run", str(manifest), "--config", str(PARAMS), "--out", str(folder / "out"), "--workers", "2",
                   "--batch-size", "3", *NO_FIXED_PORT])
    env.undo()
    return folder, expected, problems, inputs_before, status


def test_pyradiomics_params_run_accounts_for_every_case_once(odd_run):
    folder, expected, problems, _, status = odd_run
    out = folder / "out"
    assert status == 1  # some cases failed
    rows = duckdb.sql(f"select case_id, label from {_features(out)}").fetchall()
    assert sorted(c for c, _ in rows) == sorted(c for c, v in expected.items() if v == "ok")  # once each
    assert sorted(set(ODD_IDS)) == sorted(c for c, _ in rows)  # verbatim
    failures = _current_failures(out)
    assert {c: s for c, s in failures.items() if s != "manifest"} == {c: v for c, v in expected.items() if v != "ok"}
    manifest_rows = duckdb.sql(f"select case_id, reason from {_errors(out)} where stage = 'manifest'").fetchall()
    assert sorted(c for c, _ in manifest_rows) == ["", "bad label", "no mask"]
    for row, text in problems.items():
        assert any(f"row {row}: {text}" in reason for _, reason in manifest_rows), (row, text)
    columns = [c[0] for c in duckdb.sql(f"describe select * from {_features(out)}").fetchall()]
    assert "original_shape_meshvolume" in columns and "original_glcm_contrast" in columns


def test_damaged_inputs_never_become_numbers(odd_run):
    folder, *_ = odd_run
    reasons = dict(duckdb.sql(f"select case_id, reason from {_errors(folder / 'out')}").fetchall())
    assert "the gzip stream ends early" in reasons["truncated gz"]
    assert "non-finite voxels" in reasons["nan voxels"]
    ids = {c for (c,) in duckdb.sql(f"select case_id from {_features(folder / 'out')}").fetchall()}
    assert not ids & {"truncated gz", "nan voxels", "missing", "corrupt", "empty", "mismatch"}


def test_nothing_is_written_outside_the_output_folder(odd_run):
    folder, _, _, inputs_before, _ = odd_run
    assert sorted(p.name for p in folder.iterdir()) == ["inputs", "out"]
    assert _tree(folder / "inputs") == inputs_before
    store = folder / "out" / "cohort.zarr"
    assert all(p.parent == store for p in store.iterdir())  # one group per case, directly in the store
    assert not [p for p in store.iterdir() if p.name.startswith(".tmp")]


def test_catalogue_settings_and_versions_describe_the_pyradiomics_columns(odd_run):
    folder, *_ = odd_run
    out = folder / "out"
    (partition,) = (out / "catalogue").iterdir()
    catalogue = pq.read_table(partition / "catalogue.parquet").to_pylist()
    columns = {c[0] for c in duckdb.sql(f"describe select * from {_features(out)}").fetchall()}
    assert {r["column"] for r in catalogue} == {c for c in columns if c.startswith("original_")}
    assert {r["convention"] for r in catalogue} == {"pyradiomics"}
    assert {r["family"] for r in catalogue} == {"shape", "firstorder", "glcm", "glrlm", "glszm", "gldm"}
    settings_dir = out / "settings" / partition.name
    versions = __import__("json").loads((settings_dir / "versions.json").read_text())
    assert set(versions) >= {"radcore", "python", "numpy", "numba", "SimpleITK", "pyradiomics"}
    (batch, *_) = sorted((out / "features" / partition.name).glob("batch-*.parquet"))
    assert b"radcore.versions" in pq.read_schema(batch).metadata


def _documented_queries(dataset: Path, settings_hash: str) -> str:
    """The Python blocks of the querying page, on ``dataset``."""
    block = "\n".join(part.split("```", 1)[0] for part in QUERYING.read_text().split("```python")[1:])
    return block.replace("results/", f"{dataset}/").replace('"results"', f'"{dataset}"').replace("<h>", settings_hash)


def test_the_documented_queries_work_on_a_dataset_with_failures(odd_run):
    folder, *_ = odd_run
    (partition,) = (folder / "out" / "features").iterdir()
    exec(_documented_queries(folder / "out", partition.name.split("=", 1)[1]), {})


def test_the_documented_queries_work_on_a_dataset_without_failures(cli_env, tmp_path):
    (tmp_path / "in").mkdir()
    entries = [write_good_case(tmp_path / "in", f"c{i}", i) for i in range(2)]
    manifest = tmp_path / "in" / "m.csv"
    manifest.write_text("case_id,image,mask\n" + "".join(f"{e.case_id},{e.image},{e.mask}\n" for e in entries))
    (tmp_path / "s.yaml").write_text("families: [stat, glcm]\n")
    assert main(["run", str(manifest), "--config", str(tmp_path / "s.yaml"), "--out", str(tmp_path / "out"),
                 "--workers", "1", *NO_FIXED_PORT]) == 0
    assert not list((tmp_path / "out" / "errors").rglob("batch-*.parquet"))
    (partition,) = (tmp_path / "out" / "features").iterdir()
    exec(_documented_queries(tmp_path / "out", partition.name.split("=", 1)[1]), {})
    assert _current_failures(tmp_path / "out") == {}


def test_naming_that_cannot_name_the_features_is_refused_in_one_line(cli_env, tmp_path, capsys):
    status = main(["run", "--store", str(tmp_path / "s"), "--config", str(PARAMS), "--out", str(tmp_path / "o"),
                   "--naming", "ibsi"])
    err = capsys.readouterr().err
    assert status == 2 and len(err.strip().splitlines()) == 1
    assert re.match(r"radcore run: SettingsError: naming 'ibsi' needs IBSI definitions", err)
    assert not (tmp_path / "o").exists()


def test_every_label_of_a_mask_one_row_each_split_across_batches(cli_env, tmp_path):
    (tmp_path / "in").mkdir()
    entry = write_good_case(tmp_path / "in", "multi", 5)
    mask = sitk.ReadImage(entry.mask)
    labels = sitk.GetArrayFromImage(mask).astype(np.uint8)
    zs = np.flatnonzero(labels.any(axis=(1, 2)))
    thirds = np.array_split(zs, 3)
    for value, part in zip((1, 2, 7), thirds):
        labels[part] = labels[part] * value
    relabelled = sitk.GetImageFromArray(labels)
    relabelled.CopyInformation(mask)
    sitk.WriteImage(relabelled, entry.mask)
    other = write_good_case(tmp_path / "in", "single", 6)
    manifest = tmp_path / "in" / "m.csv"
    manifest.write_text(f"case_id,image,mask,label\nmulti,{entry.image},{entry.mask},all\n"
                        f"single,{other.image},{other.mask},\n")
    (tmp_path / "s.yaml").write_text("families: [stat]\n")
    out = tmp_path / "out"
    assert main(["run", str(manifest), "--config", str(tmp_path / "s.yaml"), "--out", str(out), "--workers", "2",
                 *NO_FIXED_PORT]) == 0
    rows = duckdb.sql(f"select case_id, label from {_features(out)} order by all").fetchall()
    assert rows == [("multi", 1), ("multi", 2), ("multi", 7), ("single", 1)]
    # from the store the labels are known when planning: one label per batch spreads the case over workers
    out2 = tmp_path / "out2"
    assert main(["run", "--store", str(out / "cohort.zarr"), "--config", str(tmp_path / "s.yaml"), "--out", str(out2),
                 "--label", "all", "--batch-size", "1", "--workers", "2", *NO_FIXED_PORT]) == 0
    assert duckdb.sql(f"select case_id, label from {_features(out2)} order by all").fetchall() == rows
    assert len(list((out2 / "features").rglob("batch-*.parquet"))) == 4
