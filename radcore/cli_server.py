"""A local Prefect server that outlives one command: ``radcore server start | stop | status``.

Without a Prefect server every cohort command would wait for Prefect's temporary API to start (about 9 s
on a laptop) and stop it again at its end. So the first ``radcore run`` or ``radcore demo`` that finds no
``PREFECT_API_URL`` starts a Prefect server on this machine (127.0.0.1 only, a free port) and leaves it
running, saying so; later commands use it (about 3 s of Prefect per run), and its UI shows every run:
the server tells its UI its own address (``PREFECT_SERVER_UI_API_URL``), so the UI never asks a server
on Prefect's default port 4200 instead. ``radcore serve`` registers the cohort deployment on the same
server. ``radcore server stop`` ends it, and the local Dask workers cohort runs keep warm
(:mod:`radcore.cohort.kept_workers`); ``radcore run --temporary-prefect`` (or ``RADCORE_PREFECT=temporary``)
keeps to Prefect's temporary API instead, and leaves no workers running.

On a machine other users can reach (an HPC login node: 127.0.0.1 is every local user's), ``radcore server
start --auth`` (or ``RADCORE_SERVER_AUTH=1`` for every start) gives the server Prefect's basic
authentication: its API and UI then answer only requests carrying the string kept in
``RADCORE_HOME/prefect-auth`` (mode 0600); radcore's own commands send it.

All of Prefect's state lives in ``RADCORE_HOME`` (default ``~/.radcore``): ``prefect-server.json``
(process id, API address, whether it asks for the string), ``prefect-server.log``, ``prefect-auth``, and
``prefect/``, the ``PREFECT_HOME`` of the server (its database) and of the commands (results, memo store):
:func:`keep_prefect_state_home` keeps ``~/.prefect`` untouched.
"""

from __future__ import annotations

import argparse
import os
import secrets
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from typing import Callable

from radcore.daemons import (
    alive,
    home,
    kill_group,
    read_state,
    write_private_file,
    write_private_state,
)

#: how long a starting server may take to answer
START_TIMEOUT_S = 180.0


def _state_file() -> Path:
    return home() / "prefect-server.json"


