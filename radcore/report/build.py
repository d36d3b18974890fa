"""``radcore report``: one self-contained HTML page that shows whether a cohort's features can be trusted.

Sections: the cohort at a glance (cases done and failed, by stage, the failures), the QC pictures (flagged
cases first, each linked to its row in the per-case table), feature distributions per metadata group with
the cases and groups that sit apart (robust z-scores), redundancy (correlation with ROI volume, clusters of
features that measure the same thing), for a robustness run the ICC of the features over the perturbed
versions (:mod:`radcore.report.robustness`), and the settings and provenance of every settings hash.

It stays small for large cohorts: at most ``max_thumbnails`` pictures (the flagged cases first, then a
sample of the others) and ``max_rows`` table rows; plots aggregate (box plots, histograms, heat maps).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from radcore.io.read_dataset import DatasetContents, read_dataset, read_picture, write_text
from radcore.report import analysis, plots
from radcore.cohort.qc import FLAG_MEANINGS
from radcore.report.cohort import (
    CLUSTER_RHO, GROUP_SHIFT_FLAG, OUTLIER_FLAG, REPORT_FLAGS, Assessment, assess, informative_features,
)
from radcore.report.robustness import robustness_section, split_versions
from radcore.io import remote
from radcore.report.html import (
    Markup, cards, details, flags_html, heading, image, page, paragraph, preformatted, table, thumbnail,
)

REPORT_NAME = "report.html"
MAX_THUMBNAILS = 200
MAX_ROWS = 500
MAX_CLUSTERS = 40
#: a failures table longer than this starts folded
FOLDED_ROWS = 20


@dataclass
class ReportSummary:
    """What a report found: where it is, how many cases it covers and which are flagged."""

    path: Path
    settings_hash: str
    cases: int
    failed: int
    group_column: str | None
    seconds: float
    size_bytes: int
    #: (case_id, label, flags) of every flagged case, most flagged first
    flagged: list[tuple[str, int, str]] = field(default_factory=list)
    flag_counts: dict[str, int] = field(default_factory=dict)
    #: flags of the dataset's rows raised on most of them (the cohort's routine, left off the rows) -> rows
    routine: dict[str, int] = field(default_factory=dict)


def build_report(dataset: str | Path, out: str | Path | None = None, group: str | None = None,
                 settings_hash: str | None = None, max_thumbnails: int = MAX_THUMBNAILS,
                 max_rows: int = MAX_ROWS) -> ReportSummary:
    """Write the report of ``dataset`` (default ``DATASET/report.html``) and say what it found.

    Parameters
    ----------
    dataset : the dataset folder (``radcore run --out``)
    out : the HTML file to write
    group : the metadata column to group cases by (default: ``site``, ``scanner``, ... if present)
    settings_hash : the partition to analyse (default: the one with most rows); the glance and
        provenance sections cover every partition

    Raises
    ------
    radcore.errors.DatasetError
        When ``dataset`` is not a radcore dataset, or ``group`` or ``settings_hash`` is not in it.
    """
    start = time.perf_counter()
    contents, versions = split_versions(read_dataset(dataset, settings_hash))
    assessment = assess(contents, group)
    shown = _shown(assessment.rows, max_thumbnails, max_rows)
    anchors = {pos: f"case-{pos}" for pos in shown["position"]}
    sections = [
        ("glance", "Cohort at a glance", _glance(contents, assessment, max_rows)),
        ("pictures", "QC pictures", _pictures(contents, assessment, shown, anchors, max_thumbnails)),
        ("cases", "Cases", _cases(assessment, shown, anchors, max_rows)),
        ("distributions", "Distributions and outliers", _distributions(assessment)),
        ("redundancy", "Redundancy", _redundancy(assessment)),
        ("provenance", "Settings and provenance", _provenance(contents)),
    ]
    if versions is not None:
        sections.insert(-1, ("robustness", "Robustness (ICC over perturbed versions)",
                             robustness_section(contents, versions, max_rows)))
    where = remote.shown(contents.path) if remote.is_url(contents.path) else Path(contents.path).resolve()
    title = f"radcore cohort report — {str(contents.path).rstrip('/').rsplit('/', 1)[-1]}"
    subtitle = f"{where} · settings {contents.settings_hash} · written {time.strftime('%Y-%m-%d %H:%M:%S')}"
    html = page(title, subtitle, sections)
    path = write_text(out or remote.join(contents.path, REPORT_NAME), html)
    flagged = assessment.flagged
    counts: dict[str, int] = {}
    for flags in flagged["flags"]:
        for name in flags.split(","):
            counts[name] = counts.get(name, 0) + 1
    return ReportSummary(
        path=path, settings_hash=contents.settings_hash, cases=len(assessment.rows), failed=len(assessment.failures),
        group_column=assessment.group_column, seconds=time.perf_counter() - start, size_bytes=len(html.encode()),
        flagged=list(zip(flagged["case_id"], flagged["label"].astype(int), flagged["flags"])), flag_counts=counts,
        routine=dict(assessment.routine),
    )


def _shown(rows: pd.DataFrame, max_thumbnails: int, max_rows: int) -> pd.DataFrame:
    """The rows pictured and listed: every flagged one up to the limits, then a sample of the others."""
    flagged = rows[rows["flags"] != ""]
    others = rows[rows["flags"] == ""]
    limit = min(max_thumbnails, max_rows)
    if len(rows) <= limit:
        return rows
    take_flagged = flagged.head(max(limit * 3 // 4, limit - len(others)))
    room = limit - len(take_flagged)
    sample = others.sample(n=min(room, len(others)), random_state=0).sort_values(["case_id", "label"])
    return pd.concat([take_flagged, sample])


def _glance(contents: DatasetContents, a: Assessment, max_rows: int) -> list:
    outliers = sum(OUTLIER_FLAG in flags.split(",") for flags in a.rows["flags"])
    parts = [cards([
        ("cases done", len(a.rows), False), ("failed", len(a.failures), len(a.failures) > 0),
        ("flagged", len(a.flagged), len(a.flagged) > 0), ("outliers (robust z)", outliers, outliers > 0),
        ("features", len(a.analysed), False), ("diagnostic columns", len(a.diagnostics), False),
    ]), paragraph(_column_counts(a), "note")]
    if a.routine:
        parts.append(paragraph("Raised on most rows, so the cohort's routine rather than a finding (kept in the "
                               "dataset's qc_flags, left off the flags below): " + "; ".join(
                                   f"{name} ({n} of {len(a.rows)} rows)" for name, n in a.routine.items()) + ".",
                               "note"))
    if len(contents.partitions) > 1:
        errors = contents.errors
        parts += [heading("settings partitions"), table(
            ["settings hash", "feature rows", "batch files", "error rows", "shown below"],
            [[h, p.rows, p.files, int((errors["settings_hash"] == h).sum()) if len(errors) else 0,
              "yes" if h == contents.settings_hash else ""] for h, p in contents.partitions.items()],
            numeric=(1, 2, 3))]
    failures = a.failures
    if not len(failures):
        return parts + [paragraph("No case failed.", "note")]
    parts.append(heading("failures by stage"))
    by_stage = failures.groupby("stage").agg(failed=("case_id", "size"),
                                             types=("error_type", lambda s: ", ".join(sorted(set(s)))))
    parts.append(table(["stage", "failed", "error types"],
                       [[s, int(r.failed), r.types] for s, r in by_stage.iterrows()], numeric=(1,),
                       table_id="failures-by-stage"))
    parts.append(heading("failures"))
    listed = failures.head(max_rows)
    rows = table(["case", "label", "stage", "error", "reason"],
                 [[r.case_id, "" if pd.isna(r.label) else int(r.label), r.stage, r.error_type, r.reason]
                  for r in listed.itertuples()], table_id="failures")
    parts.append(details(f"{len(failures)} failed (case, label) pairs", rows, open_=len(listed) <= FOLDED_ROWS))
    if len(failures) > len(listed):
        parts.append(paragraph(f"{len(failures) - len(listed)} more failures in {contents.path}/errors "
                               "(DuckDB: the README's 'current failures' query)", "note"))
    return parts


def _pictures(contents: DatasetContents, a: Assessment, shown: pd.DataFrame, anchors: dict, limit: int) -> list:
    pictured = shown.head(limit)
    note = (f"all {len(a.rows)} cases, flagged first" if len(pictured) == len(a.rows) else
            f"{len(pictured)} of {len(a.rows)} cases: the flagged ones first, then a random sample of the others")
    pngs = [read_picture(contents.path, r.case_id, r.label) for r in pictured.itertuples()]
    maps = [read_picture(contents.path, r.case_id, r.label, "map") for r in pictured.itertuples()]
    tiles = [thumbnail(png, f"{r.case_id} · label {r.label}", r.flags, anchors[r.position], r.flags != "", drawn)
             for png, drawn, r in zip(pngs, maps, pictured.itertuples())]
    if len(pngs) and not any(pngs):
        note += (f"; no QC picture in {remote.join(contents.path, 'qc')} (a run with --no-qc-pictures, or the form's "
                 "qc_pictures off)")
    if any(maps):
        note += "; under each, the voxel map chosen by `radcore run --maps --map NAME`"
    return [paragraph(f"The ROI outlined on its image at its largest slice (axial, coronal, sagittal); {note}. "
                      "A click leads to the case's row.", "note"),
            Markup('<div class="thumbs">' + "".join(tiles) + "</div>")]


def _cases(a: Assessment, shown: pd.DataFrame, anchors: dict, max_rows: int) -> list:
    group = a.group_column or "group"
    rows = []
    for r in shown.head(max_rows).itertuples():
        top = ", ".join(f"{name} ({z:+.1f})" for name, z in r.top)
        rows.append([r.case_id, r.label, r.group, flags_html(r.flags),
                     "" if not np.isfinite(r.score) else f"{r.score:.0%}", top, _number(r.roi_voxels, "{:.0f}"),
                     _number(r.components, "{:.0f}"), _number(r.resampling, "{:.2f}")])
    note = (f"Outlier score: the fraction of the {len(a.scored)} features that vary across the cohort (of "
            f"{len(a.analysed)}) whose robust z (median/MAD) exceeds {analysis.OUTLIER_Z} for the case (a value "
            f"the case lacks does not count); 'outlier' from {analysis.OUTLIER_FRACTION:.0%}.")
    if len(a.rows) < analysis.MIN_CASES:
        note += f" Fewer than {analysis.MIN_CASES} cases: no robust z-scores and no flag relative to the cohort."
    parts = [paragraph(note, "note"), _flag_legend(a), table(
        ["case", "label", group, "flags", "outlier score", "furthest features (robust z)", "ROI voxels",
         "ROI parts", "resampling factor"],
        rows, row_ids=[anchors[p] for p in shown.head(max_rows)["position"]], numeric=(1, 4, 6, 7, 8),
        table_id="case-table")]
    if len(a.rows) > len(rows):
        parts.append(paragraph(f"{len(rows)} of {len(a.rows)} rows shown; every row's qc_* columns are in the "
                               "dataset", "note"))
    return parts


def _column_counts(a: Assessment) -> str:
    """What the report counts: the dataset's feature columns split into features and diagnostics, and the
    features that vary (those the robust z-scores, outlier scores and clusters are computed on)."""
    text = (f"{len(a.feature_columns)} feature columns: {len(a.analysed)} features, analysed below, and "
            f"{len(a.diagnostics)} diagnostic columns (image and ROI sizes, voxel counts and intensities per "
            "preprocessing stage: provenance, not radiomics features).")
    if len(a.rows) < analysis.MIN_CASES:
        return text
    constant = len(a.analysed) - len(a.scored)
    return text + (f" {len(a.scored)} of the {len(a.analysed)} features vary across the cohort: the robust "
                   f"z-scores, outlier scores and clusters use them; {constant} are the same in every case (or "
                   "missing) and say nothing about one.")


def _flag_legend(a: Assessment) -> Markup:
    """What each flag means and what it is computed on."""
    group = a.group_column or "group"
    rows = [[name, "worker: one row, absolute (qc_flags)", meaning] for name, meaning in FLAG_MEANINGS.items()]
    rows += [[name, "report: relative to the cohort's rows", text.replace("the case's group", f"the case's {group}")]
             for name, text in REPORT_FLAGS.items()]
    rows.append(["(routine)", "report", f"a worker's flag raised on {analysis.ROUTINE_FRACTION:.0%} of the rows "
                 "or more is the cohort's routine: named above, left off each row"])
    return details("what the flags mean", table(["flag", "computed by, on", "raised when"], rows,
                                               table_id="flag-legend"))


def _number(value: float, form: str) -> str:
    return form.format(value) if np.isfinite(value) else ""


def _distributions(a: Assessment) -> list:
    if len(a.rows) < analysis.MIN_CASES or not a.analysed:
        return [paragraph(f"Fewer than {analysis.MIN_CASES} cases with features: no distributions.", "note")]
    features = informative_features(a)
    by_position = a.rows.sort_values("position")
    # cases flagged on their own (a shifted group shows in its box already)
    flagged = by_position["flags"].map(lambda f: bool(set(f.split(",")) - {"", GROUP_SHIFT_FLAG})).to_numpy()
    groups = by_position["group"].to_numpy()
    index = {c: j for j, c in enumerate(a.analysed)}
    parts = [image(plots.distributions({f: a.values[:, index[f]] for f in features}, groups, flagged,
                                       a.group_column or "cohort"), "feature distributions per group")]
    medians = a.shifts.attrs["medians"] if a.shifts is not None else {}
    spread_features = informative_features(a, 16) if medians else []
    order = [index[f] for f in spread_features]
    parts.append(image(plots.outliers(a.rows["score"].to_numpy(), analysis.OUTLIER_FRACTION,
                                      {g: m[order] for g, m in medians.items()}, spread_features,
                                      a.group_column or "cohort"), "outlier scores and group medians"))
    if a.shifts is not None:
        parts += [heading(f"groups ({a.group_column})"), table(
            [a.group_column, "cases", "features shifted", "median |shift| (robust z)", "shifted"],
            [[r.group or "(none)", r.cases, f"{r.shift_fraction:.0%}", f"{r.median_abs_z:.2f}",
              "yes" if r.shifted else ""] for r in a.shifts.itertuples()], numeric=(1, 2, 3))]
    return parts


def _redundancy(a: Assessment) -> list:
    if not a.clusters:
        return [paragraph(f"Fewer than {analysis.MIN_CASES} cases with features: no correlations.", "note")]
    parts = []
    rho = a.volume_rho
    if rho is not None:
        parts.append(image(plots.volume_correlation(rho, a.analysed, a.volume), "correlation with ROI volume"))
        strong = int((np.abs(rho[np.isfinite(rho)]) >= 0.8).sum())
        parts.append(paragraph(f"{strong} of the {len(a.scored)} features that vary correlate with ROI volume "
                               f"({a.volume}) at |Spearman rho| >= 0.8: they mostly measure size.", "note"))
    rho_of = dict(zip(a.analysed, rho)) if rho is not None else {}
    multi = [c for c in a.clusters if len(c) > 1]
    parts.append(paragraph(f"The {len(a.scored)} features that vary form {len(a.clusters)} clusters in which "
                           f"every pair has |Spearman rho| >= {CLUSTER_RHO}; {len(multi)} clusters hold more than "
                           f"one feature (largest {min(len(multi), MAX_CLUSTERS)} shown; keep one per cluster).",
                           "note"))
    rows = []
    for i, members in enumerate(multi[:MAX_CLUSTERS]):
        listed = ", ".join(members[:8]) + (f" … (+{len(members) - 8})" if len(members) > 8 else "")
        with_volume = [abs(rho_of[m]) for m in members if np.isfinite(rho_of.get(m, np.nan))]
        rows.append([i + 1, len(members), members[0], f"{np.median(with_volume):.2f}" if with_volume else "",
                     listed])
    parts.append(table(["cluster", "features", "representative", "median |rho| with volume", "members"], rows,
                       numeric=(0, 1, 3)))
    return parts


def _provenance(contents: DatasetContents) -> list:
    frame = contents.features
    parts = []
    for h, p in contents.partitions.items():
        parts.append(heading(f"settings {h}" + (" (analysed above)" if h == contents.settings_hash else "")))
        if p.versions:
            parts.append(table(["software", "version"], sorted(p.versions.items())))
        if h == contents.settings_hash and len(frame) and "radcore_version" in frame:
            written = frame["radcore_version"].value_counts()
            parts.append(paragraph("rows written by radcore " + ", ".join(f"{v} ({n})" for v, n in written.items())
                                   + (f"; extracted {frame['extracted_at'].min()} to {frame['extracted_at'].max()}"
                                      if "extracted_at" in frame else ""), "note"))
        parts.append(details("settings.json", preformatted(json.dumps(p.settings, indent=1, sort_keys=True))
                             if p.settings else "no settings.json in this partition"))
    return parts
