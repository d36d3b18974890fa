"""The PyRadiomics driver: every image type produces values under PyRadiomics' names; the pipeline and
``--naming pyradiomics`` route PyRadiomics params through it; PyRadiomics itself agrees when installed."""

import logging
from pathlib import Path

import numpy as np
import pytest
import SimpleITK as sitk

import radcore
from radcore.naming import FeatureKey, column_name
from radcore.pyradiomics import extractor
from radcore.pyradiomics.params import parse_params, settings_from_params

DATA = Path(__file__).resolve().parents[2] / "data" / "pyradiomics"

ALL_TYPES = {
    "Original": {}, "LoG": {"sigma": [1.0, 2]}, "Wavelet": {"level": 2}, "Square": {}, "SquareRoot": {},
    "Logarithm": {}, "Exponential": {}, "Gradient": {}, "LBP2D": {"binWidth": 1}, "LBP3D": {"binWidth": 1},
}
EXPECTED_TYPES = (
    {"original", "log-sigma-1-0-mm-3D", "log-sigma-2-mm-3D", "square", "squareroot", "logarithm",
     "exponential", "gradient", "lbp-2D", "lbp-3D-m1", "lbp-3D-m2", "lbp-3D-k", "wavelet2-LLL"}
    | {f"wavelet-{d}" for d in ("LLH", "LHL", "LHH", "HLL", "HLH", "HHL", "HHH")}
    | {f"wavelet2-{d}" for d in ("LLH", "LHL", "LHH", "HLL", "HLH", "HHL", "HHH")}
)


def small_case():
    rng = np.random.default_rng(7)
    z, y, x = np.indices((14, 24, 22))
    image = (200 + 60 * np.sin(x / 3.0) + 40 * np.cos(y / 4.0) + rng.normal(0, 10, z.shape)).astype(np.int16)
    roi = ((z - 7) / 4.0) ** 2 + ((y - 12) / 7.0) ** 2 + ((x - 11) / 6.0) ** 2 <= 1
    img, msk = sitk.GetImageFromArray(image), sitk.GetImageFromArray(roi.astype(np.uint8))
    for im in (img, msk):
        im.SetSpacing((0.9, 0.9, 2.0))
    return img, msk


def test_every_image_type_produces_filtered_images_and_values():
    img, msk = small_case()
    params = parse_params({"imageType": ALL_TYPES, "featureClass": {"firstorder": None}, "setting": {"binWidth": 10}})
    values = extractor.extract_images(img, msk, params)
    types = {k.image_type for k in values}
    assert types == EXPECTED_TYPES
    assert {k.family for k in values} == {"firstorder"}
    assert all(np.isfinite(v) for k, v in values.items() if k.image_type != "lbp-3D-k")
    prepared = extractor.prepare(img, msk, params.setting)
    for it in params.image_types:
        for name, arr in extractor.image_type_filter(it, params.image_type_setting(it)).responses(prepared):
            assert arr.shape == prepared.image[prepared.box].shape, name


def test_shape_runs_once_under_original():
    img, msk = small_case()
    params = parse_params({"imageType": {"Square": {}}, "featureClass": {"shape": None, "firstorder": ["Mean"]}})
    values = extractor.extract_images(img, msk, params)
    assert {k.image_type for k in values if k.family == "shape"} == {"original"}
    assert {k for k in values if k.family == "firstorder"} == {FeatureKey("square", "firstorder", "Mean")}


def test_pyradiomics_column_names():
    assert column_name(FeatureKey("original", "glcm", "Contrast"), "pyradiomics") == "original_glcm_Contrast"
    assert column_name(FeatureKey("wavelet-LLH", "firstorder", "Mean"), "pyradiomics") == "wavelet-LLH_firstorder_Mean"
    key = FeatureKey("log-sigma-1-0-mm-3D", "glszm", "ZoneEntropy")
    assert column_name(key, "pyradiomics") == "log-sigma-1-0-mm-3D_glszm_ZoneEntropy"


def test_pipeline_and_cli_route_params_files(tmp_path):
    img, msk = small_case()
    sitk.WriteImage(img, str(tmp_path / "image.nrrd"))
    sitk.WriteImage(msk, str(tmp_path / "mask.nrrd"))
    params = tmp_path / "params.yaml"
    params.write_text("imageType:\n  Original: {}\n  Wavelet: {}\nfeatureClass:\n  firstorder: [Mean, Entropy]\n")
    values = radcore.extract(tmp_path / "image.nrrd", tmp_path / "mask.nrrd", config=params, naming="pyradiomics")
    assert "original_firstorder_Mean" in values and "wavelet-HHH_firstorder_Entropy" in values
    assert not any(name.startswith("diagnostics_") for name in values)

    from radcore.cli import main

    out = tmp_path / "out.json"
    assert main(["extract", str(tmp_path / "image.nrrd"), str(tmp_path / "mask.nrrd"), "--config", str(params),
                 "--naming", "pyradiomics", "--out", str(out)]) == 0
    assert "wavelet-LLL_firstorder_Mean" in out.read_text()


