"""The numbers behind the cohort report: robust z-scores, outlying cases and groups, redundancy.

Pure functions on arrays and frames (no file access, no plotting):

- :func:`robust_z` — per feature, ``(x - median) / (1.4826 MAD)``: a case's distance from the cohort in
  units that one broken case cannot inflate (the mean and the standard deviation would follow it);
- :func:`outlier_scores` — per case, the fraction of its features with ``|z| > OUTLIER_Z``; a case at or
  above :data:`OUTLIER_FRACTION` sits far from the rest (a shifted mask, a broken image);
- :func:`group_shifts` — per metadata group (site, scanner, ...), the fraction of features whose group
  median lies more than :data:`GROUP_SHIFT_Z` robust units from the other cases': a batch effect;
- :func:`spearman_with` — each feature's Spearman correlation with one feature (ROI volume);
- :func:`feature_clusters` — features that measure the same thing: complete-linkage clusters on
  ``1 - |rho|`` (Spearman), so every pair inside a cluster has ``|rho| >= threshold``;
- :func:`current_failures` — the error rows of the (case, label) pairs that have no feature row;
- :func:`ratio_to_median` — per case, how many times its value (the resampling factor) differs from the
  cohort's median, either way: a case preprocessed unlike the rest of its cohort;
- :func:`routine_flags` — the QC flags raised on most rows: the cohort's routine, not a finding.

The dataset's ``qc_*`` columns are absolute facts about one row (a worker writes them without seeing the
cohort, :mod:`radcore.cohort.qc`); the judgements here are relative to the cohort and belong to the report.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: a feature value is outlying beyond this robust z (3.5: Iglewicz and Hoaglin's cut-off)
OUTLIER_Z = 3.5
#: a case is an outlier when at least this fraction of its features is outlying
OUTLIER_FRACTION = 0.1
#: a group is shifted when its median lies beyond this robust z ...
GROUP_SHIFT_Z = 2.0
#: ... in at least this fraction of the features
GROUP_SHIFT_FRACTION = 0.1
#: a group of fewer than this fraction of the cases is measured against the whole cohort
SMALL_GROUP_FRACTION = 0.05
#: a group is measured against the other cases only when they are at least this many
MIN_REFERENCE = 20
#: a large group is measured against (a sample of) at most this many other cases
REFERENCE_CASES = 2000
#: a case's resampling factor is unusual for its cohort when it is this many times the cohort's median or
#: less than its inverse (3 mm slices in a cohort of 5 mm ones: 1.67)
UNUSUAL_RESAMPLING = 1.5
#: a QC flag raised on at least this fraction of the rows is the cohort's routine, not a finding
ROUTINE_FRACTION = 0.5
#: fewer cases than this give no robust z (the median and MAD of a handful of values say little)
MIN_CASES = 5
#: the MAD of a normal distribution is this fraction of its standard deviation (1 / 1.4826)
_MAD_TO_SD = 1.4826
#: the mean absolute deviation of a normal distribution, times this, is its standard deviation
_MEANAD_TO_SD = 1.2533


def robust_z(values: np.ndarray) -> np.ndarray:
    """Robust z-scores of each column of ``values`` (cases x features).

    ``(x - median) / (1.4826 * MAD)``; a column whose MAD is 0 (most cases equal) is scaled by its mean
    absolute deviation (x 1.2533) instead, and a column without any spread gives NaN. NaN values stay NaN.

    Parameters
    ----------
    values : (n_cases, n_features) array of float

    Returns
    -------
    (n_cases, n_features) float64 array

    Raises
    ------
    ValueError
        When ``values`` is not two-dimensional.

    Examples
    --------
    >>> robust_z(np.array([[1.0], [2.0], [3.0], [4.0], [100.0]])).ravel().round(2)
    array([-1.35, -0.67,  0.  ,  0.67, 65.43])
    """
    values = np.asarray(values, dtype=np.float64)
    if values.ndim != 2:
        raise ValueError(f"values must be a 2D array (cases x features), got shape {values.shape}")
    z = np.full(values.shape, np.nan)
    if values.size == 0:
        return z
    x = np.where(np.isfinite(values), values, np.nan)
    median, scale = _centre_scale(x)
    usable = scale > 0
    z[:, usable] = (x[:, usable] - median[usable]) / scale[usable]
    return z


def _centre_scale(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per column of ``x`` (NaN for missing): the median, and 1.4826 MAD (1.2533 x the mean absolute
    deviation where the MAD is 0; NaN or 0 for a column without spread)."""
    has = np.isfinite(x).any(axis=0)
    median = np.full(x.shape[1], np.nan)
    scale = np.full(x.shape[1], np.nan)
    if not has.any():
        return median, scale
    median[has] = np.nanmedian(x[:, has], axis=0)
    deviation = np.abs(x - median)
    scale[has] = _MAD_TO_SD * np.nanmedian(deviation[:, has], axis=0)
    flat = has & ~(scale > 0)
    if flat.any():
        scale[flat] = _MEANAD_TO_SD * np.nanmean(deviation[:, flat], axis=0)
    return median, scale


