"""The cohort report end to end: ``radcore run --report`` on a cohort with a shifted mask, a case from an
outlying site and broken cases, then the report opened in a real headless Chromium."""

import contextlib
import io
import sys
import time

import pytest

from radcore.cli import main
from tests.browser import Elements, rendered_dom
from tests.cohort_cases import REPORT_CONFIG, write_report_cohort
from tests.flows.conftest import _console_logs_to

NO_FIXED_PORT = ["--dashboard", "127.0.0.1:0"]
EMBEDDED_ENV = ("PREFECT_SERVER_EPHEMERAL_ENABLED", "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS",
                "PREFECT_SERVER_ANALYTICS_ENABLED")


@pytest.fixture(scope="module")
def reported(prefect_backend, tmp_path_factory):
    """(folder, case kinds, exit status, stdout) of ``radcore run MANIFEST --report``."""
    folder = tmp_path_factory.mktemp("report")
    manifest, kinds = write_report_cohort(folder / "inputs")
    config = folder / "settings.yaml"
    config.write_text(REPORT_CONFIG)
    out = io.StringIO()
    with pytest.MonkeyPatch.context() as env:  # as the cli_env fixture, for the whole module
        for key in EMBEDDED_ENV:
            env.setenv(key, "recorded")
            env.delenv(key)
        _console_logs_to(sys.stderr)
        with contextlib.redirect_stdout(out):
            status = main(["run", str(manifest), "--config", str(config), "--out", str(folder / "dataset"),
                           "--workers", "1", "--report", *NO_FIXED_PORT])
    return folder, kinds, status, out.getvalue()


@pytest.fixture(scope="module")
def dom(reported, tmp_path_factory):
    folder = reported[0]
    start = time.perf_counter()
    text = rendered_dom(folder / "dataset" / "report.html", tmp_path_factory.mktemp("chromium"))
    print(f"Chromium rendered the report in {time.perf_counter() - start:.1f} s")
    return Elements(text)


def test_run_with_report_prints_where_the_report_is(reported):
    folder, kinds, status, out = reported
    assert status == 1  # the broken cases failed
    report = folder / "dataset" / "report.html"
    assert f"report: {report}" in out
    text = report.read_text()
    # self-contained: no script, nothing fetched from a network or another file
    assert "<script" not in text and "http://" not in text and "https://" not in text
    assert 'src="data:image/png;base64,' in text


def test_the_browser_renders_the_failures_table(reported, dom):
    kinds = reported[1]
    assert dom.find("body", **{"data-loaded": "yes"})
    table = _table_rows(dom, "failures")
    stage_of = {c: k for c, k in kinds.items() if k in ("read", "preprocess", "ingest")}
    assert {row[0]: row[2] for row in table} == stage_of
    stages = {row[0]: int(row[1]) for row in _table_rows(dom, "failures-by-stage")}
    assert stages == {"ingest": 1, "preprocess": 1, "read": 2}


def test_the_browser_decodes_the_plots_and_one_thumbnail_per_case(reported, dom):
    kinds = reported[1]
    plots = dom.find("img", **{"class": "plot"})
    assert len(plots) >= 3 and all(p[1]["data-decoded"] == "true" for p in plots)
    extracted = {c for c, k in kinds.items() if k in ("good", "shifted mask", "outlying site")}
    thumbs = [e for e in dom.elements if e[0] == "a" and "thumb" in e[1].get("class", "").split()]
    assert sorted(_caption(dom, t) for t in thumbs) == sorted(extracted)
    pictures = [e for e in dom.elements if e[0] == "img" and e[1].get("alt", "").startswith("QC picture of")]
    assert len(pictures) == len(extracted) and all(p[1]["data-decoded"] == "true" for p in pictures)
    rows = {e[1]["id"] for e in dom.find("tr") if "id" in e[1]}
    assert {t[1]["href"].lstrip("#") for t in thumbs} <= rows  # each thumbnail links to its case's row


def test_the_shifted_mask_and_the_outlying_site_are_among_the_flagged_cases(reported, dom):
    kinds = reported[1]
    thumbs = [e for e in dom.elements if e[0] == "a" and "thumb" in e[1].get("class", "").split()]
    flagged = [_caption(dom, t) for t in thumbs if "flagged" in t[1]["class"].split()]
    assert {"shifted", "east01"} <= set(flagged), flagged
    assert [_caption(dom, t) for t in thumbs][: len(flagged)] == flagged  # flagged cases first
    rows = {row[0]: row for row in _table_rows(dom, "case-table")}
    assert "outlier" in rows["shifted"][3] and "outlier" in rows["east01"][3]
    good = [c for c, k in kinds.items() if k == "good"]
    # the robust z-scores single out the planted cases, not the good ones
    assert not [c for c in good if "outlier" in rows[c][3] or "group_shift" in rows[c][3]], rows


def test_the_flow_ends_with_a_qc_artifact_that_points_at_the_report(reported):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    report = reported[0] / "dataset" / "report.html"
    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["radcore-cohort-qc"])))
    mine = [str(a.data) for a in artifacts if str(report.resolve()) in str(a.data)]
    assert len(mine) == 1
    assert "| outlier |" in mine[0] and "| shifted |" in mine[0] and "| east01 |" in mine[0]


def _caption(dom: Elements, anchor) -> str:
    """The case id of a thumbnail (its caption reads 'case · label k')."""
    index = dom.elements.index(anchor)
    span = next(e for e in dom.elements[index + 1:] if e[0] == "span" and e[2])
    return span[2][0].rsplit(" · label", 1)[0]


def _table_rows(dom: Elements, table_id: str) -> list[list[str]]:
    """The body rows of table ``table_id`` as the text of their cells."""
    start = dom.elements.index(dom.find("table", id=table_id)[0])
    rows: list[list[str]] = []
    in_body = False
    for tag, attrs, text in dom.elements[start + 1:]:
        if tag == "table":
            break
        if tag == "tbody":
            in_body = True
        elif tag == "tr" and in_body:
            rows.append([])
        elif tag == "td" and rows:
            rows[-1].append(" ".join(text))
        elif tag == "span" and rows and rows[-1]:
            rows[-1][-1] = (rows[-1][-1] + " " + " ".join(text)).strip()  # flag badges inside a cell
    return rows
