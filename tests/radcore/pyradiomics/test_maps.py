"""PyRadiomics' voxel-based extraction: every voxel of PyRadiomics 3.1.4's own maps (``tests/data/maps``,
made by its ``make_reference.py``) on a CT, an MR and a synthetic ROI, kernel radius 1 and 2, masked and
unmasked kernels, the MR ROI's filtered image types (LoG, wavelets, square) and the MR ROI resampled and
normalised; the grid, the names,
``initValue`` and ``voxelBatch``; the errors before any work."""

import json
from pathlib import Path

import numpy as np
import pytest
import SimpleITK as sitk

from radcore.errors import SettingsError
from radcore.naming import name_columns
from radcore.pyradiomics import maps as pyradiomics_maps
from radcore.pyradiomics.params import parse_params

DATA = Path(__file__).resolve().parents[2] / "data" / "maps"
REFERENCES = sorted(p.stem for p in DATA.glob("*.npz"))


def case(name: str):
    image = sitk.ReadImage(str(DATA / f"{name}_image.nrrd"))
    mask = sitk.ReadImage(str(DATA / f"{name}_mask.nrrd"))
    return image, mask


def extract_maps(image, mask, params, parallel=False):
    return name_columns(pyradiomics_maps.extract_maps(image, mask, params, parallel=parallel), "pyradiomics")


def reference(stem: str):
    ref = np.load(DATA / f"{stem}.npz")
    return ref, json.loads(str(ref["__params"]))


def test_three_rois_four_settings_and_the_filters():
    assert {s.split("_")[0] for s in REFERENCES} == {"ct", "mr", "phantom"}
    assert len(REFERENCES) == 14 and {"mr_filters_r1_masked", "mr_resampled_r2_unmasked"} <= set(REFERENCES)
    ref, _ = reference("mr_filters_r1_masked")
    assert {k.split("_")[0] for k in ref.files if not k.startswith("__")} == {
        "original", "log-sigma-1-0-mm-3D", "square", *(f"wavelet-{d}" for d in
                                                      ("LLH", "LHL", "LHH", "HLL", "HLH", "HHL", "HHH", "LLL"))}


@pytest.mark.parametrize("stem", REFERENCES)
def test_every_voxel_matches_pyradiomics(stem):
    ref, params = reference(stem)
    image, mask = case(stem.split("_")[0])
    maps = extract_maps(image, mask, parse_params(params))
    expected = {k for k in ref.files if not k.startswith("__")}
    assert set(maps) == expected
    for name, image_map in maps.items():
        assert image_map.GetOrigin() == pytest.approx(tuple(ref["__origin"]))
        assert image_map.GetSpacing() == pytest.approx(tuple(ref["__spacing"]))
        assert image_map.GetDirection() == pytest.approx(tuple(ref["__direction"]))
        got = sitk.GetArrayFromImage(image_map)
        np.testing.assert_allclose(got, ref[name], rtol=1e-4, atol=1e-10, equal_nan=True, err_msg=name)


def test_parallel_loop_gives_the_serial_values():
    ref, params = reference("ct_r1_masked")
    image, mask = case("ct")
    serial = extract_maps(image, mask, parse_params(params))
    parallel = extract_maps(image, mask, parse_params(params), parallel=True)
    for name in serial:
        np.testing.assert_array_equal(sitk.GetArrayFromImage(serial[name]), sitk.GetArrayFromImage(parallel[name]))


def test_mcc_fails_by_batch_as_in_pyradiomics():
    """PyRadiomics' per-voxel MCC raises when a voxel of the batch has an empty offset the batch keeps
    (the masked CT kernels at the ROI's edge): the map stays initValue; voxel by voxel it succeeds."""
    ref, params = reference("ct_r1_masked")
    image, mask = case("ct")
    assert np.all(ref["original_glcm_MCC"] == 0)
    params["voxelSetting"].update(voxelBatch=1, initValue=float("nan"))
    maps = extract_maps(image, mask, parse_params(params))
    roi = ~np.isnan(sitk.GetArrayFromImage(maps["original_firstorder_Mean"]))
    mcc = sitk.GetArrayFromImage(maps["original_glcm_MCC"])
    assert roi.sum() == 304 and np.all((mcc[roi] >= 0) & (mcc[roi] <= 1 + 1e-9))
    assert np.isnan(mcc[roi]).sum() == 0 and (mcc[roi] > 0).mean() > 0.9


