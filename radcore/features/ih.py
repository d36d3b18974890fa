"""Intensity histogram features (IBSI 3.4, family code ZVCW).

Each formula takes the discretised grey levels X_d of the N voxels of the intensity mask, and the
histogram n_i (voxels with grey level i, i = 1 .. Ng) with probabilities p_i = n_i / N. The statistics
shared with the intensity-based statistics family (IBSI 3.3) are those formulas applied to X_d.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from radcore.features import stat
from radcore.features.registry import Family, Feature


@dataclass(frozen=True)
class Histogram:
    """Grey levels ``x`` (float64, one per voxel) and counts ``n`` (float64, n[i - 1] = n_i, i = 1 .. Ng)."""

    x: np.ndarray
    n: np.ndarray

    @property
    def p(self) -> np.ndarray:
        """Probabilities p_i = n_i / N."""
        return self.n / self.n.sum()


def histogram(levels: np.ndarray, n_levels: int) -> Histogram:
    """The :class:`Histogram` of grey levels ``levels`` (ints 1 .. Ng); Ng = max(n_levels, max level).
    Its ``x`` holds the levels in ascending order (rebuilt from the counts)."""
    x = np.asarray(levels).ravel()
    ng = max(int(n_levels), int(x.max()) if x.size else 1, 1)
    counts = np.bincount(x.astype(np.int64), minlength=ng + 1)[1:]
    return Histogram(np.repeat(np.arange(1.0, ng + 1.0), counts), counts.astype(np.float64))


def _shared(fn, doc: str):
    def feature(h: Histogram) -> float:
        return fn(h.x)

    feature.__doc__ = doc + f" (IBSI 3.3 formula of {fn.__name__} on the grey levels X_d)."
    feature.__name__ = fn.__name__
    return feature


def mode(h: Histogram) -> float:
    """Mode: the grey level i with the largest n_i; of several, the one closest to the mean, then the lowest."""
    top = np.flatnonzero(h.n == h.n.max()) + 1
    if top.size == 1:
        return float(top[0])
    mu = h.x.mean()
    return float(top[np.argmin(np.abs(top - mu))])


def entropy(h: Histogram, eps: float = 0.0) -> float:
    """Entropy: -sum_i p_i log2(p_i + eps) over p_i > 0; eps is 0 for the IBSI, machine epsilon for
    PyRadiomics' first-order Entropy."""
    p = h.p[h.n > 0]
    return float(-np.sum(p * np.log2(p + eps)))


def uniformity(h: Histogram) -> float:
    """Uniformity: sum_i p_i^2."""
    return float(np.sum(h.p ** 2))


def gradient(h: Histogram) -> np.ndarray:
    """Histogram gradient H'_i: n_2 - n_1 at i = 1, (n_{i+1} - n_{i-1}) / 2 inside, n_Ng - n_{Ng-1} at i = Ng.

    A single-level histogram has gradient 0.
    """
    n = h.n
    if n.size < 2:
        return np.zeros(n.size)
    return np.gradient(n)


def max_gradient(h: Histogram) -> float:
    """Maximum histogram gradient: max_i H'_i."""
    return float(gradient(h).max())


def max_gradient_level(h: Histogram) -> float:
    """Maximum histogram gradient grey level: the (lowest) i with H'_i = max H'."""
    return float(np.argmax(gradient(h)) + 1)


def min_gradient(h: Histogram) -> float:
    """Minimum histogram gradient: min_i H'_i."""
    return float(gradient(h).min())


def min_gradient_level(h: Histogram) -> float:
    """Minimum histogram gradient grey level: the (lowest) i with H'_i = min H'."""
    return float(np.argmin(gradient(h)) + 1)


def _feature(name: str, code: str, tag: str, fn, description: str, pyradiomics: str = "") -> Feature:
    return Feature("ih", name, code, f"ih_{tag}", fn, description, pyradiomics=pyradiomics)


