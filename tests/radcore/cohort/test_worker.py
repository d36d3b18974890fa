import dataclasses
import subprocess
import sys

import numpy as np
import pytest

import radcore
from radcore.catalogue import catalogue_rows
from radcore.cohort.cluster import feature_columns
from radcore.cohort.plan import cases_from_manifest, metadata_columns, plan_batches
from radcore.io.manifest import read_manifest
from radcore.cohort.worker import JobSpec, run_batch, stage_of
from radcore.errors import EmptyROIError, FeatureError
from radcore.io.config import load_settings
from radcore.io.dataset import done_cases, partition
from radcore.profiles import profile_of
from radcore.settings import Settings, settings_hash
from tests.cohort_cases import write_cohort

import pyarrow.parquet as pq


@pytest.fixture(scope="module")
def cohort(tmp_path_factory):
    return write_cohort(tmp_path_factory.mktemp("cohort"), n_good=3, broken=True)


def test_batch_records_each_failure_by_stage_and_keeps_good_cases(cohort, tmp_path):
    manifest, good, stages = cohort
    settings = Settings(families=("stat",))
    h = settings_hash(settings)
    keys = profile_of(settings).feature_keys(settings)
    spec = JobSpec(str(tmp_path / "store"), str(tmp_path / "out"), settings, h, ingest=True,
                   metadata_columns=("site",), feature_columns=feature_columns(keys, "native"))
    jobs = cases_from_manifest(read_manifest(manifest), settings.label)
    (batch,) = plan_batches(jobs, h, set(), batch_size=100)
    report = run_batch(batch, spec)
    assert (report.done, report.failed) == (3, 4)
    assert {f["case_id"]: f["stage"] for f in report.failures} == stages
    reasons = {f["case_id"]: (f["error_type"], f["reason"]) for f in report.failures}
    assert reasons["empty"][0] == "LabelNotFoundError" and "label 1 does not occur" in reasons["empty"][1]
    assert reasons["mismatch"][0] == "GeometryMismatchError"
    assert report.case_seconds <= report.seconds and report.peak_rss_mb > 0
    assert done_cases(spec.dataset, h) == {(c, 1) for c in good}
    table = pq.read_table(partition(spec.dataset, "features", h) / f"batch-{batch.batch_id}.parquet")
    rows = {r["case_id"]: r for r in table.to_pylist()}
    # the ROI read from the store gives the features of the whole case read from its files
    entry = next(j.entry for j in jobs if j.case_id == good[0])
    direct = radcore.extract(entry.image, entry.mask, config={"families": ["stat"]})
    assert direct
    for column, value in direct.items():
        assert rows[good[0]][column] == pytest.approx(value, rel=1e-12, abs=1e-12), column
    assert rows[good[0]]["site"] == "s0" and rows[good[0]]["image_digest"].startswith("sha256:")
    errors = pq.read_table(partition(spec.dataset, "errors", h) / f"batch-{batch.batch_id}.parquet").to_pylist()
    assert sorted(e["case_id"] for e in errors) == sorted(stages)


@pytest.mark.parametrize("config", [
    {"families": ["stat", "glcm"], "interpolation": {"spacing": [2.0, 2.0, 2.0], "round_intensities": True}},
    {"setting": {"binWidth": 25, "resampledPixelSpacing": [2, 2, 2], "normalize": True},
     "imageType": {"Original": {}, "LoG": {"sigma": [2.0]}}, "featureClass": {"firstorder": None, "glcm": None}},
], ids=["ibsi", "pyradiomics"])
def test_store_mode_reads_what_was_ingested(cohort, tmp_path, config):
    """A batch that ingests its cases extracts from the arrays it decoded; a batch over the store reads
    them back: the same values, to the last bit."""
    manifest, good, _ = cohort
    settings = load_settings(config)
    h = settings_hash(settings)
    columns = feature_columns(profile_of(settings).feature_keys(settings), "native")
    spec = JobSpec(str(tmp_path / "store"), str(tmp_path / "out"), settings, h, ingest=True,
                   feature_columns=columns)
    jobs = [j for j in cases_from_manifest(read_manifest(manifest), 1) if j.case_id in good]
    run_batch(plan_batches(jobs, h, set(), 100)[0], spec)
    store_spec = dataclasses.replace(spec, dataset=str(tmp_path / "out2"), ingest=False)
    from radcore.cohort.plan import cases_from_store
    report = run_batch(plan_batches(cases_from_store(spec.store, 1), h, set(), 100)[0], store_spec)
    assert (report.done, report.failed) == (3, 0)

    def values(dataset):
        (path,) = partition(dataset, "features", h).glob("*.parquet")
        return {r["case_id"]: {c: r[c] for c in columns} for r in pq.read_table(path).to_pylist()}

    decoded, read_back = values(spec.dataset), values(store_spec.dataset)
    assert decoded == read_back and len(decoded) == 3
    assert all(sum(v is not None for v in row.values()) > 50 for row in decoded.values())


