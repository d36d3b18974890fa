"""The arrays handed from preprocessing to the feature families.

Arrays are (z, y, x); ``spacing`` is (z, y, x) in mm. The arrays cover the ROI's bounding box plus a
margin (for local intensity peaks and filters), so the masks do not touch every border.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Mapping

import numpy as np

from radcore.kernels.texture import Texture, neighbourhood_counts, shared_texture
from radcore.kernels.zones import box_offsets, label_zones


@dataclass(frozen=True)
class RoiImage:
    """A preprocessed region of interest.

    image       float64 intensities after interpolation (and rounding), before resegmentation
    morph_mask  bool, the morphological mask: after interpolation, before resegmentation
    int_mask    bool, the intensity mask: morph_mask after resegmentation
    spacing     voxel size (z, y, x) in mm
    diagnostics IBSI diagnostic values recorded while preprocessing (tag -> value)
    origin      the physical position (x, y, z) of ``image[0, 0, 0]``, direction the grid's (row-major),
                as ITK has them (a voxel map's geometry)
    """

    image: np.ndarray
    morph_mask: np.ndarray
    int_mask: np.ndarray
    spacing: tuple[float, float, float]
    diagnostics: Mapping[str, float] = field(default_factory=dict)
    origin: tuple[float, float, float] = (0.0, 0.0, 0.0)
    direction: tuple[float, ...] = (1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0)

    @property
    def values(self) -> np.ndarray:
        """Intensities inside the intensity mask, as a flat float64 array."""
        return self.image[self.int_mask]


@dataclass(frozen=True)
class Discretised:
    """Grey levels of the intensity mask.

    levels    int32 array like ``RoiImage.image``: 1..n_levels inside the intensity mask, 0 outside
    n_levels  number of grey levels Ng (the highest level that may occur)

    The texture families share :meth:`texture`, the layout their matrices are counted on, and what two
    families count alike: the zones (:meth:`zones`: GLSZM and GLDZM) and the neighbourhoods
    (:meth:`neighbourhoods`: NGTDM and NGLDM), each computed once.
    """

    levels: np.ndarray
    n_levels: int

    @cached_property
    def _textures(self) -> dict[int, Texture]:
        return {}

    @cached_property
    def _shared(self) -> dict[tuple, tuple[np.ndarray, ...]]:
        return {}

    def texture(self, pad: int = 1) -> Texture:
        """The shared :class:`~radcore.kernels.texture.Texture` with at least ``pad`` voxels of padding."""
        return shared_texture(self._textures, self.levels, self.levels > 0, pad)

    def zones(self, connectivity: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(labels, zone_level, zone_size) of :func:`radcore.kernels.zones.label_zones`, shared."""
        key = ("zones", connectivity)
        if key not in self._shared:
            self._shared[key] = label_zones(self.levels, connectivity)
        return self._shared[key]

    def neighbourhoods(self, distance: tuple[int, int, int], alpha: float) -> tuple[np.ndarray, ...]:
        """(dependence, s, n) of :func:`radcore.kernels.texture.neighbourhood_counts` over the box of
        Chebyshev ``distance`` (dz, dy, dx) with coarseness ``alpha``, shared; s and n do not depend on
        ``alpha``."""
        key = ("neighbourhoods", tuple(int(d) for d in distance), float(alpha))
        if key not in self._shared:
            tex = self.texture(max(distance))
            self._shared[key] = neighbourhood_counts(tex, box_offsets(distance), self.n_levels, float(alpha))
        return self._shared[key]
