"""``radcore maps``: voxel feature maps of one case to a folder (one file per map) or one Zarr group, and
``radcore.extract_maps``; bad settings give one line naming the problem before any work."""

import json
from pathlib import Path

import numpy as np
import pytest
import SimpleITK as sitk
import yaml
import zarr

import radcore
from radcore.cli import main

MAPS = Path(__file__).parents[1] / "data" / "maps"
IMAGE, MASK = str(MAPS / "ct_image.nrrd"), str(MAPS / "ct_mask.nrrd")


@pytest.fixture
def params_file(tmp_path):
    params = json.loads(str(np.load(MAPS / "ct_r1_masked.npz")["__params"]))
    params["featureClass"] = {"firstorder": ["Mean", "Entropy"], "glcm": ["Contrast"]}
    path = tmp_path / "params.yaml"
    path.write_text(yaml.safe_dump(params))
    return path


def test_folder_of_nifti_maps_match_pyradiomics(tmp_path, params_file, capsys):
    out = tmp_path / "maps"
    assert main(["maps", IMAGE, MASK, "--config", str(params_file), "--out", str(out), "--format", "nii.gz",
                 "--dtype", "float64"]) == 0
    assert capsys.readouterr().out.strip() == f"3 maps -> {out}"
    names = sorted(p.name for p in out.iterdir())
    assert names == ["original_firstorder_Entropy.nii.gz", "original_firstorder_Mean.nii.gz",
                     "original_glcm_Contrast.nii.gz"]
    reference = np.load(MAPS / "ct_r1_masked.npz")
    written = sitk.ReadImage(str(out / "original_glcm_Contrast.nii.gz"))
    assert written.GetOrigin() == pytest.approx(tuple(reference["__origin"]), abs=1e-4)
    np.testing.assert_allclose(sitk.GetArrayFromImage(written), reference["original_glcm_Contrast"], rtol=1e-4)


def test_zarr_group_one_array_per_map_with_ngff_metadata(tmp_path, params_file):
    out = tmp_path / "maps.zarr"
    assert main(["maps", IMAGE, MASK, "--config", str(params_file), "--out", str(out), "--naming", "native"]) == 0
    group = zarr.open_group(str(out), mode="r")
    assert sorted(group.array_keys()) == ["original_firstorder_entropy", "original_firstorder_mean",
                                          "original_glcm_contrast"]
    multiscales = group.attrs["ome"]["multiscales"]
    assert [m["name"] for m in multiscales] == list(group.attrs["radcore"]["maps"])
    scale = multiscales[0]["datasets"][0]["coordinateTransformations"][0]["scale"]
    assert scale == pytest.approx(list(sitk.ReadImage(IMAGE).GetSpacing()[::-1]))
    reference = np.load(MAPS / "ct_r1_masked.npz")["original_firstorder_Mean"]
    np.testing.assert_allclose(group["original_firstorder_mean"][...], reference, rtol=1e-6)


def test_shape_class_is_one_error_line(tmp_path, params_file, capsys):
    params = yaml.safe_load(params_file.read_text())
    params["featureClass"] = {"shape": None, "firstorder": None}
    params_file.write_text(yaml.safe_dump(params))
    assert main(["maps", IMAGE, MASK, "--config", str(params_file), "--out", str(tmp_path / "m")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "SettingsError: featureClass 'shape' cannot be mapped" in err[0]
    assert not (tmp_path / "m").exists()


def test_ibsi_settings_make_maps_named_as_the_ibsi_names_them(tmp_path, capsys):
    config = tmp_path / "ibsi.yaml"
    config.write_text("families: [stat, glcm]\ntexture: {matrix_aggregations: [3D_comb]}\n"
                      "discretisation: {method: fixed_bin_size, bin_size: 25}\nmaps: {radius: 1}\n")
    out = tmp_path / "maps"
    assert main(["maps", IMAGE, MASK, "--config", str(config), "--out", str(out), "--naming", "ibsi"]) == 0
    direct = radcore.extract_maps(IMAGE, MASK, config=str(config), naming="ibsi")
    assert capsys.readouterr().out.strip() == f"{len(direct)} maps -> {out}"
    assert "cm_contrast_3D_comb" in direct and "stat_mean" in direct
    written = sitk.ReadImage(str(out / "cm_contrast_3D_comb.nrrd"))
    assert written.GetOrigin() == pytest.approx(direct["cm_contrast_3D_comb"].GetOrigin())
    np.testing.assert_allclose(sitk.GetArrayFromImage(written),
                               sitk.GetArrayFromImage(direct["cm_contrast_3D_comb"]).astype(np.float32))
    config.write_text("families: [morph, stat]\n")
    assert main(["maps", IMAGE, MASK, "--config", str(config), "--out", str(tmp_path / "m")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "SettingsError: families: 'morph' cannot be mapped" in err[0]
    assert not (tmp_path / "m").exists()
