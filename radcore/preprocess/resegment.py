"""Intensity-mask resegmentation (IBSI 2.5): range and outlier filtering."""

from __future__ import annotations

import numpy as np

from radcore.settings import ResegmentationSettings


def resegment(image: np.ndarray, mask: np.ndarray, settings: ResegmentationSettings) -> np.ndarray:
    """The intensity mask: ``mask`` restricted to voxels within the range, then within mean ± k sd.

    Range: keep a <= X <= b (an open bound is None). Outliers: keep mu - k sigma <= X <= mu + k sigma,
    with mu and sigma of the (range-filtered) ROI.
    """
    out = mask.copy()
    if settings.range is not None:
        lo, hi = settings.range
        if lo is not None:
            out &= image >= lo
        if hi is not None:
            out &= image <= hi
    if settings.outlier_sd is not None and out.any():
        x = image[out]
        mu, sd = x.mean(), x.std()
        k = settings.outlier_sd
        out &= (image >= mu - k * sd) & (image <= mu + k * sd)
    return out