def test_mcc_blocks_on_threads_give_the_serial_values(monkeypatch):
    """With ``parallel`` the MCC's blocks of voxels run on threads, one block each (here blocks of 50)."""
    _, params = reference("ct_r1_masked")
    image, mask = case("ct")
    params["voxelSetting"].update(voxelBatch=1)
    params["featureClass"] = {"glcm": ["MCC"]}
    monkeypatch.setattr(pyradiomics_maps, "MCC_BLOCK", 50)
    serial = sitk.GetArrayFromImage(extract_maps(image, mask, parse_params(params))["original_glcm_MCC"])
    threaded = sitk.GetArrayFromImage(extract_maps(image, mask, parse_params(params), True)["original_glcm_MCC"])
    assert (serial > 0).sum() > 250
    np.testing.assert_array_equal(serial, threaded)


def test_init_value_outside_the_roi_and_voxel_batch():
    _, params = reference("phantom_r1_masked")
    image, mask = case("phantom")
    params["voxelSetting"].update(initValue=-7.5)
    maps = extract_maps(image, mask, parse_params(params))
    roi = sitk.GetArrayFromImage(mask) > 0
    mean = sitk.GetArrayFromImage(maps["original_firstorder_Mean"])
    assert np.all(mean[~roi] == -7.5) and np.all(mean[roi] != -7.5)
    # JointAverage is NaN at a voxel with an empty offset that another voxel of its batch fills; with one
    # voxel per batch every empty offset is dropped, as PyRadiomics drops an offset empty in its whole batch
    joint = sitk.GetArrayFromImage(maps["original_glcm_JointAverage"])
    assert np.isnan(joint).sum() == 1
    params["voxelSetting"].update(voxelBatch=1)
    one = sitk.GetArrayFromImage(extract_maps(image, mask, parse_params(params))["original_glcm_JointAverage"])
    assert not np.isnan(one).any()


def test_a_class_pyradiomics_cannot_map_is_an_error():
    _, params = reference("phantom_r1_masked")
    image, mask = case("phantom")
    params["featureClass"] = {"shape": None, "glcm": None}
    with pytest.raises(SettingsError, match="'shape' cannot be mapped"):
        extract_maps(image, mask, parse_params(params))


def test_every_class_by_default_skips_shape_as_pyradiomics_does():
    _, params = reference("phantom_r1_masked")
    image, mask = case("phantom")
    del params["featureClass"]
    maps = extract_maps(image, mask, parse_params(params))
    assert {name.split("_")[1] for name in maps} == {"firstorder", "glcm", "glrlm", "glszm", "gldm", "ngtdm"}


def test_a_radius_that_does_not_fit_is_an_error():
    _, params = reference("phantom_r1_masked")
    image, mask = case("phantom")  # 5 x 4 x 4 voxels
    params["voxelSetting"].update(kernelRadius=3)
    with pytest.raises(SettingsError, match="kernelRadius 3 needs a kernel of 7 voxels"):
        extract_maps(image, mask, parse_params(params))


def test_an_roi_too_small_is_an_error():
    _, params = reference("phantom_r1_masked")
    image, _ = case("phantom")
    single = np.zeros(sitk.GetArrayFromImage(image).shape, np.uint8)
    single[1, 1, 1] = 1
    mask = sitk.GetImageFromArray(single)
    mask.CopyInformation(image)
    with pytest.raises(ValueError, match="single voxel"):
        extract_maps(image, mask, parse_params(params))


@pytest.mark.parametrize("setting", [{"weightingNorm": "infinity"}, {"force2D": True}])
def test_settings_maps_do_not_reproduce_are_errors(setting):
    _, params = reference("phantom_r1_masked")
    image, mask = case("phantom")
    params["setting"].update(setting)
    with pytest.raises(SettingsError, match=f"{next(iter(setting))} is not supported for voxel maps"):
        extract_maps(image, mask, parse_params(params))
