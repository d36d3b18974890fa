"""A lab's shared Prefect set-up, for real: a PostgreSQL server (Debian's ``postgresql`` package, initialised
as an unprivileged user), a ``prefect server`` on it, a ``process`` work pool and a ``prefect worker``.
Every one of them on a free port of 127.0.0.1, in folders of the test's own, and stopped at the end.

Without PostgreSQL's programs the tests skip on a developer's machine but fail in CI (``CI`` set):
``.ci/run`` installs the package.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

#: the user PostgreSQL runs as when the tests run as root (initdb refuses root); Debian's package makes it
PG_USER = "postgres"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pg_bin() -> Path:
    """The folder of PostgreSQL's server programs (initdb, pg_ctl)."""
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if candidates:
        return Path(candidates[-1]).parent
    if os.environ.get("CI"):
        pytest.fail("no PostgreSQL in CI: .ci/run should have installed it (apt-get install postgresql)")
    pytest.skip("no PostgreSQL here (apt-get install postgresql); CI runs this test")


class Postgres:
    """A PostgreSQL server of its own in a temporary folder, on a free port of 127.0.0.1 (trust
    authentication: only this machine reaches it, and only for the test's life)."""

    def __init__(self):
        self.bin = pg_bin()
        self.folder = Path(tempfile.mkdtemp(prefix="radcore-pg-"))  # not under pytest's root-only tmp
        self.folder.chmod(0o755)
        self.data = self.folder / "data"
        self.data.mkdir()
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            user = pwd.getpwnam(PG_USER)
            os.chown(self.data, user.pw_uid, user.pw_gid)
            self.as_user = ["runuser", "-u", PG_USER, "--"]
        self.port = free_port()
        self._pg("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8")
        self._pg("pg_ctl", "-D", str(self.data), "-w", "-t", "120", "-l", str(self.data / "server.log"),
                 "-o", f"-h 127.0.0.1 -p {self.port} -k {self.data}", "start")
        self._pg("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "prefect")
        self.url = f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/prefect"

    def _pg(self, program: str, *args: str) -> None:
        result = subprocess.run([*self.as_user, str(self.bin / program), *args], capture_output=True, text=True,
                                timeout=300, check=False, stdin=subprocess.DEVNULL)
        assert result.returncode == 0, f"{program}: {result.stdout[-2000:]}{result.stderr[-2000:]}"

    def stop(self) -> None:
        try:
            self._pg("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)


class Process:
    """A process in a session of its own, its output in ``log``; :meth:`stop` ends the session."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path, cwd: Path | None = None):
        self.log = log
        with log.open("ab") as out:
            self.proc = subprocess.Popen(args, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, start_new_session=True)

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, sig)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


class LabServer:
    """``prefect server start`` on :class:`Postgres`, as a lab runs it (on 127.0.0.1 here, a free port)."""

    def __init__(self, postgres: Postgres, folder: Path, env: dict[str, str]):
        self.port = free_port()
        self.api = f"http://127.0.0.1:{self.port}/api"
        self.env = {**env, "PREFECT_HOME": str(folder / "server-home"),
                    "PREFECT_API_DATABASE_CONNECTION_URL": postgres.url, "PREFECT_SERVER_API_HOST": "127.0.0.1",
                    "PREFECT_SERVER_API_PORT": str(self.port), "PREFECT_SERVER_UI_API_URL": self.api,
                    "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
        self.log = folder / "prefect-server.log"
        self.start()

    def start(self) -> None:
        """Start the server (again: on the same port and database)."""
        self.process = Process([sys.executable, "-m", "prefect", "server", "start"], self.env, self.log)
        self.wait()

    def wait(self, timeout: float = 300) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.proc.poll() is None, self.process.log.read_text()[-3000:]
            try:
                with urllib.request.urlopen(f"{self.api}/health", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.5)
        raise AssertionError(f"the Prefect server did not answer: {self.process.log.read_text()[-3000:]}")

    def stop(self, sig: int = signal.SIGTERM) -> None:
        self.process.stop(sig)


#: the states a flow run ends in
FINAL = {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"}


def api_call(api: str, method: str, path: str, body=None):
    """One request to a Prefect API, its JSON answer (None when it has none; HTTPError on a refusal). A 503
    (a busy SQLite database answers so) is tried again, as Prefect's own client does."""
    import json
    import urllib.error

    request = urllib.request.Request(api + path, method=method, headers={"content-type": "application/json"},
                                     data=None if body is None else json.dumps(body).encode())
    for attempt in range(6):
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                answer = response.read()
            return json.loads(answer) if answer else None
        except urllib.error.HTTPError as exc:
            if exc.code != 503 or attempt == 5:
                raise
            time.sleep(2 ** attempt)


def launch(api: str, deployment: str, params: dict) -> str:
    """A flow run of ``deployment`` (its name) with the form filled in as ``params``, as the UI's Run button
    makes it; returns its id."""
    found = api_call(api, "GET", f"/deployments/name/radcore-cohort/{deployment}")
    run = api_call(api, "POST", f"/deployments/{found['id']}/create_flow_run", {"parameters": {"params": params}})
    return run["id"]


def final_state(api: str, flow_run_id: str, timeout: float = 300) -> dict:
    """The flow run's state once it has ended (or when ``timeout`` seconds have passed)."""
    deadline = time.monotonic() + timeout
    while True:
        state = api_call(api, "GET", f"/flow_runs/{flow_run_id}")["state"]
        if state["type"] in FINAL or time.monotonic() > deadline:
            return state
        time.sleep(1)
