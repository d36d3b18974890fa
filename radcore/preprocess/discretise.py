"""Grey-level discretisation (IBSI 2.7): fixed bin number (FBN), fixed bin size (FBS) or none."""

from __future__ import annotations

import numpy as np

from radcore.errors import InvalidImageError
from radcore.roi import Discretised, RoiImage
from radcore.settings import DiscretisationSettings


def bin_levels(x: np.ndarray, settings: DiscretisationSettings, lower_bound: float | None = None) -> tuple[np.ndarray, int]:
    """Grey levels of intensities ``x`` and the number of levels.

    FBN:  X_d = floor(Ng (X - X_min) / (X_max - X_min)) + 1, with X_d = Ng at X_max; all 1 when flat.
    FBS:  X_d = floor((X - X_b) / w_b) + 1, X_b = ``settings.bin_min``, else ``lower_bound``, else min X.
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
        base = settings.bin_min if settings.bin_min is not None else lower_bound
        if base is None or not np.isfinite(base):
            base = x.min()
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
