"""Intraclass correlation coefficients of many features at once, with their 95 % confidence intervals.

The ratings of one feature form an n × k table: n targets (the cases, one per (case_id, label)) rated by
k raters (the perturbed versions of each case). The two-way analysis of variance of that table gives the
mean squares

    MS_R = k Σ_i (x̄_i· − x̄)² / (n − 1)                      between targets (rows)
    MS_C = n Σ_j (x̄_·j − x̄)² / (k − 1)                      between raters (columns)
    MS_E = Σ_ij (x_ij − x̄_i· − x̄_·j + x̄)² / ((n − 1)(k − 1)) residual
    MS_W = (SS_C + SS_E) / (n (k − 1))                       within targets

and from them, as Shrout & Fleiss (1979) define them and McGraw & Wong (1996) name them (pingouin 0.7's
``intraclass_corr`` names in brackets):

    ICC(1,1)   [ICC(1,1)]  one-way random:           (MS_R − MS_W) / (MS_R + (k − 1) MS_W)
    ICC(2,1)   [ICC(A,1)]  two-way random, absolute: (MS_R − MS_E) / (MS_R + (k − 1) MS_E + k (MS_C − MS_E) / n)
    ICC(3,1)   [ICC(C,1)]  two-way mixed, consistency: (MS_R − MS_E) / (MS_R + (k − 1) MS_E)

The 95 % intervals: for ICC(1,1) and ICC(3,1) from the F ratio F = MS_R / MS_W (or MS_R / MS_E) with
F_L = F / F_{0.975}(n − 1, ν₂) and F_U = F · F_{0.975}(ν₂, n − 1), the bounds (F − 1) / (F + k − 1); for
ICC(2,1) from Satterthwaite's approximate degrees of freedom ν (McGraw & Wong 1996, table 7).

Everything is vectorised over features: an (n, k, m) array gives m values per type in a few array
operations, whatever m is.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: the ICC types as pingouin 0.7 names them: Shrout–Fleiss ICC(1,1), ICC(2,1), ICC(3,1)
ICC_TYPES = ("ICC(1,1)", "ICC(A,1)", "ICC(C,1)")
ALPHA = 0.05


@dataclass(frozen=True)
class ICC:
    """Per feature (arrays of length m): the coefficient and its 95 % confidence bounds, for one type."""

    icc_type: str
    icc: np.ndarray
    ci95_low: np.ndarray
    ci95_high: np.ndarray


def mean_squares(ratings: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(MS_R, MS_C, MS_E, MS_W) of an (n targets, k raters, m features) array, each of length m."""
    x = np.asarray(ratings, dtype=np.float64)
    n, k = x.shape[:2]
    grand = x.mean(axis=(0, 1))
    rows = x.mean(axis=1) - grand            # (n, m)
    cols = x.mean(axis=0) - grand            # (k, m)
    residual = x - grand - rows[:, None, :] - cols[None, :, :]
    ss_r = k * np.sum(rows * rows, axis=0)
    ss_c = n * np.sum(cols * cols, axis=0)
    ss_e = np.sum(residual * residual, axis=(0, 1))
    return ss_r / (n - 1), ss_c / (k - 1), ss_e / ((n - 1) * (k - 1)), (ss_c + ss_e) / (n * (k - 1))


def intraclass_correlation(ratings: np.ndarray) -> list[ICC]:
    """ICC(1,1), ICC(A,1) and ICC(C,1) with 95 % intervals of every feature of ``ratings``.

    Parameters
    ----------
    ratings : ndarray, shape (n, k, m)
        n targets (cases) × k raters (versions) × m features; no NaN (drop incomplete targets first).

    Returns
    -------
    list of ICC
        One per type of :data:`ICC_TYPES`, each with arrays of length m. A feature that does not vary at
        all (every mean square 0) has NaN throughout.

    Raises
    ------
    ValueError
        When ``ratings`` is not 3D, has fewer than 2 targets or raters, or holds NaN.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([[1.0, 1.1], [2.0, 2.1], [3.0, 3.2]])[:, :, None]
    >>> [round(float(r.icc[0]), 3) for r in intraclass_correlation(x)]
    [0.993, 0.993, 0.999]
    """
    from scipy.stats import f as f_dist

    x = np.asarray(ratings, dtype=np.float64)
    if x.ndim != 3:
        raise ValueError(f"ratings must be (targets, raters, features), got shape {x.shape}")
    n, k, _ = x.shape
    if n < 2 or k < 2:
        raise ValueError(f"an ICC needs at least 2 targets and 2 raters, got {n} targets and {k} raters")
    if np.isnan(x).any():
        raise ValueError("ratings hold NaN: drop the targets with a missing rating first")
    msr, msc, mse, msw = mean_squares(x)
    df1, df_w, df_e = n - 1, n * (k - 1), (n - 1) * (k - 1)
    q = 1.0 - ALPHA / 2.0
    with np.errstate(divide="ignore", invalid="ignore"):
        icc1 = (msr - msw) / (msr + (k - 1) * msw)
        icc2 = (msr - mse) / (msr + (k - 1) * mse + k * (msc - mse) / n)
        icc3 = (msr - mse) / (msr + (k - 1) * mse)
        low1, high1 = _f_bounds(msr / msw, k, f_dist.ppf(q, df1, df_w), f_dist.ppf(q, df_w, df1))
        low3, high3 = _f_bounds(msr / mse, k, f_dist.ppf(q, df1, df_e), f_dist.ppf(q, df_e, df1))
        fj = msc / mse
        a = k * icc2 * fj + n * (1 + (k - 1) * icc2) - k * icc2
        b = n * (1 + (k - 1) * icc2) - k * icc2
        nu = df_e * a * a / (df1 * k * k * icc2 * icc2 * fj * fj + b * b)
        f_upper = f_dist.ppf(q, df1, nu)
        f_lower = f_dist.ppf(q, nu, df1)
        spread = k * msc + (k * n - k - n) * mse
        low2 = n * (msr - f_upper * mse) / (f_upper * spread + n * msr)
        high2 = n * (f_lower * msr - mse) / (spread + n * f_lower * msr)
    return [ICC("ICC(1,1)", icc1, low1, high1), ICC("ICC(A,1)", icc2, low2, high2),
            ICC("ICC(C,1)", icc3, low3, high3)]


def _f_bounds(f: np.ndarray, k: int, f_low_quantile: float, f_high_quantile: float) -> tuple[np.ndarray, np.ndarray]:
    """The bounds (F_L − 1) / (F_L + k − 1) and (F_U − 1) / (F_U + k − 1) of a one- or two-way ICC."""
    f_low = f / f_low_quantile
    f_high = f * f_high_quantile
    return (f_low - 1) / (f_low + k - 1), (f_high - 1) / (f_high + k - 1)
