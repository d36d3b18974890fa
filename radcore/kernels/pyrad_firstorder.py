"""PyRadiomics' first-order statistics of the sorted ROI intensities in one compiled pass.

``firstorder_stats(s float64 (N,) ascending, shift) -> float64 (len(STAT_NAMES),)``
    with c = ``shift`` and mu the mean of s:

    sum_sq     sum (s_k + c)^2
    mean       1/N sum s_k
    minimum    s_0;  maximum  s_{N-1}
    p10, p25, p50, p75, p90
               numpy's linear percentiles: v = (N - 1) q / 100, i = floor(v), g = v - i,
               a = s_i, b = s_{i+1} (i + 1 capped at N - 1), a + (b - a) g, or b - (b - a)(1 - g) for g >= 0.5
    mad        1/N sum |s_k - mu|
    rmad       the same over the s_k with p10 <= s_k <= p90 (a contiguous range of the sorted values),
               about their own mean; NaN when no value lies in that range
    m2, m3, m4 1/N sum (s_k - mu)^n

The sums run in ascending order of the values (PyRadiomics sums in raster order with numpy's pairwise
summation: the results differ only by rounding). The reference is the registry's NumPy formulas
(:mod:`radcore.features.stat`).
"""

from __future__ import annotations

import math

import numba
import numpy as np

STAT_NAMES = ("sum_sq", "mean", "minimum", "maximum", "p10", "p25", "p50", "p75", "p90", "mad", "rmad", "m2", "m3", "m4")
_QUANTILES = (10.0, 25.0, 50.0, 75.0, 90.0)


@numba.njit(cache=True, nogil=True)
def _percentile(s, q):
    n = s.shape[0]
    v = (n - 1) * (q / 100.0)
    if v >= n - 1:
        return s[n - 1]
    i = int(math.floor(v))
    g = v - i
    a = s[i]
    b = s[i + 1]
    d = b - a
    return b - d * (1.0 - g) if g >= 0.5 else a + d * g


@numba.njit(cache=True, nogil=True)
def _firstorder(s, shift, quantiles, out):
    n = s.shape[0]
    total = 0.0
    sum_sq = 0.0
    for k in range(n):
        total += s[k]
        t = s[k] + shift
        sum_sq += t * t
    mean = total / n
    mad = 0.0
    m2 = 0.0
    m3 = 0.0
    m4 = 0.0
    for k in range(n):
        d = s[k] - mean
        mad += abs(d)
        d2 = d * d
        m2 += d2
        m3 += d2 * d
        m4 += d2 * d2
    p = np.empty(5)
    for j in range(5):
        p[j] = _percentile(s, quantiles[j])
    lo = np.searchsorted(s, p[0], side="left")  # first value >= p10
    hi = np.searchsorted(s, p[4], side="right")  # one past the last value <= p90
    rmad = np.nan  # no value between p10 and p90 (numpy's mean of nothing)
    if hi > lo:
        kept_total = 0.0
        for k in range(lo, hi):
            kept_total += s[k]
        kept_mean = kept_total / (hi - lo)
        rmad = 0.0
        for k in range(lo, hi):
            rmad += abs(s[k] - kept_mean)
        rmad /= hi - lo
    out[0] = sum_sq
    out[1] = mean
    out[2] = s[0]
    out[3] = s[n - 1]
    for j in range(5):
        out[4 + j] = p[j]
    out[9] = mad / n
    out[10] = rmad
    out[11] = m2 / n
    out[12] = m3 / n
    out[13] = m4 / n


def firstorder_stats(s: np.ndarray, shift: float) -> np.ndarray:
    """The statistics of :data:`STAT_NAMES` of ascending float64 ``s`` (N >= 1); see module doc."""
    out = np.empty(len(STAT_NAMES))
    _firstorder(np.ascontiguousarray(s, dtype=np.float64), float(shift), np.array(_QUANTILES), out)
    return out