def test_stage_is_features_only_for_a_failing_feature_family():
    assert stage_of(FeatureError("glcm", ZeroDivisionError("x"))) == "features"
    assert stage_of(ValueError("a filter failed")) == "preprocess"
    assert stage_of(EmptyROIError("none")) == "preprocess"


def test_catalogue_names_every_column():
    settings = Settings(families=("stat",))
    keys = profile_of(settings).feature_keys(settings)
    rows = catalogue_rows(keys, "native", "ibsi")
    assert [r["column"] for r in rows] == list(feature_columns(keys, "native"))
    mean = next(r for r in rows if r["feature"] == "mean")
    assert mean["family"] == "stat" and mean["ibsi_code"] == "Q4LE" and mean["convention"] == "ibsi"


@pytest.mark.parametrize("config", [{}, {"interpolation": {"spacing": [2.0, 2.0, 2.0], "round_intensities": True}}])
def test_features_of_the_roi_crop_equal_those_of_the_whole_case(cohort, tmp_path, config):
    import math

    from radcore.cohort.margin import required_margin_mm
    from radcore.io.store import case_info, ingest_case, read_roi
    from radcore.naming import name_columns
    from radcore.pipeline import extract_volumes
    from radcore.settings import from_mapping

    manifest, good, _ = cohort
    entry = next(j.entry for j in cases_from_manifest(read_manifest(manifest), 1) if j.case_id == good[1])
    ingest_case(tmp_path / "s", entry)
    settings = from_mapping(config)
    margin = required_margin_mm(settings, case_info(tmp_path / "s", entry.case_id).spacing)
    cropped = name_columns(extract_volumes(*read_roi(tmp_path / "s", entry.case_id, 1, margin), settings))
    whole = radcore.extract(entry.image, entry.mask, config=settings)
    assert set(cropped) == set(whole) and len(whole) > 200
    # the store keeps the original image's intensity statistics; those of the whole interpolated image
    # are unknown to a crop (a worker adds them from the whole image: the test below)
    differ = {k for k in whole if not (math.isclose(cropped[k], whole[k], rel_tol=1e-9, abs_tol=1e-9)
                                       or (math.isnan(cropped[k]) and math.isnan(whole[k])))}
    unknown = {f"original_diagnostics_{s}_int_interp_img" for s in ("mean", "min", "max")}
    assert differ <= (unknown if config else set())


@pytest.mark.parametrize("config", [
    {"interpolation": {"spacing": [2.0, 2.0, 2.0], "image_order": 3, "round_intensities": True}},
    {"setting": {"binWidth": 10, "interpolator": "sitkBSpline", "resampledPixelSpacing": [1, 1, 1], "normalize": True},
     "imageType": {"Original": {}, "LoG": {"sigma": [1.0]}}},
], ids=["ibsi", "pyradiomics"])
def test_cohort_rows_equal_radcore_extract_in_every_column_diagnostics_included(cohort, tmp_path, config):
    import math

    manifest, good, _ = cohort
    settings = load_settings(config)
    h = settings_hash(settings)
    keys = profile_of(settings).feature_keys(settings)
    spec = JobSpec(str(tmp_path / "store"), str(tmp_path / "out"), settings, h, ingest=True,
                   feature_columns=feature_columns(keys, "native"))
    jobs = [j for j in cases_from_manifest(read_manifest(manifest), 1) if j.case_id == good[1]]
    assert run_batch(plan_batches(jobs, h, set(), 10)[0], spec).done == 1
    row = pq.read_table(partition(spec.dataset, "features", h)).to_pylist()[0]
    direct = radcore.extract(jobs[0].entry.image, jobs[0].entry.mask, config=settings)
    assert set(direct) <= set(row) and len(direct) > 100
    differ = {k: (row[k], v) for k, v in direct.items()
              if not (math.isclose(row[k], v, rel_tol=1e-12, abs_tol=1e-12) or (math.isnan(row[k]) and math.isnan(v)))}
    assert not differ
    if settings.profile == "ibsi":  # the whole interpolated image's statistics, which the crop read cannot give
        assert all(math.isfinite(row[f"original_diagnostics_{s}_int_interp_img"]) for s in ("mean", "min", "max"))


