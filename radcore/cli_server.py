"""A local Prefect server that outlives one command: ``radcore server start | stop | status``.

Without a Prefect server every cohort command would wait for Prefect's temporary API to start (about 9 s
on a laptop) and stop it again at its end. So the first ``radcore run`` or ``radcore demo`` that finds no
``PREFECT_API_URL`` starts a Prefect server on this machine (127.0.0.1 only, a free port) and leaves it
running, saying so; later commands use it (about 3 s of Prefect per run), and its UI shows every run.
``radcore server stop`` ends it, and the local Dask workers cohort runs keep warm
(:mod:`radcore.cohort.kept_workers`); ``radcore run --temporary-prefect`` (or ``RADCORE_PREFECT=temporary``)
keeps to Prefect's temporary API instead, and leaves no workers running.

The server's state lives in ``RADCORE_HOME`` (default ``~/.radcore``): ``prefect-server.json`` (process id
and API address), ``prefect-server.log``, and the server's own ``PREFECT_HOME`` (its database).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Callable

from radcore.daemons import alive, home, kill_group, read_state, write_private_state

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
    state = read_state(_state_file())
    if state is None:
        return None
    if alive(int(state.get("pid", 0) or 0)) and _healthy(state.get("api", "")):
        return state["api"]
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(port: int = 0) -> str:
    """Start the local Prefect server (or find it running); returns its API address.

    Raises RuntimeError when it does not answer within :data:`START_TIMEOUT_S` (its log says why).
    """
    return running() or ServerStart(port).wait()


class ServerStart:
    """A local Prefect server launched in the background: :meth:`wait` returns its API address once it
    answers. Its first start on a machine creates its database (about 10 s more than later starts), so a
    command launches it as early as it can and does its own setting up meanwhile."""

    def __init__(self, port: int = 0):
        folder = home()
        folder.mkdir(parents=True, exist_ok=True)
        port = port or _free_port()
        self.api = f"http://127.0.0.1:{port}/api"
        env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
        env.update(PREFECT_HOME=str(folder / "prefect"), PREFECT_SERVER_ANALYTICS_ENABLED="false")
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
                write_private_state(_state_file(), {"pid": self.proc.pid, "api": self.api})
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
        return "Prefect's temporary API (started and stopped with this command)", _start_temporary
    api = running()
    if api:
        return f"the local Prefect server at {api} (`radcore server stop` ends it)", lambda: api
    server = ServerStart()
    return (f"started a local Prefect server at {server.api}; it stays up for later runs and shows them at "
            f"{server.api.removesuffix('/api')} (`radcore server stop` ends it)"), server.wait


def _start_temporary() -> None:
    """Start Prefect's temporary API now, in the caller's time (the workers go on ingesting meanwhile),
    rather than when the flow first asks for it: the flow's client finds it running (Prefect keeps one
    per process) and it stops with the command. None: Prefect's own setting names it."""
    from prefect.server.api.server import SubprocessASGIServer

    SubprocessASGIServer().start()


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
    p.set_defaults(func=_run_server)


def _run_server(args) -> int:
    from radcore.cohort import kept_workers

    if args.action == "start":
        try:
            api = start(args.port)
        except RuntimeError as exc:
            print(f"radcore server: {exc}", file=sys.stderr)
            return 1
        print(f"radcore server: Prefect API at {api}, UI at {api.removesuffix('/api')}")
        return 0
    if args.action == "stop":
        print("radcore server: stopped" if stop() else "radcore server: none was running")
        if kept_workers.stop():
            print("radcore server: stopped the local workers kept warm")
        return 0
    api = running()
    print(f"radcore server: running, Prefect API at {api}" if api else "radcore server: not running")
    kept = kept_workers.running()
    if kept is not None:
        print(f"radcore server: {kept.workers} local workers kept warm at {kept.address} (dashboard {kept.dashboard})")
    return 0 if api else 3
