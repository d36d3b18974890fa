"""Local intensity features (IBSI-1 3.2, family code 9ST6).

Both features average the intensities in a sphere of 1 cm^3 (radius r = (3 / (4 pi))^(1/3) cm = 6.2 mm)
around a voxel of the intensity mask. The sphere holds every voxel whose centre lies within r of the
centre voxel's centre, inside or outside the ROI (the ROI arrays keep a margin of at least r around the
mask); at the image border the sphere is clipped to the image.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from radcore.features.registry import Family, Feature
from radcore.kernels.local_intensity import sphere_means
from radcore.preprocess import PEAK_RADIUS_MM


@dataclass(frozen=True)
class SpherePeaks:
    """Intensities X_k of the intensity-mask voxels and the sphere means S_k around them."""

    intensities: np.ndarray
    means: np.ndarray


def local_peak(p: SpherePeaks) -> float:
    """Local intensity peak (VJGA): max_k S_k over the voxels k of maximal intensity X_k = max X."""
    return float(p.means[p.intensities == p.intensities.max()].max())


def global_peak(p: SpherePeaks) -> float:
    """Global intensity peak (0F91): max_k S_k over every voxel k of the intensity mask."""
    return float(p.means.max())


def sphere_rows(spacing, radius: float = PEAK_RADIUS_MM) -> np.ndarray:
    """The sphere as x-runs: rows (dz, dy, lo, hi) int64 with (dz sz)^2 + (dy sy)^2 + (dx sx)^2 <= r^2
    exactly for lo <= dx <= hi (spacing (z, y, x) in mm)."""
    sz, sy, sx = (float(s) for s in spacing)
    r2 = radius * radius * (1.0 + 1e-12)
    rows = []
    for dz in range(-int(radius // sz), int(radius // sz) + 1):
        for dy in range(-int(radius // sy), int(radius // sy) + 1):
            rest = r2 - (dz * sz) ** 2 - (dy * sy) ** 2
            if rest < 0:
                continue
            h = int(math.floor(math.sqrt(rest) / sx))
            rows.append((dz, dy, -h, h))
    return np.array(rows, dtype=np.int64)


def sphere_peaks(image: np.ndarray, mask: np.ndarray, spacing, radius: float = PEAK_RADIUS_MM) -> SpherePeaks:
    """Intensities of the voxels of ``mask`` and the means of ``image`` in the sphere around each."""
    centres = np.argwhere(mask).astype(np.int64)
    image = np.ascontiguousarray(image, dtype=np.float64)
    means = sphere_means(image, centres, sphere_rows(spacing, radius))
    return SpherePeaks(image[mask], means)


FEATURES = (
    Feature("local_intensity", "peak_local", "VJGA", "loc_peak_loc", local_peak, "Local intensity peak"),
    Feature("local_intensity", "peak_global", "0F91", "loc_peak_glob", global_peak, "Global intensity peak"),
)


def compute(roi, disc, settings) -> dict[tuple[str, str], float]:
    """Both local intensity features of the intensity mask, on the (unresegmented) image."""
    peaks = sphere_peaks(roi.image, roi.int_mask, roi.spacing)
    return {(f.name, ""): f.function(peaks) for f in FEATURES}


FAMILY = Family("local_intensity", "loc", FEATURES, compute)