def test_pyradiomics_params_give_the_single_case_values(cohort, tmp_path):
    manifest, good, _ = cohort
    params = {"setting": {"binWidth": 10, "normalize": True},
              "imageType": {"Original": {}, "Wavelet": {}},
              "featureClass": {"firstorder": None, "glcm": ["Contrast"]}}
    settings = load_settings(params)
    h = settings_hash(settings)
    keys = profile_of(settings).feature_keys(settings)
    spec = JobSpec(str(tmp_path / "store"), str(tmp_path / "out"), settings, h, ingest=True,
                   naming="pyradiomics", feature_columns=feature_columns(keys, "pyradiomics"))
    jobs = [j for j in cases_from_manifest(read_manifest(manifest), 1) if j.case_id == good[0]]
    (batch,) = plan_batches(jobs, h, set(), 10)
    assert run_batch(batch, spec).done == 1
    row = pq.read_table(partition(spec.dataset, "features", h)).to_pylist()[0]
    direct = radcore.extract(jobs[0].entry.image, jobs[0].entry.mask, config=params, naming="pyradiomics")
    assert "wavelet-HHH_firstorder_Mean" in direct
    for column, value in direct.items():
        assert row[column] == pytest.approx(value, rel=1e-9, abs=1e-12), column


def test_a_dicom_series_with_an_rtstruct_runs_in_a_cohort(tmp_path):
    from radcore.io.manifest import CaseEntry, read_manifest, write_manifest
    from radcore.io.store import case_info
    from tests.reference import CT_PHANTOM_DICOM

    image_dir, rs = CT_PHANTOM_DICOM
    write_manifest([CaseEntry("ct phantom", str(image_dir), str(rs), None, {}, "GTV-1")], tmp_path / "m.csv")
    assert read_manifest(tmp_path / "m.csv").entries[0].roi == "GTV-1"
    settings = Settings(families=("stat",))
    h = settings_hash(settings)
    spec = JobSpec(str(tmp_path / "store"), str(tmp_path / "out"), settings, h, ingest=True)
    jobs = cases_from_manifest(read_manifest(tmp_path / "m.csv"), settings.label)
    assert run_batch(plan_batches(jobs, h, set(), 10)[0], spec).done == 1
    info = case_info(spec.store, "ct phantom")
    assert info.voxel_counts == {1: 125256} and info.modality == "CT"  # rasterised once, at ingest
    row = pq.read_table(partition(spec.dataset, "features", h)).to_pylist()[0]
    direct = radcore.extract(image_dir, rs, config={"families": ["stat"]}, roi="GTV-1")
    for column, value in direct.items():
        assert row[column] == pytest.approx(value, rel=1e-12), column


def test_several_overlapping_rtstruct_rois_of_one_row_give_one_row_each_named(tmp_path):
    import copy

    import pydicom

    from radcore.io.manifest import CaseEntry, write_manifest
    from radcore.io.store import case_info, read_roi
    from tests.reference import CT_PHANTOM_DICOM

    image_dir, rs = CT_PHANTOM_DICOM
    ds = pydicom.dcmread(str(rs))
    inner = copy.deepcopy(ds.StructureSetROISequence[0])
    inner.ROINumber, inner.ROIName = 2, "CORE"
    ds.StructureSetROISequence.append(inner)
    contours = copy.deepcopy(ds.ROIContourSequence[0])
    contours.ReferencedROINumber = 2
    contours.ContourSequence = contours.ContourSequence[8:14]  # inside GTV-1: the ROIs overlap
    ds.ROIContourSequence.append(contours)
    ds.save_as(str(tmp_path / "rs.dcm"))
    write_manifest([CaseEntry("p1", str(image_dir), str(tmp_path / "rs.dcm"), None, {"site": "a"}, "GTV-1|CORE")],
                   tmp_path / "m.csv")
    settings = Settings(families=("stat",))
    h = settings_hash(settings)
    jobs = cases_from_manifest(read_manifest(tmp_path / "m.csv"), settings.label)
    assert jobs[0].labels == (1, 2) and metadata_columns(jobs) == ("site", "roi")
    spec = JobSpec(str(tmp_path / "store"), str(tmp_path / "out"), settings, h, ingest=True,
                   metadata_columns=metadata_columns(jobs))
    assert run_batch(plan_batches(jobs, h, set(), 10)[0], spec).done == 2
    info = case_info(spec.store, "p1")
    assert info.rois == ("GTV-1", "CORE") and info.bits and info.voxel_counts[1] == 125256
    assert 0 < info.voxel_counts[2] < 125256
    _, gtv = read_roi(spec.store, "p1", 1, 0.0)
    assert gtv.array.sum() == 125256  # whole, although CORE overlaps it
    rows = {r["roi"]: r for r in pq.read_table(partition(spec.dataset, "features", h)).to_pylist()}
    assert set(rows) == {"GTV-1", "CORE"} and rows["CORE"]["label"] == 2 and rows["GTV-1"]["site"] == "a"
    for name in ("GTV-1", "CORE"):
        direct = radcore.extract(image_dir, tmp_path / "rs.dcm", config={"families": ["stat"]}, roi=name)
        assert rows[name]["original_stat_mean"] == pytest.approx(direct["original_stat_mean"], rel=1e-12)


