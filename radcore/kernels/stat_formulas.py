"""The IBSI statistics (3.3) and intensity histogram (3.4) features of one sample in one compiled pass.

``stat_features(s float64 (N,) ascending) -> float64 (18,)``
    the features of :data:`radcore.features.stat.FEATURES`, in that order, of the values ``s`` (N >= 1);
    the moments, percentiles and mean absolute deviations are PyRadiomics' first-order statistics
    (:func:`radcore.kernels.pyrad_firstorder._firstorder`, no shift), from which variance = m2, skewness
    m3 / m2^1.5 and excess kurtosis m4 / m2^2 - 3 (both 0 when m2 = 0), interquartile range, range, the
    coefficient of variation sqrt(m2) / mean and the quartile coefficient of dispersion (NaN where their
    denominator is 0), energy sum s^2 and root mean square sqrt(energy / N); the median is the middle value
    (the mean of the two middle values for even N) and the median absolute deviation 1/N sum |s - median|.
``ih_features(counts float64 (Ng,), work float64 (>= N,)) -> float64 (23,)``
    the features of :data:`radcore.features.ih.FEATURES`, in that order, of the histogram ``counts``
    (counts[i - 1] voxels of grey level i): the statistics above of the levels (ascending, rebuilt from
    the counts in ``work``), the mode (of several levels with the largest count the one closest to the
    mean, then the lowest), entropy -sum p log2 p, uniformity sum p^2 and the extremes of the histogram's
    gradient (numpy.gradient of the counts: one-sided at both ends, 0 for a single level) with their
    (lowest) levels.

The registry's NumPy formulas (:mod:`radcore.features.stat`, :mod:`radcore.features.ih`) are the
reference; sums run in ascending order of the values, so results differ from them by rounding only. Voxel
maps of the IBSI profile evaluate one neighbourhood per voxel with them.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from radcore.kernels.pyrad_firstorder import _QUANTILES, STAT_NAMES, _firstorder

N_STAT = 18
N_IH = 23


@numba.njit(cache=True, nogil=True)
def _stat_one(s, quantiles, stats, out):
    n = s.shape[0]
    _firstorder(s, 0.0, quantiles, stats)
    sum_sq, mean, lo, hi = stats[0], stats[1], stats[2], stats[3]
    p10, p25, p75, p90 = stats[4], stats[5], stats[7], stats[8]
    m2, m3, m4 = stats[11], stats[12], stats[13]
    median = s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2
    medad = 0.0
    for k in range(n):
        medad += abs(s[k] - median)
    values = (mean, m2, 0.0 if m2 == 0 else m3 / m2**1.5, 0.0 if m2 == 0 else m4 / m2**2 - 3.0, median, lo, p10,
              p90, hi, p75 - p25, hi - lo, stats[9], stats[10], medad / n,
              math.sqrt(m2) / mean if mean != 0 else np.nan,
              (p75 - p25) / (p75 + p25) if p75 + p25 != 0 else np.nan, sum_sq, math.sqrt(sum_sq / n))
    for f in range(N_STAT):
        out[f] = values[f]


@numba.njit(cache=True, nogil=True)
def _gradient(counts, i):
    # numpy.gradient of the counts at index i (unit spacing)
    ng = counts.shape[0]
    if ng < 2:
        return 0.0
    if i == 0:
        return counts[1] - counts[0]
    if i == ng - 1:
        return counts[ng - 1] - counts[ng - 2]
    return (counts[i + 1] - counts[i - 1]) / 2.0


@numba.njit(cache=True, nogil=True)
def _ih_one(counts, work, quantiles, stats, shared, out):
    ng = counts.shape[0]
    n = 0
    top = 0.0
    for i in range(ng):
        for _ in range(int(counts[i])):
            work[n] = i + 1.0
            n += 1
        top = max(top, counts[i])
    _stat_one(work[:n], quantiles, stats, shared)
    for f in range(9):  # ih columns 0..8 and 10..16 are the stat columns 0..8 and 9..15 of the levels
        out[f] = shared[f]
    for f in range(7):
        out[10 + f] = shared[9 + f]
    mean = shared[0]
    mode = 0.0
    entropy = 0.0
    uniformity = 0.0
    g_max = -np.inf
    g_min = np.inf
    at_max = 0
    at_min = 0
    for i in range(ng):
        c = counts[i]
        if c == top and (mode == 0.0 or abs(i + 1.0 - mean) < abs(mode - mean)):
            mode = i + 1.0
        p = c / n
        if p > 0:
            entropy -= p * math.log2(p)
        uniformity += p * p
        g = _gradient(counts, i)
        if g > g_max:
            g_max = g
            at_max = i
        if g < g_min:
            g_min = g
            at_min = i
    out[9] = mode
    out[17] = entropy
    out[18] = uniformity
    out[19] = g_max
    out[20] = at_max + 1.0
    out[21] = g_min
    out[22] = at_min + 1.0


def stat_features(s: np.ndarray) -> np.ndarray:
    """float64 (18,): the statistics features of ascending ``s``; see module doc."""
    out = np.empty(N_STAT)
    _stat_one(np.ascontiguousarray(s, dtype=np.float64), np.array(_QUANTILES), np.empty(len(STAT_NAMES)), out)
    return out


def ih_features(counts: np.ndarray) -> np.ndarray:
    """float64 (23,): the intensity histogram features of ``counts`` (Ng,); see module doc."""
    counts = np.ascontiguousarray(counts, dtype=np.float64)
    out = np.empty(N_IH)
    _ih_one(counts, np.empty(int(counts.sum())), np.array(_QUANTILES), np.empty(len(STAT_NAMES)), np.empty(N_STAT),
            out)
    return out
