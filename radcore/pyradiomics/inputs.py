"""What a PyRadiomics feature class receives for one image type of one case."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from radcore.kernels.pyrad_texture import layout
from radcore.kernels.zones import flat_offsets


@dataclass(frozen=True)
class Texture:
    """The discretised ROI laid out for :mod:`radcore.kernels.pyrad_texture`.

    present  float64 (n,) the grey levels present in the ROI, ascending (PyRadiomics' ``grayLevels``)
    counts   float64 (n,) voxels per present level
    values   int32 raveled levels padded by ``pad`` zeros per side (0 outside the ROI)
    ranks    int32 like ``values``: the level's index in ``present`` plus 1 (0 outside)
    roi      int64 flat indices of the ROI voxels in the padded array, ascending
    shape    the unpadded (z, y, x) shape; ``padded_shape`` the padded one
    memo     results shared between classes of one image type (e.g. the GLDM / NGTDM neighbourhoods)
    """

    present: np.ndarray
    counts: np.ndarray
    values: np.ndarray
    ranks: np.ndarray
    roi: np.ndarray
    shape: tuple[int, int, int]
    padded_shape: tuple[int, int, int]
    pad: int
    memo: dict = field(default_factory=dict, compare=False, repr=False)

    def steps(self, offsets: np.ndarray) -> np.ndarray:
        """int64 flat steps of (k, 3) offsets (each component at most ``pad``) in the padded layout."""
        offsets = np.asarray(offsets, dtype=np.int64).reshape(-1, 3)
        if offsets.size and np.abs(offsets).max() > self.pad:
            raise ValueError(f"offsets reach {np.abs(offsets).max()} voxels, the layout is padded by {self.pad}")
        return flat_offsets(offsets, self.padded_shape)


def build_texture(levels: np.ndarray, mask: np.ndarray, pad: int) -> Texture:
    """The :class:`Texture` of int32 ``levels`` (>= 1 inside ``mask``) padded by ``pad`` (>= 1)."""
    values, ranks, roi, hist = layout(levels, mask, pad)
    present = np.flatnonzero(hist)
    present = present[present > 0]
    return Texture(
        present=present.astype(np.float64),
        counts=hist[present].astype(np.float64),
        values=values,
        ranks=ranks,
        roi=roi,
        shape=tuple(levels.shape),
        padded_shape=tuple(n + 2 * pad for n in levels.shape),
        pad=pad,
    )


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
        pad = max(int(pad), 1)
        cache = self._textures
        for have, tex in cache.items():
            if have >= pad:
                return tex
        tex = build_texture(np.ascontiguousarray(self.levels, dtype=np.int32), np.asarray(self.mask, bool), pad)
        cache[pad] = tex
        return tex

    @cached_property
    def roi_values(self) -> np.ndarray:
        """float64 intensities inside ``mask`` (raster order)."""
        return self.image[self.mask].astype(np.float64)
