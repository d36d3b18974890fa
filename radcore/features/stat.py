"""Intensity-based statistical features (IBSI 3.3, family code UHIW).

Each formula takes X, the intensities of the N voxels of the intensity mask (before discretisation).

PyRadiomics' first-order class shares the formulas of the records with a ``pyradiomics`` name, and these
functions are the NumPy reference of its compiled pass (:mod:`radcore.kernels.pyrad_firstorder`). Its
other features are these formulas under its conventions: Energy and RootMeanSquared are :func:`energy` and
:func:`root_mean_square` of X + c (c its ``voxelArrayShift``), TotalEnergy is Energy times the voxel
volume, Kurtosis is :func:`kurtosis` + 3 (not the excess), and Entropy and Uniformity are the intensity
histogram's (:mod:`radcore.features.ih`, with eps in the logarithm).
"""

from __future__ import annotations

import math

import numpy as np

from radcore.features.registry import Family, Feature


def mean(x: np.ndarray) -> float:
    """Mean: mu = 1/N sum_k X_k."""
    return float(np.mean(x))


def variance(x: np.ndarray) -> float:
    """Variance (biased): sigma^2 = 1/N sum_k (X_k - mu)^2."""
    return float(np.var(x))


def skewness(x: np.ndarray) -> float:
    """Skewness: (1/N sum (X_k - mu)^3) / sigma^3; 0 when sigma = 0."""
    d = x - x.mean()
    d2 = d * d
    m2 = np.mean(d2)
    return 0.0 if m2 == 0 else float(np.mean(d2 * d) / m2**1.5)


def kurtosis(x: np.ndarray) -> float:
    """Excess kurtosis: (1/N sum (X_k - mu)^4) / sigma^4 - 3; 0 when sigma = 0."""
    d = x - x.mean()
    d2 = d * d
    m2 = np.mean(d2)
    return 0.0 if m2 == 0 else float(np.mean(d2 * d2) / m2**2 - 3.0)


def median(x: np.ndarray) -> float:
    """Median: M = P50 of X (mean of the two middle values when N is even)."""
    return _median(x)


def minimum(x: np.ndarray) -> float:
    """Minimum: min_k X_k."""
    return float(np.min(x))


def p10(x: np.ndarray) -> float:
    """10th percentile: P10 of X (linear interpolation between order statistics)."""
    return percentiles(x, (10,))[0]


def p90(x: np.ndarray) -> float:
    """90th percentile: P90 of X (linear interpolation between order statistics)."""
    return percentiles(x, (90,))[0]


def maximum(x: np.ndarray) -> float:
    """Maximum: max_k X_k."""
    return float(np.max(x))


def iqr(x: np.ndarray) -> float:
    """Interquartile range: P75 - P25."""
    q25, q75 = percentiles(x, (25, 75))
    return q75 - q25


def value_range(x: np.ndarray) -> float:
    """Range: max X - min X."""
    return float(np.max(x) - np.min(x))


def mean_absolute_deviation(x: np.ndarray) -> float:
    """Mean absolute deviation: 1/N sum |X_k - mu|."""
    return float(np.mean(np.abs(x - x.mean())))


def robust_mean_absolute_deviation(x: np.ndarray) -> float:
    """Robust mean absolute deviation: 1/N' sum |X'_k - mu'| over X' = {X_k : P10 <= X_k <= P90}."""
    lo, hi = percentiles(x, (10, 90))
    sub = x[(x >= lo) & (x <= hi)]
    return float(np.mean(np.abs(sub - sub.mean())))


def median_absolute_deviation(x: np.ndarray) -> float:
    """Median absolute deviation: 1/N sum |X_k - M|, M the median."""
    return float(np.mean(np.abs(x - _median(x))))


def coefficient_of_variation(x: np.ndarray) -> float:
    """Coefficient of variation: sigma / mu (NaN when mu = 0)."""
    mu = x.mean()
    return float(np.std(x) / mu) if mu != 0 else float("nan")


def quartile_coefficient_of_dispersion(x: np.ndarray) -> float:
    """Quartile coefficient of dispersion: (P75 - P25) / (P75 + P25) (NaN when P75 + P25 = 0)."""
    q25, q75 = percentiles(x, (25, 75))
    return (q75 - q25) / (q75 + q25) if q75 + q25 != 0 else float("nan")


