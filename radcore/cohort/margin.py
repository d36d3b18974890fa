"""How much image around an ROI a worker must read so that preprocessing and filters see real neighbours.

The margin (mm) is the sum of

- the local intensity peak's sphere radius, :data:`radcore.preprocess.PEAK_RADIUS_MM`;
- the reach of the widest filter among the image types (:func:`radcore.image_types.margin_mm`);
- for interpolation, the original voxels the interpolator reads beyond the new grid
  (:func:`radcore.preprocess.interpolate.source_margin_voxels`) plus two voxels of the new grid.

PyRadiomics params need no margin from here: their profile computes the box a worker reads
(:func:`radcore.pyradiomics.extractor.source_box`; see :mod:`radcore.cohort.worker`).
"""

from __future__ import annotations

from typing import Iterable

from radcore import image_types
from radcore.preprocess import PEAK_RADIUS_MM
from radcore.preprocess.interpolate import source_margin_voxels
from radcore.settings import Settings


def required_margin_mm(settings: Settings, spacing: Iterable[float] | None = None) -> float:
    """Margin (mm) to read around an ROI's bounding box for ``settings``.

    ``spacing`` is the image's voxel size (any order); when None one millimetre stands for a voxel.
    """
    original = max(spacing) if spacing is not None else 1.0
    target = settings.interpolation.spacing
    grid = max(original, max(target)) if target is not None else original
    margin = PEAK_RADIUS_MM + image_types.margin_mm(settings, (grid,))
    if target is not None:
        margin += source_margin_voxels(settings.interpolation) * original + 2.0 * grid
    return float(margin)
