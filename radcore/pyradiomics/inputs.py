"""What a PyRadiomics feature class receives for one image type of one case."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class ClassInputs:
    """Arrays for one feature class, after PyRadiomics' preprocessing.

    image      float64 (z, y, x), the (filtered) image cropped to the mask's bounding box + padDistance
    mask       bool, the ROI used for first-order and texture classes (after resegmentation)
    shape_mask bool, the ROI used by the shape class (before resegmentation unless resegmentShape)
    levels     int32, PyRadiomics' discretised grey levels: 1..n_levels inside ``mask``, 0 outside
    n_levels   highest grey level
    spacing    voxel size (z, y, x) in mm
    """

    image: np.ndarray
    mask: np.ndarray
    shape_mask: np.ndarray
    levels: np.ndarray
    n_levels: int
    spacing: tuple[float, float, float]
