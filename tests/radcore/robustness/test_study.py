"""`radcore robustness DATASET`: the ICC table of a dataset with perturbed versions, written in long form."""

from __future__ import annotations

import duckdb
import numpy as np
import pytest

from radcore.cli import main
from radcore.errors import DatasetError
from radcore.io.dataset import feature_schema, write_batch, write_catalogue
from radcore.io.robustness import read_icc, read_passing
from radcore.robustness.study import robustness_study
from tests.radcore.robustness.test_icc import pingouin_icc
from tests.robustness_data import real_ratings

H = "0123456789abcdef"


def write_versions(dataset, ratings: np.ndarray, versions: list[str], missing=()) -> list[str]:
    """A features partition with a row per (case, version) of ``ratings`` (n, k, m), but ``missing``
    (case index, version index) pairs; returns the feature column names."""
    n, k, m = ratings.shape
    features = [f"original_family_f{j}" for j in range(m)]
    rows = [{"case_id": f"case {i}", "label": 1, "perturbation": versions[v],
             **{f: float(ratings[i, v, j]) for j, f in enumerate(features)}}
            for i in range(n) for v in range(k) if (i, v) not in missing]
    write_batch(dataset, H, "b1", rows, [], feature_schema([], features, perturbed=True))
    write_catalogue(dataset, H, [{"column": f, "image_type": "original", "family": "family", "feature": f,
                                  "aggregation": "", "convention": "ibsi", "ibsi_code": None, "ibsi_tag": None,
                                  "description": ""} for f in features])
    return features


def test_robustness_command_on_real_features(tmp_path, capsys):
    ratings = real_ratings()
    features = write_versions(tmp_path, ratings, ["none", "v1", "v2", "v3"])
    assert main(["robustness", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    table = read_icc(tmp_path, H).to_pandas()
    assert len(table) == 3 * len(features)
    assert set(table["icc_type"]) == {"ICC(1,1)", "ICC(A,1)", "ICC(C,1)"}
    for j in (0, 17, len(features) - 1):
        theirs = pingouin_icc(ratings[:, :, j])
        ours = table[table.feature == features[j]].set_index("icc_type")
        for icc_type in ("ICC(1,1)", "ICC(A,1)", "ICC(C,1)"):
            assert ours.at[icc_type, "icc"] == pytest.approx(theirs.at[icc_type, "ICC"], abs=1e-10)
            assert ours.at[icc_type, "ci95_low"] == pytest.approx(theirs.at[icc_type, "CI95"][0], abs=1e-10)
    # the documented query of passing features gives the list the command wrote
    glob = str(tmp_path / "robustness" / "**" / "icc.parquet")
    passing = [r[0] for r in duckdb.sql(
        f"select feature from read_parquet('{glob}', hive_partitioning=true) "
        "where icc_type = 'ICC(1,1)' and ci95_low >= 0.75 order by feature").fetchall()]
    assert sorted(read_passing(tmp_path, H)["features"]) == passing
    assert 0 < len(passing) < len(features)
    assert f"{len(passing)} of {len(features)} features pass" in out


def test_a_missing_version_leaves_its_case_out(tmp_path):
    rng = np.random.default_rng(5)
    ratings = rng.normal(size=(6, 1, 3)) * 3 + rng.normal(size=(6, 4, 3))
    features = write_versions(tmp_path, ratings, ["none", "a", "b", "c"], missing={(2, 1)})
    result = robustness_study(tmp_path)
    table = read_icc(tmp_path, H).to_pandas()
    assert set(table["n_cases"]) == {5} and result.n_cases == 6
    kept = np.delete(ratings, 2, axis=0)
    theirs = pingouin_icc(kept[:, :, 1])
    ours = table[(table.feature == features[1]) & (table.icc_type == "ICC(A,1)")]
    assert ours["icc"].iloc[0] == pytest.approx(theirs.at["ICC(A,1)", "ICC"], abs=1e-10)


def test_a_dataset_without_versions_is_refused(tmp_path, capsys):
    write_batch(tmp_path, H, "b1", [{"case_id": "a", "label": 1, "f": 1.0}], [], feature_schema([], ["f"]))
    assert main(["robustness", str(tmp_path)]) == 2
    assert "has no partition with perturbed versions" in capsys.readouterr().err
    with pytest.raises(DatasetError, match="have no perturbed versions"):
        robustness_study(tmp_path, H)
    with pytest.raises(DatasetError, match="icc_type must be one of"):
        robustness_study(tmp_path, H, icc_type="ICC(2,k)")
