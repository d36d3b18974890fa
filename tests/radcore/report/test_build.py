"""radcore.report.build_report and ``radcore report`` on datasets written without a run (and one small run)."""

import dataclasses
import re

import pytest

from radcore.cli import main
from radcore.cohort.synthetic import write_synthetic_dataset
from radcore.errors import DatasetError
from radcore.report import build_report
from radcore.report.summary import qc_markdown


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    folder = tmp_path_factory.mktemp("build") / "dataset"
    return folder, write_synthetic_dataset(folder, rows=600, features=40, files=3)


def test_the_planted_outliers_and_the_shifted_site_are_flagged(synthetic):
    folder, planted = synthetic
    summary = build_report(folder)
    assert summary.path == folder / "report.html" and summary.group_column == "site"
    assert summary.cases == 600 - len(planted["failed"]) and summary.failed == len(planted["failed"])
    flagged = {c: f for c, _, f in summary.flagged}
    assert all("outlier" in flagged[c] for c in planted["outliers"])
    assert all("group_shift" in flagged[c] for c in planted["shifted_site"])
    assert summary.flag_counts["group_shift"] == len(planted["shifted_site"])
    others = set(flagged) - set(planted["outliers"]) - set(planted["shifted_site"])
    assert len(others) <= 6, others  # a few unlucky cases at most


def test_the_page_is_self_contained_and_every_thumbnail_links_to_a_row(synthetic, tmp_path):
    folder, planted = synthetic
    summary = build_report(folder, out=tmp_path / "r.html", max_thumbnails=30)
    text = summary.path.read_text()
    assert "<script" not in text and "http://" not in text and "https://" not in text and "<link" not in text
    assert not re.findall(r'src="(?!data:image/png;base64,)', text)
    targets = re.findall(r'<a class="thumb[^"]*" href="#([^"]+)"', text)
    assert len(targets) == 30
    assert set(targets) <= set(re.findall(r'<tr id="([^"]+)"', text))
    # flagged first: the planted broken cases lead the pictures
    first = re.findall(r"<span>(case\d+) · label 1</span>", text)[: len(planted["outliers"])]
    assert set(first) == set(planted["outliers"])
    assert summary.size_bytes < 1_000_000


def test_a_chosen_voxel_map_is_shown_under_its_qc_picture(tmp_path):
    from radcore.io.qc_pictures import picture_path

    write_synthetic_dataset(tmp_path / "d", rows=4, features=5)
    qc = picture_path(tmp_path / "d", "case000000", 1)
    picture_path(tmp_path / "d", "case000000", 1, "map").write_bytes(qc.read_bytes())
    text = build_report(tmp_path / "d", out=tmp_path / "r.html").path.read_text()
    assert text.count('alt="voxel map of case000000 · label 1"') == 1 and text.count('alt="voxel map of') == 1
    assert "the voxel map chosen by" in text


def test_group_column_choice(synthetic, tmp_path):
    folder, _ = synthetic
    assert build_report(folder, out=tmp_path / "r.html", group="qc_small_roi").group_column == "qc_small_roi"
    with pytest.raises(DatasetError, match="--group 'scanner' is not a column"):
        build_report(folder, out=tmp_path / "r.html", group="scanner")
    with pytest.raises(DatasetError, match="--group 'original_morph_volume' is not a column"):
        build_report(folder, out=tmp_path / "r.html", group="original_morph_volume")


def test_a_handful_of_cases_gives_a_report_without_statistics(tmp_path):
    write_synthetic_dataset(tmp_path / "d", rows=3, features=5)
    summary = build_report(tmp_path / "d")
    text = summary.path.read_text()
    assert summary.cases == 3 and "Fewer than 5 cases" in text and text.count('<a class="thumb') == 3


def test_qc_markdown_counts_flags_and_points_at_the_report(synthetic, tmp_path):
    folder, planted = synthetic
    plain = qc_markdown(folder, "synthetic")
    assert "No report written; `radcore report" in plain and "| outlier |" not in plain
    summary = build_report(folder, out=tmp_path / "r.html")
    text = qc_markdown(folder, "synthetic", summary)
    assert f"| group_shift | {len(planted['shifted_site'])} |" in text
    assert f"Report: `{(tmp_path / 'r.html').resolve()}`" in text
    assert summary.routine == {} and "routine" not in text
    routine = qc_markdown(folder, "synthetic", dataclasses.replace(summary, routine={"roi_at_border": 590}))
    assert "Raised on most rows, so the cohort's routine (left off the counts above): roi_at_border (590 of 594)." \
        in routine


