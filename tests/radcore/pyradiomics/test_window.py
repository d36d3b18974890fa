"""radcore.pyradiomics.window: a cohort worker reads a crop around the ROI and gets the whole image's
PyRadiomics features, bit for bit (a real store, the real worker, radcore.extract on the files)."""

import dataclasses
import math

import numpy as np
import pyarrow.parquet as pq
import pytest
import SimpleITK as sitk

import radcore
from radcore.cohort.cluster import feature_columns
from radcore.cohort.plan import cases_from_manifest, plan_batches
from radcore.io.manifest import read_manifest
from radcore.cohort.synthetic import ct_like_case
from radcore.io.images import to_image
from radcore.cohort.worker import JobSpec, _read_label, run_batch
from radcore.io.config import load_settings
from radcore.io.dataset import partition
from radcore.io.manifest import CaseEntry, write_manifest
from radcore.io.store import case_info, ingest_case
from radcore.profiles import profile_of
from radcore.settings import settings_hash

#: spacings and origin that are not binary fractions, so grid arithmetic rounds (and resampled samples
#: fall on rounding ties) as in real scans
SPACING = (2.5, 0.83, 0.7)
ORIGIN = (-33.3, -41.7, 12.9)

RESAMPLED = {
    "setting": {"binWidth": 0.1, "normalize": True, "resampledPixelSpacing": [1, 1, 1], "sigma": [1.0, 3.0]},
    "imageType": {"Original": {}, "LoG": {}, "Wavelet": {}},
    "featureClass": {"firstorder": None, "glcm": None, "glszm": None, "shape": None},
}
NOT_RESAMPLED = {
    "setting": {"binWidth": 0.1, "normalize": True, "removeOutliers": 3, "sigma": [1.0, 2.0]},
    "imageType": {"Original": {}, "LoG": {}, "Wavelet": {}, "Square": {}, "Exponential": {}},
    "featureClass": {"firstorder": None, "glcm": None, "shape": None},
}
PRECROP = {
    "setting": {"binWidth": 25, "preCrop": True, "sigma": [1.0]},
    "imageType": {"Original": {}, "LoG": {}, "Wavelet": {}, "Square": {}},
    "featureClass": {"firstorder": None, "glrlm": None},
}


@pytest.fixture(scope="module")
def case(tmp_path_factory):
    """A 40 x 96 x 96 CT-like case with a small lesion well inside it, as NIfTI files and a manifest."""
    folder = tmp_path_factory.mktemp("window")
    image, mask = ct_like_case((40, 96, 96), seed=3, lesion_radius_mm=5.0)
    paths = folder / "image.nii.gz", folder / "mask.nii.gz"
    for volume, path in zip((image, mask), paths):
        sitk.WriteImage(to_image(dataclasses.replace(volume, spacing=SPACING, origin=ORIGIN)), str(path))
    entry = CaseEntry("c1", str(paths[0]), str(paths[1]), None, {})
    write_manifest([entry], folder / "manifest.csv")
    return folder, entry


def _worker_row(folder, tmp_path, params):
    settings = load_settings(params)
    h = settings_hash(settings)
    keys = profile_of(settings).feature_keys(settings)
    spec = JobSpec(str(tmp_path / "store"), str(tmp_path / "out"), settings, h, ingest=True, naming="pyradiomics",
                   feature_columns=feature_columns(keys, "pyradiomics"))
    (batch,) = plan_batches(cases_from_manifest(read_manifest(folder / "manifest.csv"), 1), h, set(), 10)
    assert run_batch(batch, spec).done == 1
    return pq.read_table(partition(spec.dataset, "features", h)).to_pylist()[0]


