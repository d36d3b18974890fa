"""configs/pyradiomics: the CT and MR params files are PyRadiomics' own format and give PyRadiomics' values."""

import logging
import math
from pathlib import Path

import numpy as np
import pytest
import SimpleITK as sitk
import yaml

import radcore
from radcore.naming import column_name
from radcore.profiles import profile_of

ROOT = Path(__file__).parents[3]
CONFIGS = ROOT / "configs" / "pyradiomics"
DATA = ROOT / "tests" / "data"
#: one case per file: the IBSI CT phantom (3 mm slices) and PyRadiomics' brain MR sample (6.5 mm slices)
CASES = {
    "CT": (DATA / "ibsi1" / "ct_phantom" / "nifti" / "image" / "phantom.nii.gz",
           DATA / "ibsi1" / "ct_phantom" / "nifti" / "mask" / "mask.nii.gz"),
    "MR": (DATA / "pyradiomics" / "brain1_image.nrrd", DATA / "pyradiomics" / "brain1_label.nrrd"),
}
CLASSES = {"shape", "firstorder", "glcm", "glrlm", "glszm", "gldm", "ngtdm"}


def _read(name):
    return tuple(sitk.ReadImage(str(p)) for p in CASES[name])


@pytest.fixture(scope="module")
def extracted():
    """Each file on its case, every feature (PyRadiomics naming)."""
    return {name: radcore.extract(*_read(name), config=CONFIGS / f"{name}.yaml", naming="pyradiomics")
            for name in CASES}


@pytest.mark.parametrize("name", ["CT", "MR"])
def test_the_file_is_an_unmodified_pyradiomics_params_file(name):
    path = CONFIGS / f"{name}.yaml"
    data = yaml.safe_load(path.read_text())
    assert set(data) <= {"setting", "imageType", "featureClass", "voxelSetting"}
    assert path.read_text().startswith("# PyRadiomics params for " + name)
    settings = radcore.load_settings(path)
    params = settings.pyradiomics
    assert settings.profile == "pyradiomics"
    assert [it.name for it in params.image_types] == ["Original", "LoG", "Wavelet"]
    assert {c for c, _ in params.feature_classes} == CLASSES
    assert dict(params.feature_classes)["glcm"] is not None and "SumAverage" not in dict(params.feature_classes)["glcm"]
    s = params.setting
    sigma = tuple(params.image_type_setting(params.image_types[1]).sigma)
    assert s.interpolator == "sitkBSpline"
    if name == "CT":
        assert (s.binWidth, tuple(s.resampledPixelSpacing), s.padDistance, s.normalize) == (25, (1, 1, 1), 10, False)
        assert sigma == (1.0, 2.0, 3.0, 4.0, 5.0) and s.voxelArrayShift == 1000
    else:
        assert (s.binWidth, tuple(s.resampledPixelSpacing), s.normalize, s.normalizeScale) == (5, (2, 2, 2), True, 100)
        assert sigma == (2.0, 3.0, 4.0, 5.0) and s.voxelArrayShift == 300


def test_pyradiomics_itself_accepts_both_files():
    featureextractor = pytest.importorskip("radiomics.featureextractor")
    for name in CASES:
        extractor = featureextractor.RadiomicsFeatureExtractor(str(CONFIGS / f"{name}.yaml"))
        assert set(extractor.enabledFeatures) == CLASSES


@pytest.mark.parametrize("name", ["CT", "MR"])
def test_one_case_gives_every_feature_the_file_asks_for(extracted, name):
    settings = radcore.load_settings(CONFIGS / f"{name}.yaml")
    keys = profile_of(settings).feature_keys(settings)
    values = extracted[name]
    assert list(values) == [column_name(k, "pyradiomics") for k in keys]
    assert len(values) == {"CT": 1288, "MR": 1197}[name]
    assert all(math.isfinite(v) for v in values.values())


def _pyradiomics_resampled(image, mask, setting, label=1):
    """Image and mask resampled as PyRadiomics 3.1 does (``imageoperations.resampleImage``), written out here
    from its definition: whole-image normalisation first (``normalize``: ITK's Normalize x normalizeScale);
    the new grid starts at the ROI's bounding box less half an old voxel, scaled to the new spacing and
    grown by padDistance new voxels (floor / ceil, clipped to the image), its origin at the centre of the
    first new voxel; the image resampled with ITK's B-spline in its own pixel type, the mask with nearest
    neighbour."""
    if setting.get("normalize"):
        image = sitk.Normalize(image) * setting["normalizeScale"]
    stats = sitk.LabelShapeStatisticsImageFilter()
    stats.Execute(mask)
    bb = np.array(stats.GetBoundingBox(label))
    old, new = np.array(mask.GetSpacing()), np.array(setting["resampledPixelSpacing"], dtype=float)
    ratio, pad = old / new, setting.get("padDistance", 5)
    lo = np.maximum(np.floor((bb[:3] - 0.5) * ratio - pad), 0)
    hi = np.minimum(np.ceil((bb[:3] + bb[3:] - 0.5) * ratio + pad), np.ceil(np.array(mask.GetSize()) * ratio) - 1)
    size = [int(v) for v in hi - lo + 1]
    origin = mask.TransformContinuousIndexToPhysicalPoint([float(v) for v in 0.5 * (new - old) / old + lo / ratio])
    return [sitk.GetArrayFromImage(sitk.Resample(img, size, sitk.Transform(), how, origin, tuple(new),
                                                 mask.GetDirection(), 0, img.GetPixelID()))
            for img, how in ((image, sitk.sitkBSpline), (mask, sitk.sitkNearestNeighbor))]


@pytest.mark.parametrize("name", ["CT", "MR"])
def test_mean_and_voxel_volume_follow_pyradiomics_definitions(extracted, name):
    """Without PyRadiomics installed: the original image's mean and the ROI's voxel volume from the file's
    settings by PyRadiomics' definitions (resampled with SimpleITK as above)."""
    setting = yaml.safe_load((CONFIGS / f"{name}.yaml").read_text())["setting"]
    image, mask = _pyradiomics_resampled(*_read(name), setting)
    inside = mask == setting["label"]
    values = extracted[name]
    assert values["original_firstorder_Mean"] == pytest.approx(image[inside].astype(np.float64).mean(), rel=1e-9)
    assert values["original_shape_VoxelVolume"] == inside.sum() * np.prod(setting["resampledPixelSpacing"])


@pytest.mark.parametrize("name", ["CT", "MR"])
def test_the_values_are_pyradiomics_values_when_installed(extracted, name):
    """PyRadiomics on the same file: every feature of the MR file; for the CT file (47 s in PyRadiomics) the
    original image's features, with the file's settings unchanged."""
    featureextractor = pytest.importorskip("radiomics.featureextractor")
    import radiomics

    radiomics.setVerbosity(logging.ERROR)
    extractor = featureextractor.RadiomicsFeatureExtractor(str(CONFIGS / f"{name}.yaml"))
    if name == "CT":
        extractor.disableAllImageTypes()
        extractor.enableImageTypeByName("Original")
    ref = {k: float(v) for k, v in extractor.execute(*[str(p) for p in CASES[name]]).items()
           if not k.startswith("diagnostics_")}
    mine = extracted[name]
    assert len(ref) == (105 if name == "CT" else 1197) and set(ref) <= set(mine)
    # the mesh-based shape features (SurfaceArea and the two made from it) differ by up to 2e-5 on the MR case
    bad = {k: (v, mine[k]) for k, v in ref.items() if not abs(mine[k] - v) <= 1e-9 + 1e-4 * abs(v)}
    assert not bad
