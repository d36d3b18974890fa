"""What the report says about one settings partition, before any HTML: the cases, their flags and scores.

:func:`assess` turns the rows read by :func:`radcore.io.read_dataset.read_dataset` into a
:class:`Assessment`: per (case, label) its flags, the current failures, the volume feature and the
redundancy of the features.

Flags come from two places. The dataset's ``qc_flags`` are absolute facts about one row, written by the
workers (:mod:`radcore.cohort.qc`); a flag raised on at least half the rows (:data:`analysis.ROUTINE_FRACTION`)
is the cohort's routine, named once (:attr:`Assessment.routine`) and left off the rows. The report adds the
judgements only the whole cohort allows (:data:`REPORT_FLAGS`): ``outlier`` (robust z-scores,
:mod:`radcore.report.analysis`), ``group_shift`` (its group's median sits apart) and
``resampling_unusual`` (its resampling factor unlike the cohort's). Both need
:data:`analysis.MIN_CASES` rows.

The feature columns are counted once here (:attr:`Assessment.feature_columns`, ``diagnostics``,
``analysed``, ``scored``) and every number of the report comes from these lists.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from radcore.errors import DatasetError
from radcore.io.read_dataset import DatasetContents
from radcore.report import analysis

#: metadata columns preferred as the grouping of the distributions, in this order
GROUP_PREFERENCE = ("site", "centre", "center", "institution", "hospital", "scanner", "manufacturer", "vendor",
                    "protocol", "batch")
#: (family, feature) of the volume feature, best first; the ROI voxel count (``qc_roi_voxels``) otherwise
VOLUME_FEATURES = (("morph", "volume"), ("shape", "MeshVolume"), ("morph", "approximate_volume"),
                   ("shape", "VoxelVolume"))
#: features whose pairwise |Spearman rho| reaches this are clustered together
CLUSTER_RHO = 0.9
#: correlations and clusters are computed on at most this many cases (a random sample beyond)
CORRELATION_CASES = 2000
OUTLIER_FLAG = "outlier"
GROUP_SHIFT_FLAG = "group_shift"
RESAMPLING_FLAG = "resampling_unusual"
#: the flags the report adds, relative to the cohort: what each says and what it is computed on
REPORT_FLAGS = {
    OUTLIER_FLAG: f"at least {analysis.OUTLIER_FRACTION:.0%} of the case's features with a robust z-score "
                  f"(median / MAD over the cohort's rows) beyond {analysis.OUTLIER_Z}",
    GROUP_SHIFT_FLAG: f"the case's group (under half the cases) has its median beyond {analysis.GROUP_SHIFT_Z} "
                      f"robust z of the other cases in {analysis.GROUP_SHIFT_FRACTION:.0%} of the features or more",
    RESAMPLING_FLAG: f"the case's resampling factor (qc_resampling_factor) is {analysis.UNUSUAL_RESAMPLING:g} "
                     "times the cohort's median or more, or that much less: preprocessed unlike the rest",
}


@dataclass
class Assessment:
    """Per-case flags and scores of one settings partition, and the cohort-level analyses."""

    rows: pd.DataFrame  # keys, group, flags, score, top features; the order of display (flagged first)
    failures: pd.DataFrame  # current failures of this partition
    group_column: str | None
    analysed: list[str]  # the features: feature columns but the diagnostics
    values: np.ndarray  # the rows' values of ``analysed`` (in ``rows``' original order: see ``position``)
    z: np.ndarray
    shifts: pd.DataFrame | None
    volume: str | None
    volume_rho: np.ndarray | None  # per ``analysed`` feature (NaN for those not in ``scored``)
    clusters: list[list[str]] = field(default_factory=list)  # of the ``scored`` features
    feature_columns: list[str] = field(default_factory=list)  # every feature column of the dataset
    diagnostics: list[str] = field(default_factory=list)  # diagnostic columns: sizes, counts, not features
    scored: list[str] = field(default_factory=list)  # ``analysed`` features with a robust z (they vary)
    routine: dict[str, int] = field(default_factory=dict)  # row flags raised on most rows -> rows raising them

    @property
    def flagged(self) -> pd.DataFrame:
        return self.rows[self.rows["flags"] != ""]


def assess(contents: DatasetContents, group: str | None = None) -> Assessment:
    """Flags, scores and redundancy of ``contents``' partition; ``group`` names the grouping column
    (default: :func:`default_group`).

    Raises
    ------
    DatasetError
        When ``group`` is not a column of the rows.
    """
    frame = contents.features
    group_column = _group_column(contents, group)
    diagnostics = _diagnostics(contents)
    analysed = [c for c in contents.feature_columns if c not in set(diagnostics)]
    values = frame[analysed].to_numpy(dtype=np.float64, na_value=np.nan) if analysed else np.empty((len(frame), 0))
    enough = len(frame) >= analysis.MIN_CASES
    z = analysis.robust_z(values) if enough else np.full(values.shape, np.nan)
    varying = np.isfinite(z).any(axis=0)
    scored = [c for c, v in zip(analysed, varying) if v]
    scores = analysis.outlier_scores(z) if values.shape[1] else np.full(len(frame), np.nan)
    groups = frame[group_column].fillna("").astype(str).to_numpy() if group_column else np.full(len(frame), "")
    shifts = analysis.group_shifts(z, groups) if group_column and enough else None
    shifted = set(shifts.loc[shifts["shifted"], "group"]) if shifts is not None else set()
    top = analysis.top_features(z, analysed) if enough else [[] for _ in range(len(frame))]

    qc = frame["qc_flags"].fillna("").astype(str) if "qc_flags" in frame.columns else pd.Series([""] * len(frame))
    row_flags = [[f for f in text.split(",") if f] for text in qc]
    routine = analysis.routine_flags(row_flags) if enough else {}
    resampling = _column(frame, "qc_resampling_factor")
    unusual = (analysis.ratio_to_median(resampling) >= analysis.UNUSUAL_RESAMPLING if enough
               else np.zeros(len(frame), dtype=bool))
    flags = []
    for i in range(len(frame)):
        names = [f for f in row_flags[i] if f not in routine]
        if unusual[i]:
            names.append(RESAMPLING_FLAG)
        if np.isfinite(scores[i]) and scores[i] >= analysis.OUTLIER_FRACTION:
            names.append(OUTLIER_FLAG)
        if groups[i] in shifted:
            names.append(GROUP_SHIFT_FLAG)
        flags.append(",".join(names))
    rows = pd.DataFrame({
        "position": np.arange(len(frame)), "case_id": frame["case_id"].astype(str).to_numpy(),
        "label": frame["label"].astype(int).to_numpy(), "group": groups, "flags": pd.Series(flags, dtype=object), "score": scores,
        "top": top, "roi_voxels": _column(frame, "qc_roi_voxels"),
        "components": _column(frame, "qc_roi_components"), "resampling": resampling,
    })
    rows["n_flags"] = [len([f for f in s.split(",") if f]) for s in rows["flags"]]
    rows = rows.sort_values(["n_flags", "score", "case_id", "label"], ascending=[False, False, True, True],
                            na_position="last", kind="stable").reset_index(drop=True)

    errors = contents.errors
    errors = errors[errors["settings_hash"] == contents.settings_hash] if len(errors) else errors
    failures = analysis.current_failures(errors, frame)
    volume = volume_column(contents)
    volume_rho, clusters = None, []
    if enough and scored:
        sample = _sample(len(frame), CORRELATION_CASES)
        if volume is not None:
            target = frame[volume].to_numpy(dtype=np.float64, na_value=np.nan)
            volume_rho = np.where(varying, analysis.spearman_with(values[sample], target[sample]), np.nan)
        clusters = analysis.feature_clusters(values[np.ix_(sample, np.flatnonzero(varying))], scored, CLUSTER_RHO)
    return Assessment(rows, failures, group_column, analysed, values, z, shifts, volume, volume_rho, clusters,
                      list(contents.feature_columns), diagnostics, scored, routine)


def default_group(contents: DatasetContents) -> str | None:
    """The metadata column to group by: the first of :data:`GROUP_PREFERENCE` present, else the first
    metadata column with 2 to 50 distinct values (a column with one value, or one per case, groups nothing)."""
    columns = [c for c in contents.metadata_columns if c != "roi"]
    lower = {c.lower(): c for c in columns}
    for name in GROUP_PREFERENCE:
        if name in lower:
            return lower[name]
    n = len(contents.features)
    for c in columns:
        distinct = contents.features[c].nunique(dropna=True)
        if 2 <= distinct <= min(50, max(2, n // 2)):
            return c
    return None


def volume_column(contents: DatasetContents) -> str | None:
    """The ROI volume column (see :data:`VOLUME_FEATURES`), found through the catalogue."""
    catalogue = contents.catalogue
    present = set(contents.features.columns)
    if len(catalogue):
        original = catalogue[catalogue["image_type"].fillna("original") == "original"]
        for family, feature in VOLUME_FEATURES:
            hit = original[(original["family"] == family) & (original["feature"] == feature)]
            hit = hit[hit["column"].isin(present)]
            if len(hit):
                return str(hit["column"].iloc[0])
    return "qc_roi_voxels" if "qc_roi_voxels" in present else None


def informative_features(assessment: Assessment, k: int = 6) -> list[str]:
    """Features worth a plot: the volume, then those whose group medians differ most (one per cluster),
    else the first of the largest clusters."""
    chosen = [assessment.volume] if assessment.volume in assessment.analysed else []
    cluster_of = {name: i for i, members in enumerate(assessment.clusters) for name in members}
    used = {cluster_of.get(c) for c in chosen}
    candidates = [members[0] for members in assessment.clusters]
    if assessment.shifts is not None and len(assessment.shifts) > 1:
        medians = np.array(list(assessment.shifts.attrs["medians"].values()))
        finite = np.isfinite(medians)
        high = np.where(finite, medians, -np.inf).max(axis=0)
        low = np.where(finite, medians, np.inf).min(axis=0)
        spread = np.where(finite.any(axis=0), high - low, np.nan)
        order = np.argsort(-np.nan_to_num(spread, nan=-1.0))
        candidates = [assessment.analysed[j] for j in order if np.isfinite(spread[j])] + candidates
    for name in candidates:
        if len(chosen) >= k:
            break
        cluster = cluster_of.get(name, name)
        if cluster not in used and name not in chosen:
            chosen.append(name)
            used.add(cluster)
    return chosen


def _group_column(contents: DatasetContents, group: str | None) -> str | None:
    if group is None:
        return default_group(contents)
    allowed = [c for c in contents.features.columns if c not in set(contents.feature_columns)]
    if group not in allowed:
        raise DatasetError(f"--group {group!r} is not a column of the dataset's rows; metadata columns: "
                           f"{contents.metadata_columns or 'none'}")
    return group


def _diagnostics(contents: DatasetContents) -> list[str]:
    """The feature columns that are diagnostics (image and ROI sizes, voxel counts, whole-image intensities:
    the catalogue's family ``diagnostics``), not radiomics features."""
    catalogue = contents.catalogue
    skip = set(catalogue.loc[catalogue["family"] == "diagnostics", "column"]) if len(catalogue) else set()
    return [c for c in contents.feature_columns if c in skip]


def _column(frame: pd.DataFrame, name: str) -> np.ndarray:
    """A column as float (NaN where missing, or everywhere when the dataset lacks it)."""
    if name not in frame.columns:
        return np.full(len(frame), np.nan)
    return pd.to_numeric(frame[name], errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)


def _sample(n: int, limit: int) -> np.ndarray:
    if n <= limit:
        return np.arange(n)
    return np.sort(np.random.default_rng(0).choice(n, limit, replace=False))