def test_volumes_path_equals_images_path():
    from radcore.io.images import load_case
    from radcore.pipeline import extract_volumes

    img, msk = small_case()
    settings = settings_from_params({"imageType": {"Original": {}, "LoG": {"sigma": [1.5]}}, "featureClass": {"firstorder": ["Mean", "Variance"]}})
    a = extract_volumes(*load_case(img, msk), settings)
    b = extractor.extract_images(img, msk, settings.pyradiomics)
    assert a.keys() == b.keys()
    for k in a:
        assert a[k] == pytest.approx(b[k], rel=1e-6)


def test_agrees_with_pyradiomics_when_installed():
    """Filtered images, preprocessing and binning as PyRadiomics makes them (optional extra)."""
    featureextractor = pytest.importorskip("radiomics.featureextractor")
    import radiomics

    radiomics.setVerbosity(logging.ERROR)
    data = {
        "setting": {"binWidth": 10, "resampledPixelSpacing": [1, 1, 1], "interpolator": "sitkBSpline"},
        "imageType": {k: v for k, v in ALL_TYPES.items() if k != "LBP3D"},  # LBP3D: see the test below
        "featureClass": {"firstorder": ["Mean", "Variance", "Entropy", "Maximum"]},
    }
    image = sitk.ReadImage(str(DATA / "breast1_image.nrrd"))
    mask = sitk.ReadImage(str(DATA / "breast1_label.nrrd"))
    ref = {k: float(v) for k, v in featureextractor.RadiomicsFeatureExtractor(data).execute(image, mask).items()
           if not k.startswith("diagnostics_")}
    mine = radcore.extract(image, mask, config=settings_from_params(data), naming="pyradiomics")
    assert set(ref) <= set(mine)
    bad = {k: (v, mine[k]) for k, v in ref.items() if not (abs(mine[k] - v) <= 1e-9 or abs(mine[k] - v) <= 1e-4 * abs(v))}
    assert not bad


def _pyradiomics_lbp3d_on_this_scipy(monkeypatch):
    """PyRadiomics 3.1's LBP3D imports ``scipy.special.sph_harm`` and ``scipy.ndimage.interpolation``, which
    SciPy has since removed: point them at their successors for this test (same values)."""
    import types

    import scipy.ndimage
    import scipy.special

    if not hasattr(scipy.special, "sph_harm"):  # sph_harm(m, n, azimuth, polar) = sph_harm_y(n, m, polar, azimuth)
        monkeypatch.setattr(scipy.special, "sph_harm", lambda m, n, az, po: scipy.special.sph_harm_y(n, m, po, az),
                            raising=False)
    legacy = types.ModuleType("scipy.ndimage.interpolation")
    legacy.map_coordinates = scipy.ndimage.map_coordinates
    monkeypatch.setitem(__import__("sys").modules, "scipy.ndimage.interpolation", legacy)


@pytest.mark.parametrize("case", ["breast1", "brain1"])
def test_lbp3d_agrees_with_pyradiomics_when_installed(case, monkeypatch):
    """LBP3D samples the icosphere in the image's own pixel type, as PyRadiomics does (integer images give
    integer samples)."""
    featureextractor = pytest.importorskip("radiomics.featureextractor")
    pytest.importorskip("trimesh")
    import radiomics

    _pyradiomics_lbp3d_on_this_scipy(monkeypatch)
    radiomics.setVerbosity(logging.ERROR)
    data = {
        "setting": {"binWidth": 1, "lbp3DLevels": 2},
        "imageType": {"LBP3D": {}},
        "featureClass": {"firstorder": ["Mean", "Variance", "Maximum", "Entropy"]},
    }
    image = sitk.ReadImage(str(DATA / f"{case}_image.nrrd"))
    mask = sitk.ReadImage(str(DATA / f"{case}_label.nrrd"))
    ref = {k: float(v) for k, v in featureextractor.RadiomicsFeatureExtractor(data).execute(image, mask).items()
           if not k.startswith("diagnostics_")}
    assert len(ref) == 12  # m1, m2 and k, four features each
    mine = radcore.extract(image, mask, config=settings_from_params(data), naming="pyradiomics")
    bad = {k: (v, mine.get(k)) for k, v in ref.items() if not abs(mine.get(k, np.inf) - v) <= 1e-9 * max(1.0, abs(v))}
    assert not bad


def test_every_feature_class_produces_values():
    img, msk = small_case()
    values = extractor.extract_images(img, msk, parse_params({"setting": {"binWidth": 10}}))
    assert {k.family for k in values} == {"firstorder", "shape", "glcm", "glrlm", "glszm", "gldm", "ngtdm"}
    forced = extractor.extract_images(
        img, msk, parse_params({"setting": {"binWidth": 10, "force2D": True}, "featureClass": {"glcm": None}})
    )
    assert {k.family for k in forced} == {"glcm"}  # shape2D: see test_shape2d.py
