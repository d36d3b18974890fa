"""One crop helper: an ROI's bounding box grown by a margin, clipped to the image, and where it lies.

Every crop in radcore goes through :func:`grown_box`: a cohort worker reading an ROI from its store
(:func:`radcore.io.store.read_roi`), the IBSI profile cutting a loaded case to its ROI plus the filters'
reach (:func:`radcore.preprocess.crop`), and the PyRadiomics profile cutting its case to the ROI plus
``padDistance`` (``preCrop``, or resampling at the image's own spacing: :mod:`radcore.pyradiomics.preprocess`
and :func:`radcore.pyradiomics.extractor.source_box`) and a filter's input around the ROI
(:mod:`radcore.pyradiomics.extractor`). Boxes are tuples of slices over the array axes (z, y, x).
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np

from radcore.kernels.labels import label_box

Box = tuple[slice, ...]


def box_and_count(mask: np.ndarray) -> tuple[Box | None, int]:
    """The smallest box holding every True voxel of the 3D bool ``mask`` (None when it holds none) and
    their number, in one pass over the mask."""
    lo, hi, count = label_box(np.asarray(mask, dtype=bool).view(np.uint8), 1)
    if count == 0:
        return None, 0
    return tuple(slice(int(a), int(b) + 1) for a, b in zip(lo, hi)), count


def bounding_box(mask: np.ndarray) -> Box:
    """The smallest box holding every True voxel of the 3D bool ``mask`` (which must hold one)."""
    box, count = box_and_count(mask)
    if box is None:
        raise ValueError("bounding_box of a mask without a True voxel")
    return box


def margin_voxels(margin_mm: float, spacing: Sequence[float], shape: Sequence[int]) -> tuple[int, ...]:
    """Voxels per axis that cover ``margin_mm`` with one to spare: ceil(margin / spacing) + 1; an infinite
    (or larger than the image) margin gives the whole axis."""
    return tuple(int(math.ceil(min(margin_mm, n * sp) / sp)) + 1 for sp, n in zip(spacing, shape))


def grown_box(box: Box, margins: Sequence[int], shape: Sequence[int], whole_axis_on_border: bool = False) -> Box:
    """``box`` grown by ``margins`` voxels per axis, clipped to ``shape``; with ``whole_axis_on_border`` an
    axis whose grown box would pass the image's border takes the whole axis (for filters that wrap around
    it, such as PyRadiomics' wavelets)."""
    out = []
    for s, m, n in zip(box, margins, shape):
        lo, hi = s.start - m, s.stop + m
        if whole_axis_on_border and (lo < 0 or hi > n):
            lo, hi = 0, n
        out.append(slice(max(lo, 0), min(hi, n)))
    return tuple(out)


def inner_box(region: Box, box: Box) -> Box:
    """Where ``box`` lies inside ``region`` (both boxes of one array)."""
    return tuple(slice(b.start - r.start, b.stop - r.start) for r, b in zip(region, box))


def crop_origin(origin: Sequence[float], spacing_zyx: Sequence[float], direction: Sequence[float],
                offset_zyx: Sequence[int]) -> tuple[float, float, float]:
    """The physical position (x, y, z) of voxel ``offset_zyx`` of an image: origin + D (offset * spacing)."""
    d = np.asarray(direction, dtype=float).reshape(3, 3)
    step = np.asarray(offset_zyx[::-1], dtype=float) * np.asarray(spacing_zyx[::-1], dtype=float)
    return tuple(float(v) for v in np.asarray(origin, dtype=float) + d @ step)