FEATURES = (
    _feature("mean", "X6K6", "mean", _shared(stat.mean, "Mean: 1/N sum_k X_d,k"), "Mean discretised intensity"),
    _feature("variance", "CH89", "var", _shared(stat.variance, "Variance: 1/N sum_k (X_d,k - mu)^2"),
             "Discretised intensity variance"),
    _feature("skewness", "88K1", "skew", _shared(stat.skewness, "Skewness: m3 / sigma^3"),
             "Discretised intensity skewness"),
    _feature("kurtosis", "C3I7", "kurt", _shared(stat.kurtosis, "Excess kurtosis: m4 / sigma^4 - 3"),
             "Excess discretised intensity kurtosis"),
    _feature("median", "WIFQ", "median", _shared(stat.median, "Median: M = P50 of X_d"), "Median discretised intensity"),
    _feature("minimum", "1PR8", "min", _shared(stat.minimum, "Minimum: min_k X_d,k"),
             "Minimum discretised intensity"),
    _feature("p10", "GPMT", "p10", _shared(stat.p10, "10th percentile: P10 of X_d"),
             "10th discretised intensity percentile"),
    _feature("p90", "OZ0C", "p90", _shared(stat.p90, "90th percentile: P90 of X_d"),
             "90th discretised intensity percentile"),
    _feature("maximum", "3NCY", "max", _shared(stat.maximum, "Maximum: max_k X_d,k"),
             "Maximum discretised intensity"),
    _feature("mode", "AMMC", "mode", mode, "Intensity histogram mode"),
    _feature("iqr", "WR0O", "iqr", _shared(stat.iqr, "Interquartile range: P75 - P25"),
             "Discretised intensity interquartile range"),
    _feature("range", "5Z3W", "range", _shared(stat.value_range, "Range: max X_d - min X_d"),
             "Discretised intensity range"),
    _feature("mad", "D2ZX", "mad", _shared(stat.mean_absolute_deviation, "Mean absolute deviation: 1/N sum |X_d - mu|"),
             "Intensity histogram mean absolute deviation"),
    _feature("rmad", "WRZB", "rmad",
             _shared(stat.robust_mean_absolute_deviation, "Robust mean absolute deviation over P10 <= X_d <= P90"),
             "Intensity histogram robust mean absolute deviation"),
    _feature("medad", "4RNL", "medad",
             _shared(stat.median_absolute_deviation, "Median absolute deviation: 1/N sum |X_d - M|"),
             "Intensity histogram median absolute deviation"),
    _feature("cov", "CWYJ", "cov", _shared(stat.coefficient_of_variation, "Coefficient of variation: sigma / mu"),
             "Intensity histogram coefficient of variation"),
    _feature("qcod", "SLWD", "qcod",
             _shared(stat.quartile_coefficient_of_dispersion, "Quartile coefficient of dispersion: (P75 - P25) / (P75 + P25)"),
             "Intensity histogram quartile coefficient of dispersion"),
    _feature("entropy", "TLU2", "entropy", entropy, "Discretised intensity entropy", "Entropy"),
    _feature("uniformity", "BJ5W", "uniformity", uniformity, "Discretised intensity uniformity", "Uniformity"),
    _feature("max_gradient", "12CE", "max_grad", max_gradient, "Maximum histogram gradient"),
    _feature("max_gradient_level", "8E6O", "max_grad_g", max_gradient_level,
             "Maximum histogram gradient grey level"),
    _feature("min_gradient", "VQB3", "min_grad", min_gradient, "Minimum histogram gradient"),
    _feature("min_gradient_level", "RHQZ", "min_grad_g", min_gradient_level,
             "Minimum histogram gradient grey level"),
)


def compute(roi, disc, settings) -> dict[tuple[str, str], float]:
    """All intensity histogram features of the discretised intensity mask."""
    h = histogram(disc.levels[roi.int_mask], disc.n_levels)
    return {(f.name, ""): f.function(h) for f in FEATURES}


FAMILY = Family("ih", "ih", FEATURES, compute, pyradiomics="firstorder")
