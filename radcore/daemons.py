"""What radcore leaves running between commands, and where it keeps their state: ``RADCORE_HOME``
(default ``~/.radcore``). Two such processes exist: the local Prefect server (:mod:`radcore.cli_server`) and
the local Dask workers kept warm (:mod:`radcore.cohort.kept_workers`); ``radcore server stop`` ends both.
Each runs in a session of its own, so that stopping it ends every process it started."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path
from typing import Any


def home() -> Path:
    """``RADCORE_HOME``, default ``~/.radcore``."""
    return Path(os.environ.get("RADCORE_HOME") or Path.home() / ".radcore").expanduser()


def alive(pid: int) -> bool:
    """Whether process ``pid`` runs (a child of this process that ended is reaped here)."""
    if pid <= 0:
        return False
    try:
        if os.waitpid(pid, os.WNOHANG)[0] == pid:
            return False
    except ChildProcessError:
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def kill_group(pid: int, grace: float = 10.0) -> None:
    """End the session led by ``pid``: SIGTERM, then SIGKILL after ``grace`` seconds."""
    try:
        os.killpg(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and alive(pid):
        time.sleep(0.05)
    if alive(pid):
        try:
            os.killpg(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def read_state(path: Path) -> dict[str, Any] | None:
    """The JSON object in ``path``, or None when it is missing or unreadable."""
    try:
        state = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return state if isinstance(state, dict) else None


def write_private_state(path: Path, state: dict[str, Any]) -> None:
    """Write ``state`` as JSON to ``path`` atomically, readable by this user only (mode 0600)."""
    write_private_file(path, json.dumps(state))


def write_private_file(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically, readable by this user only (mode 0600)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{os.getpid()}")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(text)
    os.replace(temp, path)
