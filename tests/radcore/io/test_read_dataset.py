"""radcore.io.read_dataset: a result dataset read back for the report."""

import datetime

import pyarrow as pa
import pytest

from radcore.cohort.qc import QC_TYPES
from radcore.cohort.synthetic import write_synthetic_dataset
from radcore.errors import DatasetError
from radcore.io import dataset as ds
from radcore.io.read_dataset import read_dataset, read_picture, read_qc, settings_hashes, write_text


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    folder = tmp_path_factory.mktemp("read") / "dataset"
    planted = write_synthetic_dataset(folder, rows=40, features=12, files=4)
    return folder, planted


def test_a_folder_that_is_not_a_dataset_is_refused(tmp_path):
    with pytest.raises(DatasetError, match="is not a folder"):
        read_dataset(tmp_path / "nowhere")
    (tmp_path / "features").mkdir()
    with pytest.raises(DatasetError, match="is not a radcore dataset"):
        settings_hashes(tmp_path)


def test_rows_errors_catalogue_and_provenance(synthetic):
    folder, planted = synthetic
    contents = read_dataset(folder)
    assert contents.settings_hash == "synthetic"
    assert len(contents.features) == 40 - len(planted["failed"])
    assert list(contents.features["case_id"]) == sorted(contents.features["case_id"])
    assert contents.metadata_columns == ["site"]
    assert contents.feature_columns[0] == "original_morph_volume" and len(contents.feature_columns) == 12
    assert set(contents.qc_columns) == set(QC_TYPES)
    assert list(contents.errors["case_id"]) == planted["failed"]
    assert set(contents.errors["settings_hash"]) == {"synthetic"}
    partition = contents.partitions["synthetic"]
    assert partition.rows == len(contents.features) and partition.files == 4
    assert partition.versions["radcore"] == "synthetic" and partition.settings["synthetic"] is True
    with pytest.raises(DatasetError, match="settings hash 'other' is not in"):
        read_dataset(folder, "other")


def test_a_case_written_twice_keeps_its_latest_row(tmp_path):
    schema = ds.feature_schema([], ["f"], QC_TYPES)
    for name, when, value in (("batch-b", 2, 2.0), ("batch-a", 1, 1.0)):
        row = {"case_id": "c1", "label": 1, "extracted_at": datetime.datetime(2026, 1, when, tzinfo=datetime.UTC),
               "qc_flags": "", "f": value}
        ds.write_batch_table(tmp_path, "h", name, pa.Table.from_pylist([row], schema=schema), None)
    contents = read_dataset(tmp_path)
    assert contents.features[["case_id", "f"]].values.tolist() == [["c1", 2.0]]
    assert len(contents.errors) == 0 and "settings_hash" in contents.errors.columns
    assert contents.feature_columns == ["f"]  # no catalogue: the float columns that are neither QC nor provenance


def test_read_qc_reads_keys_and_qc_columns_only(synthetic):
    folder, _ = synthetic
    qc = read_qc(folder, "synthetic")
    assert {"case_id", "label", "qc_flags", "qc_roi_voxels"} <= set(qc.columns)
    assert not [c for c in qc.columns if c.startswith("original_")]


def test_pictures_and_atomic_text(synthetic, tmp_path):
    folder, planted = synthetic
    assert read_picture(folder, "case000001", 1).startswith(b"\x89PNG")
    assert read_picture(folder, planted["failed"][0], 1) is None
    path = write_text(tmp_path / "sub" / "r.html", "<p>é</p>")
    assert path.read_text(encoding="utf-8") == "<p>é</p>" and [p.name for p in path.parent.iterdir()] == ["r.html"]
