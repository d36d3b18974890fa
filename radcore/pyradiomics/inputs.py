"""What a PyRadiomics feature class receives for one image type of one case."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from radcore.kernels.texture import Texture, shared_texture


@dataclass(frozen=True)
class ClassInputs:
    """Arrays for one feature class, after PyRadiomics' preprocessing.

    image      (z, y, x) in its pixel type, the (filtered) image cut to the mask's bounding box
    mask       bool, the ROI used for first-order and texture classes (after resegmentation)
    shape_mask bool, the ROI used by the shape class (before resegmentation unless resegmentShape)
    levels     int32, PyRadiomics' discretised grey levels: 1..n_levels inside ``mask``, 0 outside
    n_levels   highest grey level
    spacing    voxel size (z, y, x) in mm

    The texture classes of one image type share :meth:`texture` (computed once per padding).
    """

    image: np.ndarray
    mask: np.ndarray
    shape_mask: np.ndarray
    levels: np.ndarray
    n_levels: int
    spacing: tuple[float, float, float]

    @cached_property
    def _textures(self) -> dict[int, Texture]:
        return {}

    def texture(self, pad: int = 1) -> Texture:
        """The shared :class:`Texture` layout with at least ``pad`` voxels of padding."""
        return shared_texture(self._textures, self.levels, self.mask, pad)

    @cached_property
    def roi_values(self) -> np.ndarray:
        """float64 intensities inside ``mask`` (raster order)."""
        return self.image[self.mask].astype(np.float64)
