"""The report's robustness section, for a dataset whose rows are perturbed versions of each case.

It shows how many versions each case has and which failed, the distribution of the features' ICC per
family and image type (from ``DATASET/robustness/settings_hash=<h>/icc.parquet``, written by
``radcore robustness``), and the features that pass. The other sections of the report look at the
unperturbed rows (``perturbation`` = ``none``) only.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from radcore.io.read_dataset import DatasetContents
from radcore.report import plots
from radcore.report.html import details, heading, image, paragraph, table


def split_versions(contents: DatasetContents) -> tuple[DatasetContents, pd.DataFrame | None]:
    """``contents`` with only the unperturbed rows (and no ``perturbation`` column), and every version's
    rows; (``contents``, None) for a dataset without versions."""
    import dataclasses

    from radcore.io.dataset import PERTURBATION_COLUMN
    from radcore.robustness.perturb import UNPERTURBED

    frame = contents.features
    if PERTURBATION_COLUMN not in frame.columns:
        return contents, None
    unperturbed = frame[frame[PERTURBATION_COLUMN] == UNPERTURBED].drop(columns=[PERTURBATION_COLUMN])
    return dataclasses.replace(contents, features=unperturbed.reset_index(drop=True)), frame


def robustness_section(contents: DatasetContents, versions: pd.DataFrame, max_rows: int) -> list:
    """The section's parts (see the module docstring)."""
    from radcore.io.dataset import PERTURBATION_COLUMN
    from radcore.io import remote
    from radcore.io.robustness import icc_path, read_icc, read_passing

    names = versions[PERTURBATION_COLUMN].unique()
    errors = contents.errors
    if len(errors) and PERTURBATION_COLUMN in errors:
        errors = errors[(errors["settings_hash"] == contents.settings_hash) & errors[PERTURBATION_COLUMN].notna()]
    else:
        errors = errors.iloc[0:0]
    parts = [paragraph(f"{len(names)} versions of each (case, label), the unperturbed one ('none') among them: "
                       f"{len(versions)} rows; {len(errors)} versions failed. The sections above show the "
                       "unperturbed rows only.", "note")]
    if len(errors):
        by_version = errors.groupby([PERTURBATION_COLUMN, "stage", "error_type"]).size().reset_index(name="n")
        parts.append(details("failed versions", table(
            ["version", "stage", "error", "(case, label) pairs"],
            [[r[0], r[1], r[2], int(r[3])] for r in by_version.head(max_rows).itertuples(index=False)],
            numeric=(3,))))
    if not remote.glob(remote.parent(icc_path(contents.path, contents.settings_hash)), "icc.parquet"):
        return parts + [paragraph(f"No ICC table yet: `radcore robustness {contents.path}` computes it.", "note")]
    passing = read_passing(contents.path, contents.settings_hash)
    icc_type, threshold = passing["icc_type"], passing["threshold"]
    icc = read_icc(contents.path, contents.settings_hash).to_pandas()
    icc = icc[icc["icc_type"] == icc_type]
    catalogue = contents.catalogue[["column", "image_type", "family"]].rename(columns={"column": "feature"})
    icc = icc.merge(catalogue, on="feature", how="left").fillna({"image_type": "", "family": ""})
    passed = set(passing["features"])
    icc["passes"] = icc["feature"].isin(passed)
    parts.append(paragraph(f"{len(passed)} of {len(icc)} features pass: {icc_type} 95 % lower bound >= "
                           f"{threshold:g} over the versions (cases are the targets, versions the raters).", "note"))
    families = {f: group["icc"].to_numpy() for f, group in icc.groupby("family", sort=True)}
    parts.append(image(plots.icc_by_family(families, threshold, icc_type), f"{icc_type} per family"))
    summary = icc.groupby(["image_type", "family"], sort=True).agg(
        features=("feature", "size"), middle=("icc", "median"), low=("ci95_low", "median"), passing=("passes", "sum"))
    parts += [heading("per image type and family"), table(
        ["image type", "family", "features", f"median {icc_type}", "median lower bound", "passing"],
        [[t, f, int(r.features), _fixed(r.middle), _fixed(r.low), int(r.passing)]
         for (t, f), r in summary.iterrows()], numeric=(2, 3, 4, 5), table_id="icc-by-family")]
    listed = icc[icc["passes"]].sort_values("ci95_low", ascending=False).head(max_rows)
    parts.append(details(f"the {len(passed)} features that pass", table(
        ["feature", "image type", "family", icc_type, "95 % CI"],
        [[r.feature, r.image_type, r.family, _fixed(r.icc), f"{_fixed(r.ci95_low)} to {_fixed(r.ci95_high)}"]
         for r in listed.itertuples()], numeric=(3,), table_id="passing-features")))
    return parts


def _fixed(value: float) -> str:
    return f"{value:.3f}" if np.isfinite(value) else ""