def test_the_command(synthetic, tmp_path, capsys):
    folder, _ = synthetic
    assert main(["report", str(folder), "--out", str(tmp_path / "c.html"), "--max-thumbnails", "5"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"{tmp_path / 'c.html'}: 594 rows, 6 failed,") and "grouped by site" in out
    assert main(["report", str(tmp_path)]) == 2
    assert "DatasetError" in capsys.readouterr().err


def test_case_ids_are_text_and_a_dataset_of_failures_only_still_reports(tmp_path):
    import datetime

    from radcore.cohort.qc import QC_TYPES
    from radcore.io import dataset as ds

    odd = ["<script>alert(1)</script>", "../a b", 'q"uote']
    now = datetime.datetime.now(datetime.UTC)
    errors = [{"case_id": c, "label": 1, "stage": "read", "error_type": "ImageReadError",
               "reason": f"{c} <b>missing</b>", "radcore_version": "t", "attempted_at": now} for c in odd]
    ds.write_errors(tmp_path, "h", "batch-x", errors)
    ds.ensure_readable(tmp_path, "h", ds.feature_schema(["site"], ["f"], QC_TYPES))
    summary = build_report(tmp_path)
    text = summary.path.read_text()
    assert summary.cases == 0 and summary.failed == 3
    assert "<script" not in text and "<b>missing" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text and "q&quot;uote" in text


def test_a_dataset_without_qc_pictures_says_so(tmp_path):
    write_synthetic_dataset(tmp_path / "d", rows=8, features=5, pictures=False)
    text = build_report(tmp_path / "d").path.read_text()
    assert "no QC picture in" in text and text.count("no picture") == 7  # case 7 of 8 failed


def test_several_settings_partitions_the_largest_analysed_unless_asked(tmp_path):
    import datetime

    import pyarrow as pa

    from radcore.cohort.qc import QC_TYPES
    from radcore.io import dataset as ds

    write_synthetic_dataset(tmp_path, rows=12, features=5, pictures=False)
    now = datetime.datetime.now(datetime.UTC)
    rows = [{"case_id": f"c{i}", "label": 1, "extracted_at": now, "qc_flags": "", "g": float(i)} for i in range(2)]
    ds.write_batch_table(tmp_path, "other", "batch-1", pa.Table.from_pylist(
        rows, schema=ds.feature_schema([], ["g"], QC_TYPES)), None)
    ds.write_settings(tmp_path, "other", {"families": ["stat"]})
    summary = build_report(tmp_path)
    text = summary.path.read_text()
    assert summary.settings_hash == "synthetic" and "settings partitions" in text
    assert "settings other" in text and "settings synthetic (analysed above)" in text
    assert "No case failed." not in text  # the synthetic partition has one failure
    other = build_report(tmp_path, out=tmp_path / "other.html", settings_hash="other")
    assert (other.settings_hash, other.cases, other.failed) == ("other", 2, 0)
    assert "No case failed." in other.path.read_text()
    with pytest.raises(DatasetError, match="settings hash 'nope' is not in"):
        build_report(tmp_path, settings_hash="nope")


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    """A dataset as a run writes it: 6 small CT-like cases, IBSI families with their diagnostic columns; the
    cases share one mask, so the morphological features that depend on the mask alone are constant."""
    from radcore.catalogue import catalogue_rows
    from radcore.cohort.cluster import feature_columns
    from radcore.cohort.plan import cases_from_manifest, plan_batches
    from radcore.cohort.worker import JobSpec, run_batch
    from radcore.io import dataset as ds
    from radcore.profiles import profile_of
    from radcore.settings import from_mapping, settings_hash, to_mapping
    from radcore.io.manifest import CaseEntry, read_manifest, write_manifest
    from tests.cohort_cases import write_good_case

    folder = tmp_path_factory.mktemp("extracted")
    (folder / "inputs").mkdir()
    entries = [write_good_case(folder / "inputs", f"case{i}", i) for i in range(6)]
    manifest = folder / "inputs" / "manifest.csv"
    write_manifest([CaseEntry(e.case_id, e.image, entries[0].mask, None, e.metadata) for e in entries], manifest)
    settings = from_mapping({"families": ["diagnostics", "morph", "stat", "glcm"],
                             "interpolation": {"spacing": [1.0, 1.0, 1.0]}})
    h = settings_hash(settings)
    keys = profile_of(settings).feature_keys(settings)
    spec = JobSpec(str(folder / "store"), str(folder / "dataset"), settings, h, ingest=True,
                   metadata_columns=("site",), feature_columns=feature_columns(keys, "native"))
    report = run_batch(plan_batches(cases_from_manifest(read_manifest(manifest), 1), h, set(), 10)[0], spec)
    assert report.done == 6
    ds.write_catalogue(spec.dataset, h, catalogue_rows(report.keys, "native", "ibsi"))
    ds.write_settings(spec.dataset, h, to_mapping(settings))
    return folder / "dataset", len(keys)


def test_every_count_the_report_shows_agrees_with_the_others(extracted, tmp_path):
    folder, n_columns = extracted
    text = build_report(folder, out=tmp_path / "r.html").path.read_text()
    card = r'<div class="card[^"]*"><b>(\d+)</b>([^<]+)</div>'
    cards = {caption: int(value) for value, caption in re.findall(card, text)}
    total, features, diagnostics = map(int, re.search(
        r"(\d+) feature columns: (\d+) features, analysed below, and (\d+) diagnostic columns", text).groups())
    vary, of = map(int, re.search(r"(\d+) of the (\d+) features vary across the cohort", text).groups())
    constant = int(re.search(r"use them; (\d+) are the same in every case", text).group(1))
    score_vary, score_of = map(int, re.search(
        r"the fraction of the (\d+) features that vary across the cohort \(of (\d+)\)", text).groups())
    cluster_vary = int(re.search(r"The (\d+) features that vary form \d+ clusters", text).group(1))
    volume_vary = int(re.search(r"\d+ of the (\d+) features that vary correlate with ROI volume", text).group(1))
    assert total == n_columns and diagnostics == 60 and features + diagnostics == total
    assert (cards["features"], cards["diagnostic columns"]) == (features, diagnostics)
    assert of == score_of == features and vary + constant == features
    assert vary == score_vary == cluster_vary == volume_vary and 0 < vary < features  # a few are constant
    assert cards["cases done"] == 6
