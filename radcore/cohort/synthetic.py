"""Synthetic CT-like cases for the demo, the warm-up and the benchmark.

A case is an elliptic body of soft tissue (about 40 HU) with a fat rim (about -100 HU) and a lung-like
region (about -850 HU) in air (-1000 HU), plus Gaussian noise, and a lobulated lesion (about 60 HU with
its own texture) whose mask has label 1. Intensities are int16 HU, spacing 0.8 x 0.8 x 2.5 mm (x, y, z).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import SimpleITK as sitk

from radcore.io.images import Volume
from radcore.io.manifest import CaseEntry, write_manifest

SPACING_ZYX = (2.5, 0.8, 0.8)


def ct_like_case(
    shape: tuple[int, int, int] = (48, 128, 128), seed: int = 0, lesion_radius_mm: float = 12.0
) -> tuple[Volume, Volume]:
    """An int16 CT-like image and a uint8 lesion mask (label 1), both as :class:`Volume`."""
    rng = np.random.default_rng(seed)
    nz, ny, nx = shape
    z, y, x = np.ogrid[:nz, :ny, :nx]
    yy, xx = (y - ny / 2) / (0.45 * ny), (x - nx / 2) / (0.40 * nx)
    body = yy**2 + xx**2 <= 1.0
    inner = yy**2 + xx**2 <= 0.85
    lung = ((yy + 0.1) ** 2 / 0.25 + (xx - 0.45) ** 2 / 0.09 <= 1.0) & inner
    image = np.full(shape, -1000.0, dtype=np.float32)
    image[np.broadcast_to(body, shape)] = -100.0
    image[np.broadcast_to(inner, shape)] = 40.0
    image[np.broadcast_to(lung, shape)] = -850.0
    image += rng.normal(0.0, 20.0, size=shape).astype(np.float32)
    centre = np.array([nz / 2, ny / 2 + rng.uniform(-0.1, 0.1) * ny, nx / 2 - rng.uniform(0.1, 0.2) * nx])
    mask = _lesion(shape, centre, lesion_radius_mm * rng.uniform(0.7, 1.3), rng)
    image[mask] = 60.0 + rng.normal(0.0, 25.0, size=int(mask.sum())) + 15.0 * rng.standard_normal()
    spacing = SPACING_ZYX
    origin = (-0.5 * nx * spacing[2], -0.5 * ny * spacing[1], -0.5 * nz * spacing[0])
    return (
        Volume(np.round(image).astype(np.int16), spacing, origin),
        Volume(mask.astype(np.uint8), spacing, origin),
    )


def _lesion(shape, centre, radius_mm: float, rng: np.random.Generator) -> np.ndarray:
    """A sphere with a few random lobes, in voxel coordinates scaled by the spacing."""
    z, y, x = (np.arange(n) for n in shape)
    dz = (z[:, None, None] - centre[0]) * SPACING_ZYX[0]
    dy = (y[None, :, None] - centre[1]) * SPACING_ZYX[1]
    dx = (x[None, None, :] - centre[2]) * SPACING_ZYX[2]
    mask = dz**2 + dy**2 + dx**2 <= radius_mm**2
    for _ in range(3):
        off = rng.normal(0.0, 0.6 * radius_mm, size=3)
        r = radius_mm * rng.uniform(0.3, 0.6)
        mask |= (dz - off[0]) ** 2 + (dy - off[1]) ** 2 + (dx - off[2]) ** 2 <= r**2
    return mask


def to_sitk(volume: Volume) -> sitk.Image:
    """A SimpleITK image of ``volume`` (spacing and origin set, direction identity)."""
    image = sitk.GetImageFromArray(volume.array)
    image.SetSpacing(tuple(float(v) for v in volume.spacing[::-1]))
    image.SetOrigin(tuple(float(v) for v in volume.origin))
    image.SetDirection(tuple(float(v) for v in volume.direction))
    return image


def write_cohort(folder: str | Path, n_cases: int, shape: tuple[int, int, int] = (48, 128, 128)) -> Path:
    """Write ``n_cases`` synthetic cases as NIfTI under ``folder`` and a manifest; returns the manifest path.

    Metadata columns ``site`` and ``modality`` show how manifest metadata reaches the dataset.
    """
    folder = Path(folder)
    (folder / "images").mkdir(parents=True, exist_ok=True)
    entries = []
    for i in range(n_cases):
        case_id = f"case{i + 1:03d}"
        image, mask = ct_like_case(shape, seed=i)
        image_path = folder / "images" / f"{case_id}_ct.nii.gz"
        mask_path = folder / "images" / f"{case_id}_lesion.nii.gz"
        sitk.WriteImage(to_sitk(image), str(image_path))
        sitk.WriteImage(to_sitk(mask), str(mask_path))
        entries.append(CaseEntry(case_id, str(image_path), str(mask_path), None,
                                 {"site": "AB"[i % 2], "modality": "CT"}))
    manifest = folder / "manifest.csv"
    write_manifest(entries, manifest)
    return manifest