def outlier_scores(z: np.ndarray, threshold: float = OUTLIER_Z) -> np.ndarray:
    """Per case (row of ``z``), the fraction of its finite robust z-scores beyond ``threshold`` (NaN when
    it has none)."""
    z = np.asarray(z, dtype=np.float64)
    if z.ndim != 2:
        raise ValueError(f"z must be a 2D array (cases x features), got shape {z.shape}")
    finite = np.isfinite(z)
    counts = finite.sum(axis=1)
    beyond = (np.abs(np.where(finite, z, 0.0)) > threshold).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, beyond / np.maximum(counts, 1), np.nan)


def top_features(z: np.ndarray, names: list[str], k: int = 3) -> list[list[tuple[str, float]]]:
    """Per case, its ``k`` features of largest ``|z|`` as (name, z), largest first (NaN skipped)."""
    z = np.asarray(z, dtype=np.float64)
    if z.ndim != 2 or z.shape[1] != len(names):
        raise ValueError(f"z must be cases x {len(names)} features (one name each), got shape {z.shape}")
    if z.shape[1] == 0:
        return [[] for _ in range(z.shape[0])]
    magnitude = np.where(np.isfinite(z), np.abs(z), -1.0)
    k = min(k, z.shape[1])
    best = np.argpartition(-magnitude, k - 1, axis=1)[:, :k]
    out = []
    for row, columns in enumerate(best):
        columns = sorted(columns, key=lambda c: -magnitude[row, c])
        out.append([(names[c], float(z[row, c])) for c in columns if magnitude[row, c] >= 0])
    return out


def group_shifts(z: np.ndarray, groups, threshold: float = GROUP_SHIFT_Z) -> pd.DataFrame:
    """Per group: its cases, the fraction of features in which the group sits apart, and whether that
    fraction reaches :data:`GROUP_SHIFT_FRACTION` (``shifted``).

    A group's shift in a feature is the distance of its median from the median of the other cases, in
    units of their spread (1.4826 MAD), i.e. the group's robust z against the rest of the cohort; it sits
    apart beyond ``threshold``. Leaving the group out matters for a large group: a fifth of the cohort
    shifted would widen the cohort's own MAD and hide itself. A group of under
    :data:`SMALL_GROUP_FRACTION` of the cases, or one whose rest has fewer than :data:`MIN_REFERENCE` cases,
    is measured against the whole cohort (its median robust z: removing it changes little, or too little
    is left to measure against: the median and MAD of a handful of other cases are noise). A group of half the cases or more is the reference, never ``shifted``:
    of two groups apart, the smaller one is taken to be off.

    Parameters
    ----------
    z : (n_cases, n_features) robust z-scores (:func:`robust_z`)
    groups : n_cases group labels (missing labels form the group ``""``)

    Returns
    -------
    DataFrame with columns ``group``, ``cases``, ``shift_fraction``, ``median_abs_z``, ``shifted``, one row
    per group, most shifted first; the shifts (group -> one per feature) in ``.attrs["medians"]``.
    """
    z = np.asarray(z, dtype=np.float64)
    labels = pd.Series(list(groups), dtype="object").fillna("").astype(str)
    if z.ndim != 2 or len(labels) != z.shape[0]:
        raise ValueError(f"groups must give one label per case: {len(labels)} labels for z of shape {z.shape}")
    rows, medians = [], {}
    for name, index in labels.groupby(labels, sort=True).groups.items():
        inside = np.zeros(len(labels), dtype=bool)
        inside[np.asarray(index)] = True
        shift = _column_medians(z[inside])
        rest = z[~inside]
        if inside.mean() >= SMALL_GROUP_FRACTION and len(rest) >= MIN_REFERENCE:
            centre, scale = _centre_scale(rest[_sample(len(rest), REFERENCE_CASES)])
            with np.errstate(invalid="ignore", divide="ignore"):
                shift = np.where(scale > 0, (shift - centre) / np.where(scale > 0, scale, 1.0), np.nan)
        medians[name] = shift
        usable = np.isfinite(shift)
        fraction = float((np.abs(shift[usable]) > threshold).mean()) if usable.any() else float("nan")
        rows.append({"group": name, "cases": int(inside.sum()), "shift_fraction": fraction,
                     "median_abs_z": float(np.median(np.abs(shift[usable]))) if usable.any() else float("nan"),
                     "shifted": bool(fraction >= GROUP_SHIFT_FRACTION and 2 * inside.sum() < len(labels))})
    out = pd.DataFrame(rows, columns=["group", "cases", "shift_fraction", "median_abs_z", "shifted"])
    out = out.sort_values(["shift_fraction", "group"], ascending=[False, True], na_position="last")
    out = out.reset_index(drop=True)
    out.attrs["medians"] = medians
    return out


