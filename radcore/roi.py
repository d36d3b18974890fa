"""The arrays handed from preprocessing to the feature families.

Arrays are (z, y, x); ``spacing`` is (z, y, x) in mm. The arrays cover the ROI's bounding box plus a
margin (for local intensity peaks and filters), so the masks do not touch every border.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Mapping

import numpy as np

from radcore.kernels.texture import Texture, shared_texture


@dataclass(frozen=True)
class RoiImage:
    """A preprocessed region of interest.

    image       float64 intensities after interpolation (and rounding), before resegmentation
    morph_mask  bool, the morphological mask: after interpolation, before resegmentation
    int_mask    bool, the intensity mask: morph_mask after resegmentation
    spacing     voxel size (z, y, x) in mm
    diagnostics IBSI diagnostic values recorded while preprocessing (tag -> value)
    """

    image: np.ndarray
    morph_mask: np.ndarray
    int_mask: np.ndarray
    spacing: tuple[float, float, float]
    diagnostics: Mapping[str, float] = field(default_factory=dict)

    @property
    def values(self) -> np.ndarray:
        """Intensities inside the intensity mask, as a flat float64 array."""
        return self.image[self.int_mask]


@dataclass(frozen=True)
class Discretised:
    """Grey levels of the intensity mask.

    levels    int32 array like ``RoiImage.image``: 1..n_levels inside the intensity mask, 0 outside
    n_levels  number of grey levels Ng (the highest level that may occur)

    The texture families share :meth:`texture`, the layout their matrices are counted on.
    """

    levels: np.ndarray
    n_levels: int

    @cached_property
    def _textures(self) -> dict[int, Texture]:
        return {}

    def texture(self, pad: int = 1) -> Texture:
        """The shared :class:`~radcore.kernels.texture.Texture` with at least ``pad`` voxels of padding."""
        return shared_texture(self._textures, self.levels, self.levels > 0, pad)
