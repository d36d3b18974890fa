"""The cohort worker's robustness run: a row per (case, label, version), the unperturbed row as without
perturbations, a version that cannot be made an error row naming it, every version exactly once."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import duckdb

import numpy as np
import pytest
import SimpleITK as sitk

from radcore.cohort.cluster import feature_columns
from radcore.cohort.plan import cases_from_manifest, metadata_columns, plan_batches
from radcore.cohort.qc import QC_TYPES
from radcore.cohort.worker import JobSpec, run_batch
from radcore.io.config import load_settings
from radcore.catalogue import catalogue_rows
from radcore.io.dataset import done_cases, ensure_readable, feature_schema, write_catalogue
from radcore.io.manifest import CaseEntry, read_manifest, write_manifest
from radcore.io.read_dataset import read_errors, read_features
from radcore.profiles import profile_of
from radcore.robustness.perturb import versions
from radcore.robustness.study import robustness_study
from radcore.settings import settings_hash
from tests.cohort_cases import write_good_case

DOCS = Path(__file__).parents[3] / "docs" / "robustness.md"

CONFIG = {
    "families": ["stat", "morph"],
    "perturbation": {"rotation_angles": [0, 20], "volume_adaptations": [-0.6, 0.0, 0.2],
                     "noise_repetitions": 1, "noise_level": 5.0, "seed": 7},
}


@pytest.fixture(scope="module")
def manifest(tmp_path_factory):
    folder = tmp_path_factory.mktemp("robust")
    entries = [write_good_case(folder, f"case{i}", i) for i in range(3)]
    image = sitk.ReadImage(entries[0].image)
    tiny = np.zeros(sitk.GetArrayFromImage(image).shape, dtype=np.uint8)
    tiny[8, 24, 24] = 1  # one voxel: shrinking it by 60 % leaves nothing
    mask = sitk.GetImageFromArray(tiny)
    mask.CopyInformation(image)
    sitk.WriteImage(mask, str(folder / "tiny_mask.nii.gz"))
    entries.append(CaseEntry("tiny", entries[0].image, str(folder / "tiny_mask.nii.gz"), None, {"site": "t"}))
    path = folder / "manifest.csv"
    write_manifest(entries, path)
    return path


def run(manifest, tmp_path, config, batch_size=100):
    settings = load_settings(config)
    h = settings_hash(settings)
    keys = profile_of(settings).feature_keys(settings)
    jobs = cases_from_manifest(read_manifest(manifest), settings.label)
    spec = JobSpec(str(tmp_path / "store"), str(tmp_path / "out"), settings, h, ingest=True,
                   metadata_columns=metadata_columns(jobs), feature_columns=feature_columns(keys, "native"),
                   qc_pictures=False)
    reports = [run_batch(b, spec) for b in plan_batches(jobs, h, done_cases(spec.dataset, h), batch_size)]
    computed = dict.fromkeys(k for r in reports for k in r.keys)
    if computed:  # as the run's catalogue does (radcore.cohort.run)
        write_catalogue(spec.dataset, h, catalogue_rows(computed, "native", settings.profile))
    ensure_readable(spec.dataset, h, feature_schema(spec.metadata_columns, spec.feature_columns, QC_TYPES,
                                                    perturbed=settings.perturbation is not None))
    return spec, jobs, reports


def test_each_version_is_a_row_and_the_unperturbed_row_is_todays(manifest, tmp_path):
    spec, jobs, reports = run(manifest, tmp_path, CONFIG, batch_size=2)
    names = [v.name for v in versions(spec.settings.perturbation)]
    assert len(names) == 2 * 3 * 1 + 1
    rows = read_features(spec.dataset, spec.settings_hash)
    errors = read_errors(spec.dataset)
    good = ["case0", "case1", "case2"]
    for case in good:
        assert sorted(rows[rows.case_id == case]["perturbation"]) == sorted(names)
    assert not rows.duplicated(["case_id", "label", "perturbation"]).any()
    # the tiny ROI: the shrunk versions fail at stage perturb, naming themselves; the others run
    shrunk = sorted(n for n in names if "vol=-0.6" in n)
    tiny_errors = errors[errors.case_id == "tiny"]
    assert sorted(tiny_errors["perturbation"]) == shrunk
    assert set(tiny_errors["stage"]) == {"perturb"} and set(tiny_errors["error_type"]) == {"EmptyROIError"}
    assert sorted(rows[rows.case_id == "tiny"]["perturbation"]) == sorted(set(names) - set(shrunk))
    assert sum(r.done for r in reports) == len(rows) and sum(r.failed for r in reports) == len(tiny_errors)
    # the unperturbed rows equal the rows of the same settings without perturbations
    plain_config = {k: v for k, v in CONFIG.items() if k != "perturbation"}
    plain_spec, _, _ = run(manifest, tmp_path / "plain", plain_config)
    plain = read_features(plain_spec.dataset, plain_spec.settings_hash).set_index("case_id")
    assert "perturbation" not in plain.columns
    none = rows[rows.perturbation == "none"].set_index("case_id")
    features = [c for c in plain_spec.feature_columns if c in plain.columns]
    assert len(features) > 20
    for case in good + ["tiny"]:
        for column in features:
            a, b = none.at[case, column], plain.at[case, column]
            assert a == b or (np.isnan(a) and np.isnan(b)), (case, column)
    # versions differ where they should: a grown ROI has more voxels, noise changes intensities
    by_name = rows[rows.case_id == "case0"].set_index("perturbation")
    volume = [c for c in features if c.endswith("morph_volume_approx") or c.endswith("morph_volume")][0]
    assert by_name.at["vol=+0.2,noise=1", volume] > by_name.at["noise=1", volume]  # noise is in every version
    mean = [c for c in features if c.endswith("stat_mean")][0]
    assert by_name.at["noise=1", mean] != by_name.at["none", mean]
    # a second run finds every (case, label) done: nothing runs twice
    _, _, again = run(manifest, tmp_path, CONFIG)
    assert again == []
    # the report says how to get the ICC before there is one, and looks at the unperturbed rows
    from radcore.report import build_report

    before = build_report(spec.dataset, settings_hash=spec.settings_hash)
    text = before.path.read_text()
    assert before.cases == 4 and "No ICC table yet" in text and f"{len(names)} versions of each" in text
    assert f"{len(tiny_errors)} versions failed" in text
    # and the ICC over the versions can be computed from the dataset
    result = robustness_study(spec.dataset, spec.settings_hash)
    assert result.n_cases == 4 and len(result.versions) == len(names)
    # the documentation's query of the passing features gives the features the command lists
    sql = DOCS.read_text().split("```sql\n", 1)[1].split("```", 1)[0].replace("results/", f"{spec.dataset}/")
    documented = duckdb.sql(sql).df()
    assert sorted(documented["feature"]) == sorted(result.passing)
    assert set(documented["family"]) <= {"stat", "morph"}
    # the report's robustness section: the ICC per family and image type, the passing features
    text = build_report(spec.dataset, settings_hash=spec.settings_hash).path.read_text()
    assert 'id="icc-by-family"' in text and 'id="passing-features"' in text
    assert f"{len(result.passing)} of {result.features} features pass" in text


def test_same_settings_same_versions(manifest, tmp_path):
    first, _, _ = run(manifest, tmp_path / "a", CONFIG)
    second, _, _ = run(manifest, tmp_path / "b", CONFIG)
    a = read_features(first.dataset, first.settings_hash)
    b = read_features(second.dataset, second.settings_hash)
    features = [c for c in first.feature_columns if c in a.columns]
    assert np.array_equal(a[features].to_numpy(), b[features].to_numpy(), equal_nan=True)
    reseeded = dataclasses.replace(first.settings.perturbation, seed=8)
    assert settings_hash(dataclasses.replace(first.settings, perturbation=reseeded)) != first.settings_hash


def test_pyradiomics_profile_versions(manifest, tmp_path):
    params = {"setting": {"binWidth": 25}, "featureClass": {"firstorder": None, "shape": None},
              "imageType": {"Original": {}}}
    config = {"profile": "pyradiomics", "pyradiomics": params,
              "perturbation": {"rotation_angles": [0, 30], "volume_adaptations": [0.0, 0.2]}}
    spec, _, _ = run(manifest, tmp_path, config)
    rows = read_features(spec.dataset, spec.settings_hash)
    good = rows[rows.case_id == "case1"].set_index("perturbation")
    assert sorted(good.index) == sorted(["none", "rot=30", "vol=+0.2", "rot=30,vol=+0.2"])
    voxels = "original_shape_voxelvolume"
    assert good.at["vol=+0.2", voxels] == pytest.approx(good.at["none", voxels] * 1.2, rel=0.01)
    assert good.at["rot=30", voxels] == pytest.approx(good.at["none", voxels], rel=0.03)
    plain_spec, _, _ = run(manifest, tmp_path / "plain", params)
    plain = read_features(plain_spec.dataset, plain_spec.settings_hash).set_index("case_id")
    features = [c for c in plain_spec.feature_columns if c in plain.columns]
    none = rows[rows.perturbation == "none"].set_index("case_id")
    for column in features:
        assert none.at["case1", column] == plain.at["case1", column] or np.isnan(plain.at["case1", column]), column


def test_the_ct_study_config(manifest, tmp_path):
    """configs/robustness/ct.yaml as the docs show it: 49 versions of each case, all of them rows, and
    an ICC of every feature over them."""
    config = Path(__file__).parents[3] / "configs" / "robustness" / "ct.yaml"
    settings = load_settings(str(config))
    assert settings.profile == "ibsi" and len(versions(settings.perturbation)) == 49
    cases = manifest.with_name("two_cases.csv")
    write_manifest([e for e in read_manifest(manifest).entries if e.case_id in ("case0", "case1")], cases)
    spec, _, reports = run(cases, tmp_path, str(config))
    assert sum(r.failed for r in reports) == 0, [r.failures for r in reports]
    rows = read_features(spec.dataset, spec.settings_hash)
    assert len(rows) == 2 * 49
    result = robustness_study(spec.dataset)
    assert result.features == len([c for c in spec.feature_columns if c in rows.columns]) > 200
    assert result.passing  # some features of these two cases agree across their versions


def test_the_workers_warm_up_makes_the_perturbations(caplog):
    """A robustness run's warm-up also compiles the perturbations' kernels, without a warning."""
    from radcore.cohort.cluster import warm_up

    warm_up(load_settings({"families": ["stat"], "perturbation": {"rotation_angles": [0, 10],
                                                                   "contour_randomisations": 1}}))
    assert not [r for r in caplog.records if r.levelname == "WARNING"]
