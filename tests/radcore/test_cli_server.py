"""The local Prefect server cohort commands keep between runs: a real ``prefect server`` process."""

from __future__ import annotations

import json
import time

import pytest

from radcore import cli_server, daemons


@pytest.fixture
def radcore_home(tmp_path, monkeypatch):
    monkeypatch.setenv("RADCORE_HOME", str(tmp_path / "home"))
    yield tmp_path / "home"
    cli_server.stop()


def test_nothing_runs_in_a_new_home(radcore_home):
    assert cli_server.running() is None
    assert cli_server.stop() is False


def test_a_started_server_is_reused_then_stopped(radcore_home, monkeypatch):
    monkeypatch.setattr(cli_server, "_configured_api", lambda: None)  # as for a user with no Prefect API
    line, api = cli_server.prefect_for_command()
    assert api and api.startswith("http://127.0.0.1:") and "started a local Prefect server" in line
    assert cli_server.running() == api
    pid = json.loads((radcore_home / "prefect-server.json").read_text())["pid"]
    assert (radcore_home / "prefect-server.json").stat().st_mode & 0o777 == 0o600  # daemons.write_private_state
    again, same = cli_server.prefect_for_command()
    assert same == api and "radcore server stop" in again
    line, ready = cli_server.begin_prefect(temporary=True)  # started by ready(), while the workers ingest
    assert line == "Prefect's temporary API (started and stopped with this command)"
    assert ready is cli_server._start_temporary
    assert cli_server.stop() is True
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and daemons.alive(pid):
        time.sleep(0.1)
    assert not daemons.alive(pid) and cli_server.running() is None


def test_a_configured_api_is_used_as_it_is(radcore_home, monkeypatch):
    monkeypatch.setenv("PREFECT_API_URL", "http://prefect.example:4200/api")
    assert cli_server.prefect_for_command() == ("the Prefect API at http://prefect.example:4200/api", None)
    assert cli_server.running() is None


def test_a_stale_state_file_is_not_a_server(radcore_home):
    radcore_home.mkdir(parents=True)
    (radcore_home / "prefect-server.json").write_text(json.dumps({"pid": 2**22 + 7, "api": "http://127.0.0.1:9/api"}))
    assert cli_server.running() is None
    assert cli_server.stop() is False and not (radcore_home / "prefect-server.json").exists()