def _healthy(api: str, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(f"{api}/health", timeout=timeout) as response:
            return response.status == 200
    except (OSError, ValueError):
        return False


def running() -> str | None:
    """The API address of the radcore-started Prefect server, if it runs and answers; else None."""
    state = _running_state()
    return state["api"] if state else None


def _running_state() -> dict | None:
    state = read_state(_state_file())
    if state is None:
        return None
    if alive(int(state.get("pid", 0) or 0)) and _healthy(state.get("api", "")):
        return state
    return None


def auth_file() -> Path:
    """Where the local server's basic-authentication string (``user:password``) is kept."""
    return home() / "prefect-auth"


def auth_by_default() -> bool:
    """Whether a local server starts with basic authentication unless told: ``RADCORE_SERVER_AUTH``."""
    return os.environ.get("RADCORE_SERVER_AUTH", "").strip().lower() in ("1", "true", "yes", "on")


def _auth_string(create: bool = False) -> str | None:
    """The string of :func:`auth_file`; made (a random password, mode 0600) when ``create`` and missing."""
    path = auth_file()
    if path.exists():
        return path.read_text().strip()
    if not create:
        return None
    value = f"radcore:{secrets.token_urlsafe(24)}"
    write_private_file(path, value + "\n")
    return value


def local_auth() -> str | None:
    """The string the running local server asks for; None when it asks for none (or none runs)."""
    state = _running_state()
    return _auth_string() if state and state.get("auth") else None


def keep_prefect_state_home() -> None:
    """Make ``RADCORE_HOME/prefect`` this process's ``PREFECT_HOME`` (unless one is set), so that what Prefect
    writes (results, memo store) stays out of ``~/.prefect``; a Prefect profile the user keeps there still
    counts (``PREFECT_PROFILES_PATH``). Call it before Prefect is imported."""
    if "PREFECT_HOME" in os.environ:
        return
    profiles = Path.home() / ".prefect" / "profiles.toml"
    if profiles.exists():
        os.environ.setdefault("PREFECT_PROFILES_PATH", str(profiles))
    folder = home() / "prefect"
    folder.mkdir(parents=True, exist_ok=True)
    os.environ["PREFECT_HOME"] = str(folder)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(port: int = 0, auth: bool | None = None) -> str:
    """Start the local Prefect server (or find it running); returns its API address. ``auth`` (default
    :func:`auth_by_default`) starts it with basic authentication.

    Raises RuntimeError when it does not answer within :data:`START_TIMEOUT_S` (its log says why), or when
    it runs already without the authentication asked for.
    """
    state = _running_state()
    if state is None:
        return ServerStart(port, auth).wait()
    if auth and not state.get("auth"):
        raise RuntimeError(f"the local Prefect server at {state['api']} runs without authentication; "
                           "`radcore server stop`, then start it with --auth")
    return state["api"]


def announce(api: str, auth: bool) -> str:
    """Where the local server's UI is, and what it asks for if anything."""
    ui = api.removesuffix("/api")
    if not auth:
        return f"UI at {ui}"
    return f"UI at {ui}, which asks for the string in {auth_file()} (basic authentication)"


class ServerStart:
    """A local Prefect server launched in the background: :meth:`wait` returns its API address once it
    answers. Its first start on a machine creates its database (about 10 s more than later starts), so a
    command launches it as early as it can and does its own setting up meanwhile."""

    def __init__(self, port: int = 0, auth: bool | None = None):
        folder = home()
        folder.mkdir(parents=True, exist_ok=True)
        port = port or _free_port()
        self.api = f"http://127.0.0.1:{port}/api"
        self.auth = auth_by_default() if auth is None else auth
        env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
        # the UI asks the API its page came from, not Prefect's default http://127.0.0.1:4200/api
        env.update(PREFECT_HOME=str(folder / "prefect"), PREFECT_SERVER_ANALYTICS_ENABLED="false",
                   PREFECT_SERVER_API_HOST="127.0.0.1", PREFECT_SERVER_API_PORT=str(port),
                   PREFECT_SERVER_UI_API_URL=self.api)
        if self.auth:
            env["PREFECT_SERVER_API_AUTH_STRING"] = _auth_string(create=True)
        self.log = folder / "prefect-server.log"
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port)],
                env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
            )

    def wait(self) -> str:
        """The API address once the server answers; RuntimeError (and the server ended) when it ends or
        does not answer within :data:`START_TIMEOUT_S`."""
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the Prefect server ended at start (exit {self.proc.returncode}); see {self.log}")
            if _healthy(self.api, timeout=1.0):
                write_private_state(_state_file(), {"pid": self.proc.pid, "api": self.api, "auth": self.auth})
                return self.api
            time.sleep(0.1)
        kill_group(self.proc.pid)
        raise RuntimeError(f"the Prefect server did not answer within {START_TIMEOUT_S:.0f} s; see {self.log}")


def stop() -> bool:
    """Stop the local Prefect server; False when none was running."""
    state = read_state(_state_file())
    if state is None:
        return False
    pid = int(state.get("pid", 0) or 0)
    was_running = pid > 0 and alive(pid)
    if was_running:
        kill_group(pid)
    _state_file().unlink(missing_ok=True)
    return was_running


def prefect_for_command(temporary: bool = False) -> tuple[str, str | None]:
    """The Prefect API a cohort command should use, and a line saying which, as ``(line, api)``:
    ``PREFECT_API_URL`` when configured (``api`` None: Prefect already uses it); else the local server,
    started now and left running unless ``temporary`` or ``RADCORE_PREFECT=temporary``; else (``api``
    None) Prefect's temporary API, started here."""
    line, ready = begin_prefect(temporary)
    return line, ready()


def begin_prefect(temporary: bool = False) -> tuple[str, Callable[[], str | None]]:
    """:func:`prefect_for_command` without waiting: the line, and a function that returns the API once it
    answers. A local server is launched here, so that the caller can go on meanwhile (its first start,
    which creates its database, is long)."""
    configured = _configured_api()
    if configured:
        return f"the Prefect API at {configured}", lambda: None
    if temporary or os.environ.get("RADCORE_PREFECT") == "temporary":
        return "Prefect's temporary API (started and stopped with this command)", _start_temporary()
    return _begin_local()