def spearman_with(values: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Spearman's rho of each column of ``values`` with ``target``, over the cases where both are finite
    (NaN for a column with fewer than 3 such cases or without spread)."""
    values = np.asarray(values, dtype=np.float64)
    target = np.asarray(target, dtype=np.float64)
    if values.ndim != 2 or target.shape != (values.shape[0],):
        raise ValueError(f"target must hold one value per row of values: {target.shape} for {values.shape}")
    rho = np.full(values.shape[1], np.nan)
    rows = np.isfinite(target)
    values, target = values[rows], target[rows]
    whole = np.isfinite(values).all(axis=0)
    if len(target) >= 3 and whole.any():  # columns without gaps: all at once
        ranks = pd.DataFrame(values[:, whole]).rank().to_numpy()
        ranks = ranks - ranks.mean(axis=0)
        t = _ranks(target)
        t = t - t.mean()
        norm = np.sqrt((ranks**2).sum(axis=0) * (t**2).sum())
        with np.errstate(invalid="ignore", divide="ignore"):
            rho[whole] = np.where(norm > 0, (ranks * t[:, None]).sum(axis=0) / norm, np.nan)
    for j in np.flatnonzero(~whole):
        ok = np.isfinite(values[:, j])
        if ok.sum() >= 3:
            rho[j] = _pearson(_ranks(values[ok, j]), _ranks(target[ok]))
    return rho


def spearman_matrix(values: np.ndarray) -> np.ndarray:
    """Spearman correlation between the columns of ``values``; a missing value takes its column's mean
    rank, a column without spread correlates with nothing (0; 1 with itself)."""
    values = np.asarray(values, dtype=np.float64)
    if values.ndim != 2:
        raise ValueError(f"values must be a 2D array (cases x features), got shape {values.shape}")
    ranks = pd.DataFrame(values).rank().to_numpy()
    ranks = np.where(np.isnan(ranks), np.nanmean(ranks, axis=0) if len(ranks) else 0.0, ranks)
    ranks = np.nan_to_num(ranks - ranks.mean(axis=0))
    norm = np.sqrt((ranks**2).sum(axis=0))
    safe = np.where(norm > 0, norm, 1.0)
    rho = (ranks.T @ ranks) / np.outer(safe, safe)
    rho[norm == 0, :] = 0.0
    rho[:, norm == 0] = 0.0
    np.fill_diagonal(rho, 1.0)
    return np.clip(rho, -1.0, 1.0)


def feature_clusters(values: np.ndarray, names: list[str], threshold: float = 0.9) -> list[list[str]]:
    """Groups of features that measure the same thing: complete-linkage clusters of ``1 - |rho|``
    (:func:`spearman_matrix`) cut at ``1 - threshold``, so every pair within a cluster has ``|rho| >=
    threshold``. Largest cluster first; each cluster in ``names`` order.

    Examples
    --------
    >>> x = np.arange(10.0)
    >>> feature_clusters(np.c_[x, x**2, np.sin(x)], ["a", "b", "c"])
    [['a', 'b'], ['c']]
    """
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import squareform

    values = np.asarray(values, dtype=np.float64)
    if values.ndim != 2 or values.shape[1] != len(names):
        raise ValueError(f"values must be cases x {len(names)} features (one name each), got {values.shape}")
    if not 0.0 < threshold <= 1.0:
        raise ValueError(f"threshold must be in (0, 1], got {threshold}")
    if len(names) < 2:
        return [list(names)] if names else []
    distance = 1.0 - np.abs(spearman_matrix(values))
    np.fill_diagonal(distance, 0.0)
    tree = linkage(squareform(np.clip(distance, 0.0, 2.0), checks=False), method="complete")
    ids = fcluster(tree, t=1.0 - threshold + 1e-12, criterion="distance")
    clusters: dict[int, list[str]] = {}
    for name, cid in zip(names, ids):
        clusters.setdefault(int(cid), []).append(name)
    return sorted(clusters.values(), key=lambda members: (-len(members), names.index(members[0])))


def current_failures(errors: pd.DataFrame, features: pd.DataFrame) -> pd.DataFrame:
    """The latest error row of each (case_id, label) of ``errors`` that ``features`` has no row for.

    An error row without a label (a case that failed before its labels were known) is current when the
    case has no feature row at all.
    """
    if not len(errors):
        return errors.copy()
    done = set(zip(features["case_id"], features["label"].astype(int))) if len(features) else set()
    done_cases = {c for c, _ in done}
    latest = errors
    if "attempted_at" in errors.columns:
        latest = errors.sort_values("attempted_at", kind="stable")
    latest = latest.drop_duplicates(["case_id", "label"], keep="last")

    def failed(row) -> bool:
        if pd.isna(row["label"]):
            return row["case_id"] not in done_cases
        return (row["case_id"], int(row["label"])) not in done

    keep = latest.apply(failed, axis=1) if len(latest) else pd.Series(dtype=bool)
    return latest[keep.astype(bool)].sort_values(["stage", "case_id"]).reset_index(drop=True)


def ratio_to_median(values: np.ndarray) -> np.ndarray:
    """Per value ``x``, ``max(x / m, m / x)`` for the median ``m`` of the finite positive values: 1 at the
    median, 2 for half or twice it (NaN for a missing or non-positive value, or without any usable value).

    Examples
    --------
    >>> ratio_to_median(np.array([3.0, 3.27, 3.27, 3.27, 1.0, np.nan])).round(2)
    array([1.09, 1.  , 1.  , 1.  , 3.27,  nan])
    """
    x = np.asarray(values, dtype=np.float64)
    if x.ndim != 1:
        raise ValueError(f"values must be one-dimensional (one per case), got shape {x.shape}")
    usable = np.isfinite(x) & (x > 0)
    out = np.full(x.shape, np.nan)
    if usable.any():
        m = np.median(x[usable])
        out[usable] = np.maximum(x[usable] / m, m / x[usable])
    return out


def routine_flags(flags: list[list[str]], fraction: float = ROUTINE_FRACTION) -> dict[str, int]:
    """The flags raised on at least ``fraction`` of the rows (each row's list of flag names), with the
    number of rows raising each: a flag every case of a protocol raises says nothing about one case.

    Examples
    --------
    >>> routine_flags([["resampling_far"], ["resampling_far", "small_roi"], ["resampling_far"], []])
    {'resampling_far': 3}
    """
    if not 0.0 < fraction <= 1.0:
        raise ValueError(f"fraction must be in (0, 1], got {fraction}")
    counts: dict[str, int] = {}
    for names in flags:
        for name in set(names):
            counts[name] = counts.get(name, 0) + 1
    return {name: n for name, n in sorted(counts.items()) if flags and n >= fraction * len(flags)}


def _column_medians(x: np.ndarray) -> np.ndarray:
    """Each column's median over its finite values (NaN for a column without any)."""
    finite = np.isfinite(x).any(axis=0)
    out = np.full(x.shape[1], np.nan)
    if finite.any():
        out[finite] = np.nanmedian(np.where(np.isfinite(x[:, finite]), x[:, finite], np.nan), axis=0)
    return out


def _sample(n: int, limit: int) -> np.ndarray:
    """Row indices: all ``n``, or a fixed random sample of ``limit`` in order."""
    if n <= limit:
        return np.arange(n)
    return np.sort(np.random.default_rng(0).choice(n, limit, replace=False))


def _ranks(x: np.ndarray) -> np.ndarray:
    return pd.Series(x).rank().to_numpy()


def _pearson(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a - a.mean(), b - b.mean()
    norm = np.sqrt((a * a).sum() * (b * b).sum())
    return float((a * b).sum() / norm) if norm > 0 else float("nan")
