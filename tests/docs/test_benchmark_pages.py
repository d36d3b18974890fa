"""The benchmarks page is what the benchmarks wrote (``benchmarks/_record.py``), never a hand edit."""

from __future__ import annotations

import importlib.util
import json

import pytest

from tests.docs.conftest import DOCS, ROOT

PAGES = DOCS / "benchmarks"


@pytest.fixture(scope="module")
def record_module():
    spec = importlib.util.spec_from_file_location("benchmarks_record", ROOT / "benchmarks" / "_record.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def benchmark_names() -> list[str]:
    return sorted(p.stem for p in (ROOT / "benchmarks").glob("*.py") if not p.stem.startswith("_"))


def test_every_benchmark_has_a_page_and_its_data():
    for name in benchmark_names():
        assert (PAGES / f"{name}.json").exists() and (PAGES / f"{name}.md").exists(), name


def test_every_benchmark_calls_record():
    for name in benchmark_names():
        assert f'record("{name}"' in (ROOT / "benchmarks" / f"{name}.py").read_text(encoding="utf-8"), name


def test_the_pages_are_what_the_recorder_writes_from_the_data(record_module):
    names = sorted(p.stem for p in PAGES.glob("*.json"))
    for name in names:
        expected = record_module.render(record_module.load(PAGES, name))
        assert (PAGES / f"{name}.md").read_text(encoding="utf-8") == expected, (
            f"docs/benchmarks/{name}.md differs from its data: run python benchmarks/_record.py")
    index = record_module.render_index({n: record_module.load(PAGES, n) for n in names})
    assert (PAGES / "index.md").read_text(encoding="utf-8") == index


def test_the_figures_quoted_before_the_recorder_keep_their_date_and_label():
    seeded = [json.loads((PAGES / f"{name}.json").read_text())["runs"] for name in
              ("vs_pyradiomics", "cohort_vs_pyradiomics", "worker", "ingest", "scale", "report", "ibsi2_filters",
               "vs_mirp", "pyradiomics_crop")]
    for runs in seeded:
        old = [r for r in runs if r.get("label")]
        assert all(r["date"] == "2026-12-02" and "before the benchmarks wrote this page" in r["label"] for r in old)


def test_a_run_is_recorded_with_its_command_machine_and_date(record_module, tmp_path, monkeypatch):
    monkeypatch.setenv("RADCORE_BENCHMARK_PAGES", str(tmp_path))
    for k in range(record_module.KEEP + 1):
        page = record_module.record("engine", {"case": 0.25 + k, "peak": "300 MB"},
                                    table={"columns": ["case", "s"], "rows": [["ct", 1.5]]},
                                    notes=["one thread"], argv=["--repeats", str(k)])
    data = json.loads((tmp_path / "engine.json").read_text())
    assert len(data["runs"]) == record_module.KEEP
    latest = data["runs"][0]
    assert latest["command"] == f"python benchmarks/engine.py --repeats {record_module.KEEP}"
    assert latest["machine"]["cores"] >= 1 and latest["machine"]["platform"]
    text = page.read_text()
    assert "## Latest run: " in text and "| case | 5.25 |" in text and "| ct | 1.5 |" in text
    assert "Command: `python benchmarks/engine.py --repeats 5`" in text and "- one thread" in text
    assert "[engine](engine.md)" in (tmp_path / "index.md").read_text()


def test_recording_can_be_turned_off(record_module, tmp_path, monkeypatch):
    monkeypatch.setenv("RADCORE_BENCHMARK_PAGES", "off")
    assert record_module.record("engine", {"case": 1.0}) is None
