"""Benchmarks write their own page of the documentation: the command, the machine, the date and the figures.

Each benchmark ends with :func:`record`, which adds the run to ``docs/benchmarks/<name>.json`` (the
latest :data:`KEEP` runs, newest first) and writes ``docs/benchmarks/<name>.md`` and the index
``docs/benchmarks/index.md`` anew from the JSON files. The pages are never edited by hand (a test checks
they are what :func:`render` makes of the JSON), so a figure on them is always one a benchmark printed,
beside the command that printed it.

``python benchmarks/_record.py`` writes the pages again from the JSON files, without running anything (after
a change to a benchmark's docstring, which the pages quote). ``RADCORE_BENCHMARK_PAGES`` names another folder to write to (e.g. a scratch one for a trial run), or
``off`` to write nothing.
"""

from __future__ import annotations

import ast
import datetime
import json
import os
import platform
import shlex
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BENCHMARKS = ROOT / "benchmarks"
PAGES = ROOT / "docs" / "benchmarks"
#: runs kept per benchmark
KEEP = 5


def pages_folder() -> Path | None:
    """Where the pages go: ``RADCORE_BENCHMARK_PAGES``, else ``docs/benchmarks``; None when it is ``off``."""
    where = os.environ.get("RADCORE_BENCHMARK_PAGES", "")
    if where.lower() == "off":
        return None
    return Path(where) if where else PAGES


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        usable = os.cpu_count()
    try:
        from importlib.metadata import version

        radcore_version = version("radcore")
    except Exception:  # noqa: BLE001 - a checkout without an install
        radcore_version = "not installed"
    load = round(os.getloadavg()[0], 1) if hasattr(os, "getloadavg") else None
    return {"platform": platform.platform(), "processor": platform.machine(), "cores": os.cpu_count(),
            "usable_cores": usable, "load_average": load, "python": platform.python_version(),
            "radcore": radcore_version}


def record(name: str, figures: dict[str, Any], *, table: dict[str, list] | None = None,
           notes: list[str] | tuple[str, ...] = (), argv: list[str] | None = None) -> Path | None:
    """Add this run of ``benchmarks/<name>.py`` to its page and return the page's path.

    Parameters
    ----------
    name : str
        The benchmark's file name without ``.py``.
    figures : dict
        Label -> value (a number, or text with its unit), in the order to show them.
    table : dict, optional
        ``{"columns": [...], "rows": [[...], ...]}``: a per-case or per-configuration table.
    notes : list of str
        Sentences shown under the figures (what the benchmark found besides numbers).
    argv : list of str, optional
        The benchmark's arguments (default: this process's).
    """
    folder = pages_folder()
    if folder is None:
        return None
    folder.mkdir(parents=True, exist_ok=True)
    args = sys.argv[1:] if argv is None else argv
    run = {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "command": shlex.join(["python", f"benchmarks/{name}.py", *args]),
        "machine": machine(),
        "figures": {str(k): _plain(v) for k, v in figures.items()},
        "table": table,
        "notes": list(notes),
    }
    data = load(folder, name)
    data["runs"] = [run, *data["runs"]][:KEEP]
    (folder / f"{name}.json").write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    write_pages(folder)
    page = folder / f"{name}.md"
    print(f"recorded on {page}")
    return page


def load(folder: Path, name: str) -> dict[str, Any]:
    path = folder / f"{name}.json"
    if path.exists():
        return json.loads(path.read_text(encoding="utf-8"))
    return {"benchmark": name, "runs": []}


def write_pages(folder: Path) -> None:
    """Write every ``<name>.md`` and ``index.md`` of ``folder`` from its JSON files."""
    names = sorted(p.stem for p in folder.glob("*.json"))
    for name in names:
        (folder / f"{name}.md").write_text(render(load(folder, name)), encoding="utf-8")
    (folder / "index.md").write_text(render_index({n: load(folder, n) for n in names}), encoding="utf-8")


def about(name: str) -> str:
    """The first sentence block of the benchmark's docstring (what it measures)."""
    path = BENCHMARKS / f"{name}.py"
    if not path.exists():
        return ""
    doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
    return doc.split("\n\n")[0].replace("\n", " ").strip()