def prefect_for_serving() -> tuple[str, str]:
    """The Prefect API ``radcore serve`` registers its deployment on, and a line saying which: the one
    ``radcore run`` would use, ``PREFECT_API_URL`` when configured, else the local server (started now if
    it does not run), never a temporary one."""
    configured = _configured_api()
    if configured:
        return f"the Prefect API at {configured}", configured
    line, ready = _begin_local()
    return line, ready()


def _begin_local() -> tuple[str, Callable[[], str]]:
    """The local server, running or launched now; when it asks for authentication, this process's Prefect
    client is given the string (``PREFECT_API_AUTH_STRING``)."""
    state = _running_state()
    if state is not None:
        api = state["api"]
        if state.get("auth"):
            os.environ["PREFECT_API_AUTH_STRING"] = _auth_string() or ""
        return (f"the local Prefect server at {api}, {announce(api, bool(state.get('auth')))} "
                "(`radcore server stop` ends it)"), lambda: api
    server = ServerStart()
    if server.auth:
        os.environ["PREFECT_API_AUTH_STRING"] = _auth_string() or ""
    return (f"started a local Prefect server at {server.api}; it stays up for later runs and shows them: "
            f"{announce(server.api, server.auth)} (`radcore server stop` ends it)"), server.wait


def _start_temporary() -> Callable[[], None]:
    """Start Prefect's temporary API now; returns the function that waits until it answers. Its process
    starts here and readies its database while the caller imports the flow (and the workers ingest), rather
    than after (it took 15 s of a 20-case run's 45). The flow's client finds it running (Prefect keeps one
    per process) and it stops with the command. The wait returns None: Prefect's own setting names it."""
    from prefect.server.api.server import SubprocessASGIServer

    server, failed = SubprocessASGIServer(), []

    def start() -> None:
        try:
            server.start()
        except Exception as exc:  # noqa: BLE001 - raised again in the caller's thread, by ``ready``
            failed.append(exc)

    starting = threading.Thread(target=start, name="radcore-temporary-prefect", daemon=True)
    starting.start()

    def ready() -> None:
        starting.join()
        if failed:
            raise failed[0]

    return ready


def _configured_api() -> str | None:
    """PREFECT_API_URL as Prefect sees it: the environment, the active Prefect profile or settings context."""
    if os.environ.get("PREFECT_API_URL"):
        return os.environ["PREFECT_API_URL"]
    from prefect.settings import PREFECT_API_URL

    return PREFECT_API_URL.value() or None


# ---------------------------------------------------------------- the command


def add_server_command(sub) -> None:
    p = sub.add_parser("server", help="start, stop or show the local Prefect server (and the warm workers) cohort "
                                      "commands keep between runs")
    p.add_argument("action", choices=["start", "stop", "status"])
    p.add_argument("--port", type=int, default=0, help="port for start (default: a free one)")
    p.add_argument("--auth", action=argparse.BooleanOptionalAction, default=None,
                   help="start the server with Prefect's basic authentication: its API and UI answer only with the "
                        "string kept in RADCORE_HOME/prefect-auth (default: RADCORE_SERVER_AUTH, else off)")
    p.set_defaults(func=_run_server)


def _run_server(args) -> int:
    from radcore.cohort import kept_workers

    if args.action == "start":
        try:
            api = start(args.port, args.auth)
        except RuntimeError as exc:
            print(f"radcore server: {exc}", file=sys.stderr)
            return 1
        print(f"radcore server: Prefect API at {api}, {announce(api, local_auth() is not None)}")
        return 0
    if args.action == "stop":
        print("radcore server: stopped" if stop() else "radcore server: none was running")
        if kept_workers.stop():
            print("radcore server: stopped the local workers kept warm")
        return 0
    api = running()
    print(f"radcore server: running, Prefect API at {api}, {announce(api, local_auth() is not None)}" if api
          else "radcore server: not running")
    kept = kept_workers.running()
    if kept is not None:
        print(f"radcore server: {kept.workers} local workers kept warm at {kept.address} (dashboard {kept.dashboard})")
    return 0 if api else 3
