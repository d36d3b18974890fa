"""A benchmark cohort of realistic CT volumes: each case its own 512 x 512 x (100-300) int16 image.

One small image read again and again hides what a real cohort costs (decompression, ingest, reading the
ROI's chunks of a large volume): these cases are as large as clinical chest CTs (0.8 x 0.8 x 2.5 mm
voxels), each different (its own noise, body, slice count and lesion), with lesions of about 10^3 to 10^5
voxels (radius 7 to 30 mm, with random lobes). They are made by :func:`radcore.cohort.synthetic.ct_like_case`
and written as compressed NIfTI, as a scanner export would be.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import SimpleITK as sitk

from radcore.cohort.synthetic import ct_like_case
from radcore.io.images import to_image

SLICES = (100, 300)
LESION_RADIUS_MM = (7.0, 30.0)


def write_realistic_cohort(folder: Path, n: int, seed: int = 0) -> list[tuple[str, Path, Path]]:
    """``n`` cases under ``folder``: (case id, image path, mask path) each."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    cases = []
    for k in range(n):
        case = f"ct{k:03d}"
        slices = int(rng.integers(SLICES[0], SLICES[1] + 1))
        image, mask = ct_like_case((slices, 512, 512), seed=seed * 10_000 + k,
                                   lesion_radius_mm=float(rng.uniform(*LESION_RADIUS_MM)))
        paths = folder / f"{case}_image.nii.gz", folder / f"{case}_mask.nii.gz"
        sitk.WriteImage(to_image(image), str(paths[0]), useCompression=True)
        sitk.WriteImage(to_image(mask), str(paths[1]), useCompression=True)
        cases.append((case, *paths))
    return cases


def describe(cases: list[tuple[str, Path, Path]]) -> str:
    """Slices, ROI voxels and compressed megabytes of ``cases``, as ranges."""
    slices, voxels, sizes = [], [], []
    for _, image, mask in cases:
        reader = sitk.ImageFileReader()
        reader.SetFileName(str(image))
        reader.ReadImageInformation()
        slices.append(reader.GetSize()[2])
        voxels.append(int(sitk.GetArrayFromImage(sitk.ReadImage(str(mask))).sum()))
        sizes.append(image.stat().st_size / 1e6)
    return (f"512 x 512 x {min(slices)}-{max(slices)} int16, ROIs of {min(voxels)}-{max(voxels)} voxels, "
            f"{min(sizes):.0f}-{max(sizes):.0f} MB of .nii.gz each")
