"""The Prefect UI of the server radcore keeps, as a user meets it: ``radcore run`` and ``radcore serve`` in
processes of their own, with their own ``HOME`` and ``RADCORE_HOME`` and no Prefect setting, and the pages
they print opened in a real headless Chromium.

Set ``RADCORE_DOCS_SCREENSHOTS=1`` to write the run page's screenshot to ``docs/prefect-run.png``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import duckdb
import pytest

from tests.browser import LivePage, chromium
from tests.cohort_cases import CONFIG, write_cohort
from tests.flows.lab import api_call, final_state

DOCS = Path(__file__).parents[2] / "docs"
RADCORE = [sys.executable, "-c", "from radcore.cli import console; console()"]
ENGINE_LINE = "Engine execution exited with unexpected exception"


class User:
    """A user's machine: their own home, ``RADCORE_HOME``, cohort and environment (no ``PREFECT_`` setting)."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.home = folder / "home"
        self.radcore_home = folder / "radcore-home"
        self.home.mkdir(parents=True)
        self.manifest, self.cases, _ = write_cohort(folder / "cohort", 2, broken=False)
        self.config = folder / "config.yaml"
        self.config.write_text(CONFIG)
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "RADCORE_"))}
        self.env.update(HOME=str(self.home), RADCORE_HOME=str(self.radcore_home), RADCORE_KEEP_WORKERS="0",
                        PYTHONPATH=os.pathsep.join([str(Path(__file__).parents[2]), os.environ.get("PYTHONPATH", "")]))

    def radcore(self, *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
        return subprocess.run([*RADCORE, *args], env=self.env, cwd=self.folder, capture_output=True, text=True,
                              timeout=timeout, check=False)

    def server_api(self) -> str:
        return json.loads((self.radcore_home / "prefect-server.json").read_text())["api"]


@pytest.fixture(scope="module")
def user(tmp_path_factory):
    chromium()
    user = User(tmp_path_factory.mktemp("prefect-ui"))
    yield user
    user.radcore("server", "stop", timeout=120)


@pytest.fixture(scope="module")
def served(user):
    """``radcore serve`` running in its own folder (``serve_cwd``), its output gathered as it comes."""
    cwd = user.folder / "serve-cwd"
    cwd.mkdir()
    proc = subprocess.Popen([*RADCORE, "serve"], env=user.env, cwd=cwd, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)
    lines: list[str] = []
    threading.Thread(target=lambda: lines.extend(proc.stdout), daemon=True).start()
    deadline = time.monotonic() + 300
    try:
        while not any("via the Prefect UI" in line for line in lines):
            assert proc.poll() is None and time.monotonic() < deadline, "".join(lines)[-3000:]
            time.sleep(0.5)
        yield lines, cwd
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def test_the_run_page_radcore_run_prints_shows_the_run_its_logs_and_summary(user, tmp_path):
    out = user.folder / "out"
    result = user.radcore("run", str(user.manifest), "--config", str(user.config), "--out", str(out), "--workers",
                          "1", "--dashboard", "127.0.0.1:0", "--no-qc-pictures")
    printed = result.stdout + result.stderr
    assert result.returncode == 0, printed[-3000:]
    api = user.server_api()
    assert f"started a local Prefect server at {api}" in printed
    url = re.search(r"View at (http://127\.0\.0\.1:\d+/runs/flow-run/[0-9a-f-]+)", printed).group(1)
    assert url.startswith(api.removesuffix("/api") + "/")  # the server radcore started, not Prefect's 4200
    assert api_call(api.removesuffix("/api"), "GET", "/ui-settings")["api_url"] == api

    with LivePage(url, tmp_path) as page:
        page.wait_for_text("Completed", "radcore-cohort", "done 2, failed 0, skipped 0", timeout=120)
        page.click_text("Artifacts")
        page.wait_for_text("radcore-cohort-summary", "radcore-cohort-failures", "radcore-cohort-qc",
                           "radcore-cohort-progress")
        time.sleep(3)  # the run's graph draws itself in a few frames
        shot = page.screenshot(tmp_path / "prefect-run.png")
        page.click_text("radcore-cohort-summary")
        text = page.wait_for_text("cases done", "cases/s", "settings hash")
    assert re.search(r"cases done\s+failed\s+skipped \(done before\)", text) and re.search(r"\n2\s+0\s+0\s", text)
    if os.environ.get("RADCORE_DOCS_SCREENSHOTS"):
        shutil.copy(shot, DOCS / "prefect-run.png")

    prefect_home = user.radcore_home / "prefect"
    assert (prefect_home / "prefect.db").exists()
    assert not (user.home / ".prefect").exists()  # nothing of Prefect's outside RADCORE_HOME


def test_radcore_serve_registers_on_that_server_and_runs_what_the_ui_starts(user, served, tmp_path):
    lines, _ = served
    api = user.server_api()  # the server the first test's run started (or serve, run alone)
    assert f"radcore serve: deployment 'radcore-cohort' registered on the Prefect API at {api};" in "".join(lines)
    assert "UserWarning" not in "".join(lines)
    assert f"via the Prefect UI: {api.removesuffix('/api')}/deployments" in "".join(lines)
    with LivePage(api.removesuffix("/api") + "/deployments", tmp_path) as page:
        page.wait_for_text("radcore-cohort", timeout=120)
        assert "Create a deployment to get started" not in page.text()

    deployment = api_call(api, "GET", "/deployments/name/radcore-cohort/radcore-cohort")
    out = user.folder / "from-the-ui"
    run = api_call(api, "POST", f"/deployments/{deployment['id']}/create_flow_run", {"parameters": {"params": {
        "manifest": str(user.manifest), "config": str(user.config), "out": str(out), "workers": 1,
        "dashboard": "off", "qc_pictures": False}}})
    state = final_state(api, run["id"])
    assert state["type"] == "COMPLETED", state
    rows = duckdb.sql(f"select count(*), count(distinct case_id) from read_parquet('{out}/features/**/*.parquet', "
                      "hive_partitioning=true)").fetchall()
    assert rows == [(2, 2)]
    assert not (user.home / ".prefect").exists()


def test_bad_input_from_the_form_fails_the_run_at_once_in_one_line_and_creates_nothing(user, served):
    _, serve_cwd = served
    api = user.server_api()
    deployment = api_call(api, "GET", "/deployments/name/radcore-cohort/radcore-cohort")
    bad_config = user.folder / "not-settings.yaml"
    bad_config.write_text("families: [stat]\nbin_width: 25\n")
    nowhere = user.folder / "nowhere.csv"
    forms = {
        "manifest missing": ({"manifest": str(nowhere), "out": str(user.folder / "bad-1")},
                             f"ManifestError: manifest '{nowhere}' does not exist or is not a file"),
        "blank out": ({"manifest": str(user.manifest), "out": "   "},
                      "DatasetError: --out '   ' is blank; give the output dataset folder"),
        "invalid config": ({"manifest": str(user.manifest), "config": str(bad_config),
                            "out": str(user.folder / "bad-3")},
                           f"SettingsError: settings file '{bad_config}': unknown setting 'bin_width'"),
    }
    before = sorted(p.name for p in user.folder.iterdir())
    started = time.monotonic()
    runs = {name: api_call(api, "POST", f"/deployments/{deployment['id']}/create_flow_run",
                           {"parameters": {"params": params}})["id"] for name, (params, _) in forms.items()}
    for name, (_, message) in forms.items():
        state = final_state(api, runs[name])
        assert state["type"] == "FAILED" and state["message"].startswith(message), (name, state)
        logs = _logs(api, runs[name])
        errors = [log["message"] for log in logs if log["level"] >= 40]
        assert errors[0] == state["message"], (name, errors)  # radcore's one line, no traceback
        # then only Prefect's engine's own line for any failed run of a deployment (prefect/engine.py), whose
        # traceback is Prefect's re-raise of that state, not one from radcore's code
        assert all(e.startswith(ENGINE_LINE) and "radcore" not in e.split(message)[0].split("Traceback")[1]
                   for e in errors[1:]), (name, errors[1:])
    assert time.monotonic() - started < 240  # "at once": the runner's process start is most of it
    assert sorted(p.name for p in user.folder.iterdir()) == before  # no output folder, no store
    assert list(serve_cwd.iterdir()) == []  # nor a folder named blank where the runs ran

    # an empty `out` does not make a run at all: the form is refused, with the field named
    with pytest.raises(urllib.error.HTTPError) as refused:
        api_call(api, "POST", f"/deployments/{deployment['id']}/create_flow_run",
                 {"parameters": {"params": {"manifest": str(user.manifest), "out": ""}}})
    assert refused.value.code == 409 and "params.out" in refused.value.read().decode()


def _logs(api: str, flow_run_id: str, timeout: float = 60) -> list[dict]:
    """The run's logs once its last one ("Finished in state ...") has reached the server: a run's process
    sends its logs in batches, after its final state."""
    deadline = time.monotonic() + timeout
    while True:
        logs = api_call(api, "POST", "/logs/filter", {"logs": {"flow_run_id": {"any_": [flow_run_id]}},
                                                      "sort": "TIMESTAMP_ASC"})
        if any(log["message"].startswith("Finished in state") for log in logs) or time.monotonic() > deadline:
            return logs
        time.sleep(0.5)