def energy(x: np.ndarray) -> float:
    """Energy: sum_k X_k^2."""
    return float(np.sum(x.astype(np.float64) ** 2))


def root_mean_square(x: np.ndarray) -> float:
    """Root mean square: sqrt(1/N sum_k X_k^2)."""
    return float(np.sqrt(np.mean(x.astype(np.float64) ** 2)))


def percentiles(x: np.ndarray, qs) -> list[float]:
    """The percentiles ``qs`` (0..100) of X as ``np.percentile`` gives them (its default: linear
    interpolation between the order statistics at (N - 1) q / 100, the same arithmetic), read from the
    sorted values instead of partially sorting X for each call."""
    xs = _sorted(x)
    n = xs.size
    out = []
    for q in qs:
        v = (n - 1) * (q / 100)
        if v >= n - 1:
            out.append(float(xs[-1]))
            continue
        i = math.floor(v)
        a, b, t = xs[i], xs[i + 1], v - i
        d = b - a
        out.append(float(b - d * (1 - t)) if t >= 0.5 else float(a + d * t))
    return out


def _median(x: np.ndarray) -> float:
    """``np.median``: the middle order statistic, or the mean of the two middle ones when N is even."""
    xs = _sorted(x)
    n = xs.size
    return float(xs[n // 2]) if n % 2 else float((xs[n // 2 - 1] + xs[n // 2]) / 2)


def _sorted(x: np.ndarray) -> np.ndarray:
    """X in ascending order: X itself when it is (:func:`compute` sorts it once), else a sorted copy."""
    return x if x.size < 2 or not np.any(x[1:] < x[:-1]) else np.sort(x)


def _feature(name: str, code: str, tag: str, fn, description: str, pyradiomics: str = "") -> Feature:
    return Feature("stat", name, code, f"stat_{tag}", fn, description, pyradiomics=pyradiomics)


FEATURES = (
    _feature("mean", "Q4LE", "mean", mean, "Mean intensity", "Mean"),
    _feature("variance", "ECT3", "var", variance, "Intensity variance", "Variance"),
    _feature("skewness", "KE2A", "skew", skewness, "Intensity skewness", "Skewness"),
    _feature("kurtosis", "IPH6", "kurt", kurtosis, "Excess intensity kurtosis"),
    _feature("median", "Y12H", "median", median, "Median intensity", "Median"),
    _feature("minimum", "1GSF", "min", minimum, "Minimum intensity", "Minimum"),
    _feature("p10", "QG58", "p10", p10, "10th intensity percentile", "10Percentile"),
    _feature("p90", "8DWT", "p90", p90, "90th intensity percentile", "90Percentile"),
    _feature("maximum", "84IY", "max", maximum, "Maximum intensity", "Maximum"),
    _feature("iqr", "SALO", "iqr", iqr, "Intensity interquartile range", "InterquartileRange"),
    _feature("range", "2OJQ", "range", value_range, "Intensity range", "Range"),
    _feature("mad", "4FUA", "mad", mean_absolute_deviation, "Intensity-based mean absolute deviation",
             "MeanAbsoluteDeviation"),
    _feature("rmad", "1128", "rmad", robust_mean_absolute_deviation,
             "Intensity-based robust mean absolute deviation", "RobustMeanAbsoluteDeviation"),
    _feature("medad", "N72L", "medad", median_absolute_deviation,
             "Intensity-based median absolute deviation"),
    _feature("cov", "7TET", "cov", coefficient_of_variation, "Intensity-based coefficient of variation"),
    _feature("qcod", "9S40", "qcod", quartile_coefficient_of_dispersion,
             "Intensity-based quartile coefficient of dispersion"),
    _feature("energy", "N8CA", "energy", energy, "Intensity-based energy"),
    _feature("rms", "5ZWQ", "rms", root_mean_square, "Root mean square intensity"),
)


def compute(roi, disc, settings) -> dict[tuple[str, str], float]:
    """All statistical features of the intensity mask's intensities (sorted once: the percentiles read
    their order statistics)."""
    x = np.sort(roi.values.astype(np.float64))
    return {(f.name, ""): f.function(x) for f in FEATURES}


FAMILY = Family("stat", "stat", FEATURES, compute, pyradiomics="firstorder")
