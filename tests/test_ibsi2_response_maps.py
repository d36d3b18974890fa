"""IBSI-2 phase 1: every reference response map, reproduced voxel by voxel through configs/ibsi2/phase1.

Tolerance: |computed - reference| <= 0.001 + 1e-5 |reference| in every voxel. The reference maps are
float32 (about 7 significant digits), so 1e-5 relative leaves room for their rounding and for the order of
floating-point sums, and 0.001 absolute (of intensities 0 .. 255) for values near zero; a wrong boundary,
kernel size or orientation is off by far more (IBSI 'mirror' read as scipy 'mirror' puts 2B off by ~1.06).
"""

from pathlib import Path

import numpy as np
import pytest
import SimpleITK as sitk

from radcore.io.config import load_settings
from radcore.io.images import read_image, to_volume
from radcore.response_maps import response_maps

DATA = Path(__file__).parent / "data" / "ibsi2"
CONFIGS = Path(__file__).parents[1] / "configs" / "ibsi2" / "phase1"
PHANTOM = {
    "1A1": "checkerboard", "1A2": "checkerboard", "1A3": "checkerboard", "1A4": "checkerboard", "1B1": "impulse",
    "2A": "impulse", "2B": "checkerboard", "2C": "checkerboard",
    "3A1": "impulse", "3A2": "impulse", "3A3": "impulse",
    "3B1": "checkerboard", "3B2": "checkerboard", "3B3": "checkerboard",
    "3C1": "checkerboard", "3C2": "checkerboard", "3C3": "checkerboard",
    "4A1": "impulse", "4A2": "impulse", "4B1": "sphere", "4B2": "sphere",
    "5A1": "impulse", "5A2": "impulse", "6A1": "sphere", "6A2": "sphere",
    "7A1": "checkerboard", "7A2": "checkerboard",
    "8A1": "checkerboard", "8A2": "checkerboard", "8A3": "checkerboard",
}


def reference_map(config_id: str) -> np.ndarray:
    (path,) = (DATA / "response_maps").glob(f"*_{config_id}_*.nii.gz")
    return sitk.GetArrayFromImage(sitk.ReadImage(str(path))).astype(np.float64)


def test_every_reference_map_has_a_config():
    maps = sorted(p.name.split("_CT_")[1].split("_")[0] for p in (DATA / "response_maps").glob("*.nii.gz"))
    assert maps == sorted(PHANTOM) == sorted(p.stem for p in CONFIGS.glob("*.yaml"))
    assert len(maps) == 30


@pytest.mark.parametrize("config_id", sorted(PHANTOM))
def test_phase1_response_map(config_id):
    image = to_volume(read_image(DATA / "phantoms" / f"{PHANTOM[config_id]}.nii.gz"))
    ((name, computed),) = response_maps(image, load_settings(CONFIGS / f"{config_id}.yaml")).items()
    reference = reference_map(config_id)
    assert computed.array.shape == reference.shape and computed.spacing == image.spacing
    error = np.abs(computed.array - reference)
    tolerance = 0.001 + 1e-5 * np.abs(reference)
    worst = np.unravel_index(np.argmax(error - tolerance), error.shape)
    assert (error <= tolerance).all(), (
        f"{config_id} ({name}): {int((error > tolerance).sum())} voxels off, worst {error[worst]:.4g} at "
        f"{worst} (reference {reference[worst]:.6g})"
    )
