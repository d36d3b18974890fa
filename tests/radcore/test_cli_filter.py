"""``radcore filter``: response maps written to NIfTI (one file per map) or one Zarr group."""

from pathlib import Path

import numpy as np
import pytest
import SimpleITK as sitk
import zarr

from radcore.cli import main
from tests.reference import CT_PHANTOM

PHANTOMS = Path(__file__).parents[1] / "data" / "ibsi2" / "phantoms"
CONFIGS = Path(__file__).parents[2] / "configs" / "ibsi2" / "phase1"


def test_one_map_to_the_path_given(tmp_path, capsys):
    out = tmp_path / "map.nii.gz"
    assert main(["filter", str(PHANTOMS / "impulse.nii.gz"), "--config", str(CONFIGS / "1B1.yaml"),
                 "--out", str(out)]) == 0
    assert capsys.readouterr().out.strip() == str(out)
    written = sitk.ReadImage(str(out))
    assert written.GetSpacing() == (2.0, 2.0, 2.0) and written.GetPixelID() == sitk.sitkFloat32
    array = sitk.GetArrayFromImage(written)
    assert array[31, 31, 31] == pytest.approx(255 / 225, rel=1e-6)  # the impulse spread over 15 x 15 voxels
    assert array[30, 31, 31] == 0.0  # 2D: no spread across slices


def test_several_maps_are_named_after_their_image_types(tmp_path):
    config = tmp_path / "two.yaml"
    config.write_text(
        "interpolation: {spacing: [2.0, 2.0, 2.0], image_order: 1, round_intensities: true}\n"
        "image_types:\n"
        "- {name: mean, options: {size: 3}}\n"
        "- {name: simoncelli, options: {level: 1, dimensions: 2D}}\n"
    )
    out = tmp_path / "ct.nii.gz"
    assert main(["filter", str(CT_PHANTOM[0]), "--config", str(config), "--out", str(out), "--dtype", "float64"]) == 0
    names = sorted(p.name for p in tmp_path.glob("ct_*.nii.gz"))
    assert names == ["ct_mean_3_3d.nii.gz", "ct_simoncelli_level_1_2d.nii.gz"]
    mean = sitk.ReadImage(str(tmp_path / "ct_mean_3_3d.nii.gz"))
    assert mean.GetSpacing() == (2.0, 2.0, 2.0) and mean.GetPixelID() == sitk.sitkFloat64
    source = sitk.ReadImage(str(CT_PHANTOM[0]))
    np.testing.assert_allclose(mean.GetOrigin(), source.GetOrigin(), atol=1.0)  # the interpolated grid, centred

    group = tmp_path / "ct.zarr"
    assert main(["filter", str(CT_PHANTOM[0]), "--config", str(config), "--out", str(group)]) == 0
    stored = zarr.open_group(str(group), mode="r")
    assert stored.attrs["radcore"]["maps"] == ["mean_3_3d", "simoncelli_level_1_2d"]
    assert stored["mean_3_3d"].shape == sitk.GetArrayFromImage(mean).shape
    np.testing.assert_allclose(stored["mean_3_3d"][...], sitk.GetArrayFromImage(mean), rtol=1e-6)


def test_errors_exit_2_with_the_reason(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("image_types:\n- {name: mean, options: {size: 4}}\n")
    assert main(["filter", str(PHANTOMS / "impulse.nii.gz"), "--config", str(bad), "--out",
                 str(tmp_path / "m.nii.gz")]) == 2
    assert "size must be a positive odd number" in capsys.readouterr().err
    assert main(["filter", str(PHANTOMS / "impulse.nii.gz"), "--config", str(CONFIGS / "1B1.yaml"), "--out",
                 str(tmp_path / "m.png")]) == 2
    assert "--out must end in one of" in capsys.readouterr().err