def test_peak_memory_is_the_process_own_not_its_parent_s():
    block = np.ones(150_000_000)  # 1.2 GB in this process, which then starts another (as a nanny a worker)
    child = subprocess.run(
        [sys.executable, "-c", "from radcore.cohort.worker import peak_rss_mb; print(peak_rss_mb())"],
        capture_output=True, text=True, check=True,
    )
    del block
    assert 0 < float(child.stdout) < 900


def test_a_whole_image_that_cannot_be_read_fails_each_label_at_read(cohort, tmp_path):
    import shutil

    from radcore.cohort.worker import run_case
    from radcore.io.store import group_name, ingest_case

    manifest, good, _ = cohort
    settings = load_settings({"families": ["diagnostics", "stat"], "interpolation": {"spacing": [2.0, 2.0, 2.0]}})
    assert profile_of(settings).whole_image_keys(settings)  # these settings read the whole image
    store = tmp_path / "store"
    (job,) = [j for j in cases_from_manifest(read_manifest(manifest), 1) if j.case_id == good[0]]
    ingest_case(store, job.entry)
    shutil.rmtree(store / group_name(good[0]) / "0")  # the image array gone, its attributes still there
    spec = JobSpec(str(store), str(tmp_path / "out"), settings, settings_hash(settings))
    rows, errors, _ = run_case(dataclasses.replace(job, entry=None), spec)
    assert rows == [] and [(e["case_id"], e["label"], e["stage"]) for e in errors] == [(good[0], 1, "read")]


MAP_PARAMS = {"setting": {"binWidth": 25.0}, "featureClass": {"firstorder": ["Mean"], "glcm": ["Contrast", "MCC"],
                                                              "ngtdm": None},
              "voxelSetting": {"kernelRadius": 1, "maskedKernel": False}}


def test_maps_of_each_case_equal_those_of_its_files(cohort, tmp_path):
    """``--maps``: each good case's maps, computed on the worker's crop of the store, are radcore.extract_maps'
    of its files (grid included), in a Zarr group per (case, label); a failing case writes none."""
    import zarr

    from radcore.io.maps import case_maps_path

    manifest, good, stages = cohort
    settings = load_settings(MAP_PARAMS)
    h = settings_hash(settings)
    spec = JobSpec(str(tmp_path / "store"), str(tmp_path / "out"), settings, h, ingest=True, maps=True,
                   qc_pictures=False, map_picture="original_glcm_contrast")
    jobs = cases_from_manifest(read_manifest(manifest), 1)
    report = run_batch(plan_batches(jobs, h, set(), 100)[0], spec)
    assert (report.done, report.failed) == (3, 4)
    from radcore.io.qc_pictures import picture_path

    for job in jobs:
        path = case_maps_path(spec.dataset, h, job.case_id, 1)
        assert path.exists() == (job.case_id in good), job.case_id
        assert picture_path(spec.dataset, job.case_id, 1, "map").exists() == (job.case_id in good)
        assert not picture_path(spec.dataset, job.case_id, 1).exists()
    entry = next(j.entry for j in jobs if j.case_id == good[0])
    direct = radcore.extract_maps(entry.image, entry.mask, config=MAP_PARAMS, parallel=False)
    group = zarr.open_group(str(case_maps_path(spec.dataset, h, good[0], 1)), mode="r")
    assert sorted(group.array_keys()) == sorted(direct)
    first = next(iter(direct.values()))
    assert group.attrs["radcore"]["origin"] == pytest.approx(list(first.GetOrigin()))
    import SimpleITK as sitk

    for name, image in direct.items():
        np.testing.assert_allclose(group[name][...], sitk.GetArrayFromImage(image).astype(np.float32), rtol=1e-6,
                                   err_msg=name)


