"""The QC summary of a settings partition as markdown (the cohort flow's closing Prefect artifact)."""

from __future__ import annotations

from pathlib import Path

from radcore.io import remote

import pandas as pd

from radcore.io.read_dataset import read_qc

#: flagged cases listed in the markdown, at most
LISTED = 50


def qc_counts(qc: pd.DataFrame) -> tuple[dict[str, int], list[tuple[str, int, str]]]:
    """Cases per flag and the flagged (case_id, label, flags) of a frame with a ``qc_flags`` column."""
    if "qc_flags" not in qc.columns or not len(qc):
        return {}, []
    flags = qc["qc_flags"].fillna("").astype(str)
    counts: dict[str, int] = {}
    for text in flags:
        for name in filter(None, text.split(",")):
            counts[name] = counts.get(name, 0) + 1
    hit = qc[flags != ""]
    return counts, list(zip(hit["case_id"], hit["label"].astype(int), hit["qc_flags"]))


def qc_markdown(dataset: str | Path, settings_hash: str, report=None) -> str:
    """Markdown: rows checked, cases per flag, the flagged cases and where the report is. With a
    :class:`radcore.report.ReportSummary` its flags are used (they add ``outlier``, ``group_shift`` and
    ``resampling_unusual``, and leave off the flags raised on most rows, which it names); else the dataset's
    ``qc_*`` columns."""
    rows = read_qc(dataset, settings_hash)
    if report is not None:
        counts, flagged = report.flag_counts, report.flagged
    else:
        counts, flagged = qc_counts(rows)
    lines = [f"# QC flags, settings {settings_hash}", "",
             f"{len(flagged)} of {len(rows)} extracted (case, label) rows flagged.", ""]
    if counts:
        lines += ["| flag | cases |", "| --- | ---: |"]
        lines += [f"| {name} | {n} |" for name, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
        lines += ["", "| case | label | flags |", "| --- | ---: | --- |"]
        lines += [f"| {_cell(c)} | {label} | {_cell(f)} |" for c, label, f in flagged[:LISTED]]
        if len(flagged) > LISTED:
            lines.append(f"| … {len(flagged) - LISTED} more | | |")
        lines.append("")
    if report is not None and report.routine:
        lines += ["Raised on most rows, so the cohort's routine (left off the counts above): " + ", ".join(
            f"{name} ({n} of {len(rows)})" for name, n in report.routine.items()) + ".", ""]
    if report is not None:
        where = report.path if remote.is_url(report.path) else Path(report.path).resolve()
        lines.append(f"Report: `{where}` (open it in a browser).")
    else:
        lines.append(f"No report written; `radcore report {dataset}` writes one (or run with `--report`).")
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")