@pytest.mark.parametrize("params", [RESAMPLED, NOT_RESAMPLED, PRECROP], ids=["resampled", "not-resampled", "precrop"])
def test_the_crop_a_worker_reads_gives_the_whole_image_features_exactly(case, tmp_path, params):
    folder, entry = case
    row = _worker_row(folder, tmp_path, params)
    # SimpleITK images: the whole image, as PyRadiomics reads it
    whole = radcore.extract(sitk.ReadImage(entry.image), sitk.ReadImage(entry.mask), config=params,
                            naming="pyradiomics")
    assert len(whole) > 100
    differ = {k for k, v in whole.items() if not (row[k] == v or (math.isnan(v) and math.isnan(row[k])))}
    assert not differ
    # the files: decoded straight into arrays and cut to the crop a worker reads
    from radcore.pipeline import _source_crop

    assert _source_crop(entry.image, entry.mask, load_settings(params), None) is not None
    files = radcore.extract(entry.image, entry.mask, config=params, naming="pyradiomics")
    assert files.keys() == whole.keys()
    assert not {k for k, v in whole.items() if not (files[k] == v or (math.isnan(v) and math.isnan(files[k])))}


@pytest.mark.parametrize("params", [RESAMPLED, NOT_RESAMPLED, PRECROP], ids=["resampled", "not-resampled", "precrop"])
def test_a_worker_reads_the_box_around_the_roi_not_the_volume(case, tmp_path, params):
    folder, entry = case
    settings = load_settings(params)
    ingest_case(tmp_path / "store", entry)
    info = case_info(tmp_path / "store", "c1")
    spec = JobSpec(str(tmp_path / "store"), str(tmp_path / "out"), settings, settings_hash(settings))
    image, mask = _read_label(spec.store, spec, info, 1, 0.0)
    roi = info.boxes[1]
    assert image.array.shape == mask.array.shape
    assert all(o <= a and b <= o + n for (a, b), o, n in zip(roi, image.offset, image.array.shape))
    assert image.array.size < 0.5 * np.prod(info.shape)
    assert image.array.dtype == np.int16  # the stored pixel type, as PyRadiomics reads it


def test_a_store_without_normalisation_statistics_reads_the_whole_image(case, tmp_path):
    import zarr

    from radcore.io.store import group_name

    folder, entry = case
    ingest_case(tmp_path / "store", entry)
    group = zarr.open_group(str(tmp_path / "store" / group_name("c1")), mode="r+")
    attrs = dict(group.attrs["radcore"])
    del attrs["normalisation"]  # as written before the statistics were kept
    group.attrs["radcore"] = attrs
    info = case_info(tmp_path / "store", "c1")
    settings = load_settings(NOT_RESAMPLED)
    spec = JobSpec(str(tmp_path / "store"), str(tmp_path / "out"), settings, settings_hash(settings))
    image, _ = _read_label(spec.store, spec, info, 1, 0.0)
    assert image.array.shape == tuple(info.shape)
    row = _worker_row(folder, tmp_path, NOT_RESAMPLED)  # ingest rewrites nothing: the digests are current
    whole = radcore.extract(entry.image, entry.mask, config=NOT_RESAMPLED, naming="pyradiomics")
    assert all(row[k] == v for k, v in whole.items())


def test_recorded_statistics_are_those_normalize_uses(case, tmp_path):
    from radcore.pyradiomics.preprocess import normalize_stats

    _, entry = case
    ingest_case(tmp_path / "store", entry)
    recorded = case_info(tmp_path / "store", "c1").normalisation
    assert (recorded["mean"], recorded["sigma"]) == normalize_stats(sitk.ReadImage(entry.image))


def test_normalize_reproduces_itk_normalize_bit_for_bit():
    from radcore.pyradiomics.preprocess import normalize
    from radcore.pyradiomics.settings import PyRadiomicsSetting

    rng = np.random.default_rng(2)
    for dtype in (np.int16, np.float32, np.float64):
        image = sitk.GetImageFromArray(rng.normal(0, 300, (7, 9, 11)).astype(dtype))
        want = sitk.GetArrayFromImage(sitk.Normalize(image) * 2.0)
        got = sitk.GetArrayFromImage(normalize(image, PyRadiomicsSetting(normalize=True, normalizeScale=2.0)))
        assert got.dtype == want.dtype and np.array_equal(got, want)