def test_catalogue_says_which_columns_have_maps():
    settings = load_settings({"featureClass": {"shape": None, "glcm": ["Contrast"]}})
    keys = profile_of(settings).feature_keys(settings)
    rows = catalogue_rows(keys, "pyradiomics", "pyradiomics", maps=True)
    assert {r["column"]: r["map"] for r in rows if r["feature"] in ("Contrast", "Sphericity")} == {
        "original_glcm_Contrast": True, "original_shape_Sphericity": False}
    assert not any(r["map"] for r in catalogue_rows(keys, "pyradiomics", "pyradiomics"))


IBSI_MAPS = {"families": ["morph", "stat", "glcm"], "texture": {"matrix_aggregations": ["3D_comb"]},
             "interpolation": {"spacing": [1.5, 1.5, 1.5], "round_intensities": True},
             "discretisation": {"method": "fixed_bin_number", "bin_number": 16}, "maps": {"radius": 1}}


def test_ibsi_maps_of_each_case_equal_those_of_its_files(cohort, tmp_path):
    """``--maps`` with IBSI settings: each good case's maps, from the worker's crop of the store (interpolated
    there), are radcore.extract_maps' of its files; morphology gives features and no maps; the catalogue
    says which columns have maps."""
    import SimpleITK as sitk
    import zarr

    from radcore.io.maps import case_maps_path

    manifest, good, _ = cohort
    settings = load_settings(IBSI_MAPS)
    h = settings_hash(settings)
    spec = JobSpec(str(tmp_path / "store"), str(tmp_path / "out"), settings, h, ingest=True, maps=True,
                   qc_pictures=False, naming="ibsi", map_picture="cm_contrast_3D_comb")
    jobs = [j for j in cases_from_manifest(read_manifest(manifest), 1) if j.case_id in good[:2]]
    report = run_batch(plan_batches(jobs, h, set(), 100)[0], spec)
    assert (report.done, report.failed) == (2, 0)
    from radcore.io.qc_pictures import picture_path

    assert all(picture_path(spec.dataset, job.case_id, 1, "map").exists() for job in jobs)
    direct = radcore.extract_maps(jobs[0].entry.image, jobs[0].entry.mask,
                                  config={**IBSI_MAPS, "families": ["stat", "glcm"]}, naming="ibsi")
    group = zarr.open_group(str(case_maps_path(spec.dataset, h, jobs[0].case_id, 1)), mode="r")
    assert sorted(group.array_keys()) == sorted(direct) and "cm_contrast_3D_comb" in direct
    first = next(iter(direct.values()))
    assert group.attrs["radcore"]["origin"] == pytest.approx(list(first.GetOrigin()))
    assert group.attrs["radcore"]["spacing"] == pytest.approx([1.5, 1.5, 1.5])
    for name, image in direct.items():
        np.testing.assert_allclose(group[name][...], sitk.GetArrayFromImage(image).astype(np.float32), rtol=1e-6,
                                   err_msg=name)
    rows = catalogue_rows(profile_of(settings).feature_keys(settings), "ibsi", "ibsi", maps=True)
    assert {r["column"]: r["map"] for r in rows if r["column"] in ("cm_contrast_3D_comb", "morph_volume")} == {
        "cm_contrast_3D_comb": True, "morph_volume": False}


def test_maps_settings_are_checked_before_any_case(cohort, tmp_path):
    from radcore.cohort.parameters import CohortParameters
    from radcore.cohort.run import CohortRun
    from radcore.errors import SettingsError

    manifest, _, _ = cohort
    ibsi = tmp_path / "ibsi.yaml"
    ibsi.write_text("families: [morph, ivh]\n")
    with pytest.raises(SettingsError, match=r"families: none of \['morph', 'ivh'\] has maps"):
        CohortRun(CohortParameters(manifest=str(manifest), config=str(ibsi), out=str(tmp_path / "out"), maps=True))
    ibsi.write_text("families: [morph, glcm]\nmaps: {radius: 2, unit: mm}\n")  # morphology: features only
    CohortRun(CohortParameters(manifest=str(manifest), config=str(ibsi), out=str(tmp_path / "out"), maps=True,
                               label="all", map_picture="original_glcm_contrast_3d_avg"))
    config = tmp_path / "params.yaml"
    config.write_text("featureClass: {glcm: [Contrast], shape: }\nvoxelSetting: {kernelRadius: 1}\n")
    with pytest.raises(SettingsError, match="--map 'original_shape_sphericity' is not one of the maps"):
        CohortRun(CohortParameters(manifest=str(manifest), config=str(config), out=str(tmp_path / "out"), maps=True,
                                   map_picture="original_shape_sphericity"))
    with pytest.raises(ValueError, match="needs maps"):
        CohortParameters(manifest=str(manifest), out=str(tmp_path / "out"), map_picture="original_glcm_contrast")
    assert not (tmp_path / "out").exists()
