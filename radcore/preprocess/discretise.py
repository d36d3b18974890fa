"""Grey-level discretisation (IBSI 2.7): fixed bin number (FBN), fixed bin size (FBS) or none.

:func:`discretise` gives the grey levels of the texture families and the intensity histogram;
:func:`ivh_levels` the grey levels of the intensity-volume histogram (IBSI 3.5), which keep intensity
units for FBS (bin centres) and none (the intensities themselves).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from radcore.errors import InvalidImageError
from radcore.roi import Discretised, RoiImage
from radcore.settings import DiscretisationSettings

#: at most this many integer levels make the IVH grid of undiscretised integer intensities
_MAX_INTEGER_GRID = 1_000_000


def fbs_lower_bound(x: np.ndarray, settings: DiscretisationSettings, lower_bound: float | None) -> float:
    """X_b of fixed bin size: ``settings.bin_min``, else the resegmentation lower bound, else min X."""
    base = settings.bin_min if settings.bin_min is not None else lower_bound
    if base is None or not np.isfinite(base):
        base = float(np.min(x))
    return float(base)


def bin_levels(x: np.ndarray, settings: DiscretisationSettings, lower_bound: float | None = None) -> tuple[np.ndarray, int]:
    """Grey levels of intensities ``x`` and the number of levels.

    FBN:  X_d = floor(Ng (X - X_min) / (X_max - X_min)) + 1, with X_d = Ng at X_max; all 1 when flat.
    FBS:  X_d = floor((X - X_b) / w_b) + 1, X_b = ``settings.bin_min``, else ``lower_bound`` (the lower
          resegmentation bound), else min X; Ng = max X_d.
    none: X_d = X (must be integers >= 1); Ng = max X.
    """
    x = np.asarray(x, dtype=np.float64)
    if x.size == 0:
        return np.zeros(0, np.int32), 1
    if settings.method == "fixed_bin_number":
        ng = settings.bin_number
        lo, hi = x.min(), x.max()
        if hi == lo:
            return np.ones(x.shape, np.int32), ng
        d = np.floor(ng * (x - lo) / (hi - lo)).astype(np.int64) + 1
        return np.minimum(d, ng).astype(np.int32), ng
    if settings.method == "fixed_bin_size":
        base = fbs_lower_bound(x, settings, lower_bound)
        d = np.floor((x - base) / settings.bin_size).astype(np.int64) + 1
        d = np.maximum(d, 1)
        return d.astype(np.int32), int(d.max())
    rounded = np.round(x)
    if not np.allclose(rounded, x) or rounded.min() < 1:
        raise InvalidImageError(
            "discretisation method 'none' needs integer intensities >= 1 inside the ROI; "
            f"got values in [{x.min()}, {x.max()}]: choose fixed_bin_number or fixed_bin_size"
        )
    return rounded.astype(np.int32), int(rounded.max())


def discretise(roi: RoiImage, settings: DiscretisationSettings, lower_bound: float | None = None) -> Discretised:
    """Discretise the intensity mask of ``roi``; voxels outside it get level 0."""
    levels = np.zeros(roi.image.shape, np.int32)
    values, n_levels = bin_levels(roi.values, settings, lower_bound)
    levels[roi.int_mask] = values
    return Discretised(levels, n_levels)


@dataclass(frozen=True)
class IvhLevels:
    """Grey levels for the intensity-volume histogram.

    values  float64, the grey level of each voxel of the intensity mask
    grid    float64, ascending, the grey levels G_1 .. G_n the histogram is evaluated at; the intensity
            fraction of G_i is (G_i - G_1) / (G_n - G_1)
    """

    values: np.ndarray
    grid: np.ndarray


def ivh_levels(x: np.ndarray, settings: DiscretisationSettings, lower_bound: float | None = None) -> IvhLevels:
    """Grey levels of intensities ``x`` for the IVH (IBSI 3.5).

    FBN:  X_d as :func:`bin_levels`; grid 1 .. Ng.
    FBS:  the bin centre X_b + (X_d - 1/2) w_b of each voxel's bin; grid the centres of bins 1 .. max X_d.
    none: the intensities; grid every integer from min X to max X when the intensities are integers,
          else the distinct intensities.
    """
    x = np.asarray(x, dtype=np.float64)
    if x.size == 0:
        return IvhLevels(x, np.zeros(0))
    if settings.method == "fixed_bin_number":
        d, ng = bin_levels(x, settings)
        return IvhLevels(d.astype(np.float64), np.arange(1, ng + 1, dtype=np.float64))
    if settings.method == "fixed_bin_size":
        d, top = bin_levels(x, settings, lower_bound)
        base, w = fbs_lower_bound(x, settings, lower_bound), settings.bin_size
        centres = base + (np.arange(1, top + 1, dtype=np.float64) - 0.5) * w
        return IvhLevels(centres[d - 1], centres)
    lo, hi = float(x.min()), float(x.max())
    if np.array_equal(x, np.round(x)) and hi - lo < _MAX_INTEGER_GRID:
        return IvhLevels(x, np.arange(lo, hi + 1.0))
    return IvhLevels(x, np.unique(x))
