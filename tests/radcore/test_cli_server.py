"""The local Prefect server cohort commands keep between runs: a real ``prefect server`` process."""

from __future__ import annotations

import json
import os
import time
import urllib.request

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
    assert cli_server.stop() is True
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and daemons.alive(pid):
        time.sleep(0.1)
    assert not daemons.alive(pid) and cli_server.running() is None


def test_the_temporary_api_starts_at_once_and_answers_once_ready(radcore_home, tmp_path, monkeypatch):
    """Prefect's temporary API is launched as ``begin_prefect`` returns (its process readies its database
    while the command imports the flow), not by ``ready``, which waits until it answers."""
    from prefect.server.api.server import SubprocessASGIServer

    monkeypatch.setattr(cli_server, "_configured_api", lambda: None)
    monkeypatch.setenv("PREFECT_HOME", str(tmp_path / "prefect"))  # its database, out of ~/.prefect
    server = SubprocessASGIServer()
    try:
        line, ready = cli_server.begin_prefect(temporary=True)
        assert line == "Prefect's temporary API (started and stopped with this command)"
        deadline = time.monotonic() + 30
        while server.server_process is None and time.monotonic() < deadline:
            time.sleep(0.01)
        assert server.server_process is not None  # launched without ready() being called
        assert ready() is None and _status(f"{server.api_url}/health") == 200
    finally:
        server.stop()
    assert cli_server.running() is None  # the local server that stays up was not started


def test_a_configured_api_is_used_as_it_is(radcore_home, monkeypatch):
    monkeypatch.setenv("PREFECT_API_URL", "http://prefect.example:4200/api")
    assert cli_server.prefect_for_command() == ("the Prefect API at http://prefect.example:4200/api", None)
    assert cli_server.running() is None


def test_a_stale_state_file_is_not_a_server(radcore_home):
    radcore_home.mkdir(parents=True)
    (radcore_home / "prefect-server.json").write_text(json.dumps({"pid": 2**22 + 7, "api": "http://127.0.0.1:9/api"}))
    assert cli_server.running() is None
    assert cli_server.stop() is False and not (radcore_home / "prefect-server.json").exists()


def _status(url: str, auth: str | None = None) -> int:
    import base64
    import urllib.error
    import urllib.request

    headers = {"Authorization": "Basic " + base64.b64encode(auth.encode()).decode()} if auth else {}
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_a_server_started_with_auth_refuses_requests_without_its_string(radcore_home, monkeypatch):
    monkeypatch.setattr(cli_server, "_configured_api", lambda: None)
    monkeypatch.setenv("RADCORE_SERVER_AUTH", "1")  # the setting that makes --auth the default
    monkeypatch.setenv("PREFECT_API_AUTH_STRING", "")  # monkeypatch restores what the command sets
    line, api = cli_server.prefect_for_command()
    secret = radcore_home / "prefect-auth"
    assert f"asks for the string in {secret}" in line
    assert secret.stat().st_mode & 0o777 == 0o600
    string = secret.read_text().strip()
    user, _, password = string.partition(":")
    assert user == "radcore" and len(password) >= 32
    assert os.environ["PREFECT_API_AUTH_STRING"] == string  # what this command's Prefect client sends
    assert cli_server.local_auth() == string

    assert _status(f"{api}/admin/version") == 401
    assert _status(f"{api}/admin/version", "radcore:wrong") == 401
    assert _status(f"{api}/admin/version", string) == 200
    ui_settings = json.loads(urllib.request.urlopen(api.removesuffix("/api") + "/ui-settings", timeout=30).read())
    assert ui_settings["api_url"] == api and ui_settings["auth"] == "BASIC"  # the UI asks for the string

    assert cli_server.start(auth=True) == api  # already running with it
    cli_server.stop()
    monkeypatch.delenv("RADCORE_SERVER_AUTH")
    assert cli_server.start() and cli_server.local_auth() is None  # the default again: no auth
    with pytest.raises(RuntimeError, match="runs without authentication"):
        cli_server.start(auth=True)
