"""The ICC of every feature of a dataset across the perturbed versions of its cases.

The targets are the (case_id, label) pairs, the raters the versions (the ``perturbation`` column, the
unperturbed version ``none`` among them). A target lacking a version of a feature (the version failed, or
the feature is missing or NaN in it) is left out of that feature's ICC (listwise deletion, as pingouin's
``nan_policy="omit"``); features with the same complete targets are computed together.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from radcore.errors import DatasetError
from radcore.robustness.icc import ICC, ICC_TYPES, intraclass_correlation

DEFAULT_THRESHOLD = 0.75
DEFAULT_ICC_TYPE = "ICC(1,1)"


@dataclass
class RobustnessResult:
    """What :func:`robustness_study` computed and wrote."""

    settings_hash: str
    path: Path
    n_cases: int
    versions: list[str]
    features: int
    passing: list[str]
    threshold: float
    icc_type: str


def robustness_study(
    dataset: str | Path, settings_hash: str | None = None, threshold: float = DEFAULT_THRESHOLD,
    icc_type: str = DEFAULT_ICC_TYPE,
) -> RobustnessResult:
    """Compute ICC(1,1), ICC(A,1) and ICC(C,1) with 95 % intervals of every feature of a robustness run and
    write them to ``DATASET/robustness/settings_hash=<h>/icc.parquet`` (:mod:`radcore.io.robustness`) with
    the features whose ``icc_type`` lower bound reaches ``threshold``.

    ``settings_hash`` None: the dataset's only partition with a ``perturbation`` column.

    Raises
    ------
    DatasetError
        The dataset has no partition with perturbed versions, fewer than two versions or cases, or
        ``icc_type`` is unknown.
    """
    from radcore.io.dataset import PERTURBATION_COLUMN
    from radcore.io.read_dataset import read_dataset
    from radcore.io.robustness import write_icc

    if icc_type not in ICC_TYPES:
        raise DatasetError(f"icc_type must be one of {list(ICC_TYPES)}, got {icc_type!r}")
    if not 0.0 <= threshold <= 1.0:
        raise DatasetError(f"threshold must lie in [0, 1], got {threshold}")
    if settings_hash is None:
        settings_hash = _perturbed_partition(dataset)
    contents = read_dataset(dataset, settings_hash)
    frame = contents.features
    if PERTURBATION_COLUMN not in frame.columns:
        raise DatasetError(f"settings {settings_hash} of {str(dataset)!r} have no perturbed versions (no "
                           f"{PERTURBATION_COLUMN!r} column): run the cohort with a robustness config first")
    features = [c for c in contents.feature_columns if c in frame.columns]
    ratings, versions = _ratings(frame, features)
    rows = icc_rows(ratings, features)
    passing = [r["feature"] for r in rows if r["icc_type"] == icc_type and r["ci95_low"] >= threshold]
    path = write_icc(dataset, settings_hash, rows, {"threshold": threshold, "icc_type": icc_type,
                                                    "features": passing, "versions": versions})
    return RobustnessResult(settings_hash, path, ratings.shape[0], versions, len(features), passing,
                            threshold, icc_type)


def icc_rows(ratings: np.ndarray, features: list[str]) -> list[dict]:
    """Long-form rows (feature, icc_type, icc, ci95_low, ci95_high, n_cases, n_versions) of an (n, k, m)
    array that may hold NaN: each feature over the targets complete in it; a feature with fewer than two
    complete targets (or that never varies) gets NaN."""
    n, k, m = ratings.shape
    complete = ~np.isnan(ratings).any(axis=1)  # (n, m)
    out: dict[int, list[dict]] = {}
    patterns: dict[bytes, list[int]] = {}
    for j in range(m):
        patterns.setdefault(np.packbits(complete[:, j]).tobytes(), []).append(j)
    for columns in patterns.values():
        targets = complete[:, columns[0]]
        used = int(targets.sum())
        if used >= 2:
            results = intraclass_correlation(ratings[targets][:, :, columns])
        else:
            nan = np.full(len(columns), np.nan)
            results = [ICC(t, nan, nan, nan) for t in ICC_TYPES]
        for i, j in enumerate(columns):
            out[j] = [{"feature": features[j], "icc_type": r.icc_type, "icc": float(r.icc[i]),
                       "ci95_low": float(r.ci95_low[i]), "ci95_high": float(r.ci95_high[i]),
                       "n_cases": used, "n_versions": k} for r in results]
    return [row for j in range(m) for row in out[j]]


def _ratings(frame, features: list[str]) -> tuple[np.ndarray, list[str]]:
    """(targets, versions, features) array of the rows (NaN where a version is missing) and the versions."""
    from radcore.io.dataset import KEY_COLUMNS, PERTURBATION_COLUMN

    versions = sorted(frame[PERTURBATION_COLUMN].unique(), key=lambda v: (v != "none", v))
    targets = frame[list(KEY_COLUMNS)].drop_duplicates().sort_values(list(KEY_COLUMNS))
    if len(versions) < 2 or len(targets) < 2:
        raise DatasetError(f"an ICC needs at least 2 cases and 2 versions; the dataset has {len(targets)} "
                           f"(case, label) pairs and versions {versions}")
    target_index = {t: i for i, t in enumerate(map(tuple, targets.to_numpy()))}
    version_index = {v: j for j, v in enumerate(versions)}
    ratings = np.full((len(target_index), len(versions), len(features)), np.nan)
    rows = [target_index[t] for t in zip(frame["case_id"], frame["label"])]
    cols = [version_index[v] for v in frame[PERTURBATION_COLUMN]]
    ratings[rows, cols, :] = frame[features].to_numpy(dtype=np.float64, na_value=np.nan)
    return ratings, versions


def _perturbed_partition(dataset: str | Path) -> str:
    from radcore.io.read_dataset import perturbed_partitions

    found = perturbed_partitions(dataset)
    if not found:
        raise DatasetError(f"{str(dataset)!r} has no partition with perturbed versions (no 'perturbation' "
                           "column): run the cohort with a robustness config first")
    if len(found) > 1:
        raise DatasetError(f"{str(dataset)!r} has {len(found)} partitions with perturbed versions ({found}); "
                           "name one with --settings-hash")
    return found[0]
