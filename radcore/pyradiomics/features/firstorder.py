"""PyRadiomics first-order features.

X holds the N_p (filtered, not discretised) intensities inside the ROI; c is ``voxelArrayShift`` (added
only in Energy, TotalEnergy and RootMeanSquared, to keep them non-negative); p(i) = N(i) / N_p is the
histogram of the discretised grey levels present in the ROI; eps = numpy.spacing(1).
Percentiles interpolate linearly between order statistics (numpy's default).
"""

from __future__ import annotations

import math

import numpy as np

from radcore.kernels.pyrad_firstorder import STAT_NAMES, firstorder_stats
from radcore.pyradiomics.features import EPS, select

FEATURES = (
    "Energy",
    "TotalEnergy",
    "Entropy",
    "Minimum",
    "10Percentile",
    "90Percentile",
    "Maximum",
    "Mean",
    "Median",
    "InterquartileRange",
    "Range",
    "MeanAbsoluteDeviation",
    "RobustMeanAbsoluteDeviation",
    "RootMeanSquared",
    "Skewness",
    "Kurtosis",
    "Variance",
    "Uniformity",
)
OPTIONAL = ("StandardDeviation",)


def energy(x: np.ndarray, shift: float) -> float:
    """Energy = sum_k (X_k + c)^2."""
    return float(np.sum((x + shift) ** 2))


def total_energy(x: np.ndarray, shift: float, voxel_volume: float) -> float:
    """TotalEnergy = V_voxel sum_k (X_k + c)^2, V_voxel the voxel volume in mm^3."""
    return voxel_volume * energy(x, shift)


def entropy(p: np.ndarray) -> float:
    """Entropy = -sum_i p(i) log2(p(i) + eps)."""
    return float(-np.sum(p * np.log2(p + EPS)))


def uniformity(p: np.ndarray) -> float:
    """Uniformity = sum_i p(i)^2."""
    return float(np.sum(p**2))


def mean_absolute_deviation(x: np.ndarray) -> float:
    """MeanAbsoluteDeviation = 1/N_p sum_k |X_k - mean(X)|."""
    return float(np.mean(np.abs(x - x.mean())))


def percentiles(x: np.ndarray, qs) -> list[float]:
    """numpy's default (``linear``) percentiles of ``x`` for each q in ``qs`` (0..100), with numpy's
    arithmetic: v = (N_p - 1) (q / 100), i = floor(v), g = v - i, a = x_(i), b = x_(i+1) (order
    statistics, i + 1 capped at N_p - 1), P_q = a + (b - a) g, or b - (b - a)(1 - g) when g >= 0.5.
    One sort serves every q (numpy partitions per call)."""
    s = np.sort(x)
    n = s.size
    out = []
    for q in qs:
        v = (n - 1) * (float(q) / 100.0)
        if v >= n - 1:
            out.append(float(s[n - 1]))
            continue
        i = math.floor(v)
        g = v - i
        a = float(s[i])
        b = float(s[i + 1])
        d = b - a
        out.append(b - d * (1.0 - g) if g >= 0.5 else a + d * g)
    return out


def robust_mean_absolute_deviation(x: np.ndarray, bounds=None) -> float:
    """RobustMeanAbsoluteDeviation = 1/N_10-90 sum |X_10-90 - mean(X_10-90)| over P10 <= X_k <= P90."""
    lo, hi = np.percentile(x, [10, 90]) if bounds is None else bounds
    kept = x[(x >= lo) & (x <= hi)]
    return float(np.mean(np.abs(kept - kept.mean())))


def root_mean_squared(x: np.ndarray, shift: float) -> float:
    """RootMeanSquared = sqrt(1/N_p sum_k (X_k + c)^2)."""
    return float(np.sqrt(np.mean((x + shift) ** 2)))


def central_moments(x: np.ndarray) -> tuple[float, float, float]:
    """(m2, m3, m4), m_n = 1/N_p sum (X_k - mean(X))^n."""
    d = x - x.mean()
    d2 = d * d
    return float(np.mean(d2)), float(np.dot(d2, d) / d.size), float(np.dot(d2, d2) / d.size)


def skewness(x: np.ndarray, moments=None) -> float:
    """Skewness = m3 / m2^(3/2) with m_n = 1/N_p sum (X_k - mean)^n; 0 for a flat region."""
    m2, m3, _ = central_moments(x) if moments is None else moments
    return 0.0 if m2 == 0 else m3 / m2**1.5


def kurtosis(x: np.ndarray, moments=None) -> float:
    """Kurtosis = m4 / m2^2 (not the excess kurtosis: a Gaussian gives 3); 0 for a flat region."""
    m2, _, m4 = central_moments(x) if moments is None else moments
    return 0.0 if m2 == 0 else m4 / m2**2


def compute(inputs, setting, enabled=None) -> dict[str, float]:
    """The first-order features of ``inputs`` (ClassInputs) keyed by PyRadiomics name.

    The intensity statistics come from one compiled pass over the sorted ROI values
    (:func:`radcore.kernels.pyrad_firstorder.firstorder_stats`); the functions above are its reference.
    """
    names = select("firstorder", FEATURES, OPTIONAL, enabled)
    x = inputs.roi_values
    counts = inputs.texture().counts
    p = counts / counts.sum()
    voxel_volume = float(np.prod(inputs.spacing))
    stat = dict(zip(STAT_NAMES, firstorder_stats(np.sort(x), float(setting.voxelArrayShift)).tolist()))
    m2, m3, m4 = stat["m2"], stat["m3"], stat["m4"]
    formulas = {
        "Energy": lambda: stat["sum_sq"],
        "TotalEnergy": lambda: voxel_volume * stat["sum_sq"],
        "Entropy": lambda: entropy(p),
        "Minimum": lambda: stat["minimum"],
        "10Percentile": lambda: stat["p10"],
        "90Percentile": lambda: stat["p90"],
        "Maximum": lambda: stat["maximum"],
        "Mean": lambda: stat["mean"],
        "Median": lambda: stat["p50"],
        "InterquartileRange": lambda: stat["p75"] - stat["p25"],
        "Range": lambda: stat["maximum"] - stat["minimum"],
        "MeanAbsoluteDeviation": lambda: stat["mad"],
        "RobustMeanAbsoluteDeviation": lambda: stat["rmad"],
        "RootMeanSquared": lambda: math.sqrt(stat["sum_sq"] / x.size),
        "Skewness": lambda: skewness(x, (m2, m3, m4)),
        "Kurtosis": lambda: kurtosis(x, (m2, m3, m4)),
        "Variance": lambda: m2,
        "Uniformity": lambda: uniformity(p),
        "StandardDeviation": lambda: math.sqrt(m2),
    }
    return {name: formulas[name]() for name in names}
