"""Synthetic CT-like cases for the demo, the warm-up and the benchmark, and a synthetic result dataset
(:func:`write_synthetic_dataset`) for the report's tests and benchmark.

A case is an elliptic body of soft tissue (about 40 HU) with a fat rim (about -100 HU) and a lung-like
region (about -850 HU) in air (-1000 HU), plus Gaussian noise, and a lobulated lesion (about 60 HU with
its own texture) whose mask has label 1. Intensities are int16 HU, spacing 0.8 x 0.8 x 2.5 mm (x, y, z).
"""

from __future__ import annotations

import datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import SimpleITK as sitk

from radcore.cohort.qc import QC_TYPES
from radcore.io import dataset as ds
from radcore.io.images import Volume, to_image
from radcore.io.manifest import CaseEntry, write_manifest
from radcore.io.qc_pictures import picture_path, write_picture

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
        sitk.WriteImage(to_image(image), str(image_path))
        sitk.WriteImage(to_image(mask), str(mask_path))
        entries.append(CaseEntry(case_id, str(image_path), str(mask_path), None,
                                 {"site": "AB"[i % 2], "modality": "CT"}))
    manifest = folder / "manifest.csv"
    write_manifest(entries, manifest)
    return manifest


def write_synthetic_dataset(folder: str | Path, rows: int, features: int = 200, files: int = 0,
                            pictures: bool = True, seed: int = 0) -> dict[str, list[str]]:
    """A result dataset as a cohort run writes it, without running one: for the report's tests and benchmark.

    ``rows`` cases (label 1) in ``files`` batch files (default: one per 100 rows) under settings hash
    ``synthetic``, with a ``site`` column (``s0`` … ``s4``), the ``qc_*`` columns, ``features`` float columns
    with a catalogue (the first, ``original_morph_volume``, is the ROI volume; the others follow a few
    latent factors, so clusters of redundant features exist), 1 % failed cases in the errors partition,
    settings, versions and (``pictures``) a QC picture per case. Site ``s4`` reads higher in the ``stat``
    features (a batch effect) and every 500th case is broken (far from the rest in most features).

    Returns ``{"outliers": [...], "shifted_site": [...], "failed": [...]}``: the case ids planted.
    """
    h, rng = "synthetic", np.random.default_rng(seed)
    families = ["morph", "stat", "glcm", "glrlm", "ih"]
    keys = [("morph", "volume")] + [(families[k % len(families)], f"f{k:04d}") for k in range(1, features)]
    columns = [f"original_{fam}_{name}" for fam, name in keys]
    ids = [f"case{i:06d}" for i in range(rows)]
    sites = np.array([f"s{i % 5}" for i in range(rows)])
    failed = set(range(7, rows, 100))
    latent = rng.normal(size=(rows, 6))
    volume = np.exp(8.0 + 0.8 * latent[:, 0])
    mixing = rng.normal(size=(6, features)) * (rng.uniform(size=(6, features)) < 0.4)
    mixing[0] += 0.5 * (np.arange(features) % 3 == 0)  # a third of the features follow the volume
    values = latent @ mixing + 0.3 * rng.normal(size=(rows, features))
    values[:, 0] = volume
    stat = np.array([fam == "stat" for fam, _ in keys])
    spread = values.std(axis=0)
    values[np.ix_(sites == "s4", stat)] += 3.0 * spread[stat]
    broken = np.arange(250, rows, 500)
    values[np.ix_(broken, np.arange(1, features))] += (rng.choice([-8.0, 8.0], size=(len(broken), features - 1))
                                                       * spread[1:])
    voxels = np.round(volume / 2.0).astype(int)
    now = datetime.datetime.now(datetime.timezone.utc)
    schema = ds.feature_schema(["site"], columns, QC_TYPES)
    files = files or max(1, rows // 100)
    for b, part in enumerate(np.array_split(np.arange(rows), files)):
        good = [i for i in part if i not in failed]
        data = {"case_id": [ids[i] for i in good], "label": [1] * len(good), "site": list(sites[good]),
                "radcore_version": ["synthetic"] * len(good), "image_digest": ["sha256:x"] * len(good),
                "mask_digest": ["sha256:y"] * len(good), "extracted_at": [now] * len(good),
                "extraction_seconds": [0.5] * len(good),
                "qc_roi_voxels": voxels[good], "qc_small_roi": voxels[good] < 100,
                "qc_roi_at_border": [False] * len(good),
                "qc_roi_components": [1] * len(good), "qc_fragmented_roi": [False] * len(good),
                "qc_intensity_out_of_range": [False] * len(good), "qc_resampling_factor": [1.0] * len(good),
                "qc_resampling_far": [False] * len(good), "qc_mask_other_series": [False] * len(good),
                "qc_flags": ["small_roi" if voxels[i] < 100 else "" for i in good]}
        data.update(zip(columns, values[good].T))
        errors = [{"case_id": ids[i], "label": 1, "stage": ["read", "preprocess", "features"][i % 3],
                   "error_type": "SyntheticError", "reason": f"case {ids[i]} failed on purpose",
                   "radcore_version": "synthetic", "attempted_at": now} for i in part if i in failed]
        ds.write_batch_table(folder, h, f"batch-{b:06d}", pa.table(data, schema=schema),
                             pa.Table.from_pylist(errors, schema=ds.ERROR_SCHEMA) if errors else None)
    ds.write_catalogue(folder, h, [
        {"column": c, "image_type": "original", "family": fam, "feature": name, "aggregation": "",
         "convention": "ibsi", "ibsi_code": None, "ibsi_tag": None, "description": "synthetic"}
        for c, (fam, name) in zip(columns, keys)])
    ds.write_settings(folder, h, {"synthetic": True, "families": families})
    ds.write_versions(folder, h, {"radcore": "synthetic", "python": "3"})
    if pictures:
        templates = []
        for k in range(4):
            image, mask = ct_like_case((16, 48, 48), seed=k, lesion_radius_mm=6.0)
            path = write_picture(Path(folder) / "qc" / f".template{k}.png", image.array, mask.array.astype(bool),
                                 image.spacing, "CT")
            templates.append(path.read_bytes())
            path.unlink()
        for i in range(rows):
            if i not in failed:
                picture_path(folder, ids[i], 1).write_bytes(templates[i % 4])
    return {"outliers": [ids[i] for i in broken if i not in failed],
            "shifted_site": [ids[i] for i in range(rows) if sites[i] == "s4" and i not in failed],
            "failed": [ids[i] for i in sorted(failed)]}