def usage(name: str) -> list[str]:
    """The command lines the benchmark's docstring shows (``python benchmarks/...``)."""
    path = BENCHMARKS / f"{name}.py"
    doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) if path.exists() else ""
    return [line.strip() for line in (doc or "").splitlines() if line.strip().startswith(("python ", "pip "))]


def render(data: dict[str, Any]) -> str:
    """The Markdown page of one benchmark."""
    name = data["benchmark"]
    out = [f"# {name}", "", _inline(about(name)), ""]
    if usage(name):
        out += ["```bash", *usage(name), "```", ""]
    out += [
           f"Source: `benchmarks/{name}.py`. This page is written by the benchmark itself "
           "(`benchmarks/_record.py`): run it again and the new figures appear here, with the command, "
           "the machine and the date. Do not edit it by hand.", ""]
    if not data["runs"]:
        out += ["No run recorded yet: run `python benchmarks/" + name + ".py`.", ""]
    for k, run in enumerate(data["runs"]):
        out += _run(run, latest=k == 0)
    return "\n".join(out).rstrip() + "\n"


def _run(run: dict[str, Any], latest: bool) -> list[str]:
    heading = ("Latest run: " if latest else "") + run["date"]
    if run.get("label"):
        heading += f", {run['label']}"
    out = [f"## {heading}", "", f"Command: `{run['command']}`", "", f"Machine: {_machine(run['machine'])}", ""]
    if run["figures"]:
        out += ["| figure | value |", "| --- | --- |"]
        out += [f"| {_cell(k)} | {_cell(_format(v))} |" for k, v in run["figures"].items()]
        out.append("")
    table = run.get("table")
    if table and table.get("rows"):
        out += ["| " + " | ".join(_cell(c) for c in table["columns"]) + " |",
                "| " + " | ".join("---" for _ in table["columns"]) + " |"]
        out += ["| " + " | ".join(_cell(_format(v)) for v in row) + " |" for row in table["rows"]]
        out.append("")
    out += [f"- {_inline(note)}" for note in run.get("notes", [])]
    if run.get("notes"):
        out.append("")
    return out


def _machine(m: dict[str, Any]) -> str:
    if "description" in m:
        return _inline(m["description"])
    load = f", load average {m['load_average']} when it ended" if m.get("load_average") is not None else ""
    return (f"{m['platform']} ({m['processor']}), {m['cores']} cores ({m['usable_cores']} usable){load}, "
            f"Python {m['python']}, radcore {m['radcore']}")


def render_index(pages: dict[str, dict[str, Any]]) -> str:
    """The benchmarks' index page: one line per benchmark with its latest run."""
    out = ["# Benchmarks", "",
           "Speed and scale, measured by the scripts in `benchmarks/`, with PyRadiomics or MIRP run in the same "
           "process or on the same machine where the benchmark compares. These are not timed tests: each script "
           "is run by hand, and writes its figures on its page here, with the command, the machine and the date "
           "(`benchmarks/_record.py`). The figures of the development machine were measured on 2 cores shared "
           "with other jobs; run the command on your own machine to compare.", "",
           "| benchmark | what it measures | latest run |", "| --- | --- | --- |"]
    for name, data in pages.items():
        latest = data["runs"][0]["date"] if data["runs"] else "not yet run"
        out.append(f"| [{name}]({name}.md) | {_cell(about(name))} | {_cell(latest)} |")
    out += ["", "```{toctree}", ":hidden:", "", *pages, "```", ""]
    return "\n".join(out)


def _plain(value: Any) -> Any:
    if isinstance(value, float):
        return float(f"{value:.4g}")
    if isinstance(value, (int, str, bool)) or value is None:
        return value
    return str(value)


def _format(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _inline(text: str) -> str:
    """reST-style double backticks as Markdown code."""
    return text.replace("``", "`")


def _cell(text: str) -> str:
    return _inline(str(text)).replace("|", "\\|").replace("\n", " ")


if __name__ == "__main__":
    write_pages(pages_folder() or PAGES)
    print(f"wrote the pages of {pages_folder() or PAGES}")
