"""Intensity-volume histogram features (IBSI 3.5, family code P88C).

The grey levels come from ``settings.ivh_discretisation`` (:func:`radcore.preprocess.discretise.ivh_levels`):
per-voxel levels X_k of the N voxels of the intensity mask and an ascending grid G_1 .. G_n. For each
grid level

    fractional volume    nu_i    = 1 - 1/N sum_k [X_k < G_i]        (share of voxels at or above G_i)
    intensity fraction   gamma_i = (G_i - G_1) / (G_n - G_1)        (0 for a single level)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from radcore.features.registry import Family, Feature
from radcore.preprocess.discretise import ivh_levels


@dataclass(frozen=True)
class VolumeHistogram:
    """The IVH curve: ``levels`` G_i, ``volume`` nu_i and ``fraction`` gamma_i (all float64, ascending G)."""

    levels: np.ndarray
    volume: np.ndarray
    fraction: np.ndarray


def volume_histogram(values: np.ndarray, grid: np.ndarray) -> VolumeHistogram:
    """The :class:`VolumeHistogram` of per-voxel grey levels ``values`` on the ascending ``grid``."""
    x = np.sort(np.asarray(values, dtype=np.float64))
    g = np.asarray(grid, dtype=np.float64)
    nu = 1.0 - np.searchsorted(x, g, side="left") / x.size
    span = g[-1] - g[0]
    gamma = (g - g[0]) / span if span > 0 else np.zeros(g.size)
    return VolumeHistogram(g, nu, gamma)


def volume_at_fraction(h: VolumeHistogram, fraction: float) -> float:
    """V_x: the largest fractional volume nu_i with intensity fraction gamma_i >= x; 0 when none."""
    ok = np.flatnonzero(h.fraction >= fraction - 1e-12)
    return float(h.volume[ok[0]]) if ok.size else 0.0


def intensity_at_volume(h: VolumeHistogram, volume: float) -> float:
    """I_x: the lowest grey level G_i with fractional volume nu_i <= x; the highest level when none."""
    ok = np.flatnonzero(h.volume <= volume + 1e-12)
    return float(h.levels[ok[0]]) if ok.size else float(h.levels[-1])


def v10(h: VolumeHistogram) -> float:
    """Volume at intensity fraction 10 %: V_10."""
    return volume_at_fraction(h, 0.10)


def v90(h: VolumeHistogram) -> float:
    """Volume at intensity fraction 90 %: V_90."""
    return volume_at_fraction(h, 0.90)


def i10(h: VolumeHistogram) -> float:
    """Intensity at volume fraction 10 %: I_10."""
    return intensity_at_volume(h, 0.10)


def i90(h: VolumeHistogram) -> float:
    """Intensity at volume fraction 90 %: I_90."""
    return intensity_at_volume(h, 0.90)


def v10_minus_v90(h: VolumeHistogram) -> float:
    """Volume fraction difference between intensity fractions: V_10 - V_90."""
    return v10(h) - v90(h)


def i10_minus_i90(h: VolumeHistogram) -> float:
    """Intensity fraction difference between volume fractions: I_10 - I_90."""
    return i10(h) - i90(h)


def area_under_curve(h: VolumeHistogram) -> float:
    """Area under the IVH curve: trapezoidal integral of nu over gamma, sum_i (gamma_{i+1} - gamma_i)(nu_i + nu_{i+1}) / 2."""
    if h.levels.size < 2:
        return 0.0
    return float(np.sum(np.diff(h.fraction) * (h.volume[1:] + h.volume[:-1]) / 2.0))


def _feature(name: str, code: str, tag: str, fn, description: str) -> Feature:
    return Feature("ivh", name, code, f"ivh_{tag}", fn, description)


FEATURES = (
    _feature("v10", "BC2M", "v10", v10, "Volume at intensity fraction 10 %"),
    _feature("v90", "BC2M", "v90", v90, "Volume at intensity fraction 90 %"),
    _feature("i10", "GBPN", "i10", i10, "Intensity at volume fraction 10 %"),
    _feature("i90", "GBPN", "i90", i90, "Intensity at volume fraction 90 %"),
    _feature("v10_minus_v90", "DDTU", "diff_v10_v90", v10_minus_v90,
             "Volume fraction difference between intensity fractions 10 % and 90 %"),
    _feature("i10_minus_i90", "CNV2", "diff_i10_i90", i10_minus_i90,
             "Intensity difference between volume fractions 10 % and 90 %"),
    _feature("auc", "9CMM", "auc", area_under_curve, "Area under the IVH curve"),
)


def compute(roi, disc, settings) -> dict[tuple[str, str], float]:
    """All IVH features of the intensity mask, on the grey levels of ``settings.ivh_discretisation``.

    ``disc`` (the texture discretisation) is not used: the IVH has its own.
    """
    reseg = settings.resegmentation.range
    lower = reseg[0] if reseg is not None else None
    levels = ivh_levels(roi.values, settings.ivh_discretisation, lower)
    h = volume_histogram(levels.values, levels.grid)
    return {(f.name, ""): f.function(h) for f in FEATURES}


FAMILY = Family("ivh", "ivh", FEATURES, compute)
