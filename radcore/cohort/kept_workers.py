"""Local Dask workers kept warm between cohort runs.

A run on a local cluster used to start its worker processes, have each import radcore and load numba's
compiled kernels (about 3 s of CPU per worker), and close them at its end (about 1 s). Now the first
``radcore run`` starts them in a process of their own that stays (``python -m radcore.cohort.kept_workers``);
later runs on this machine connect to it and find the workers warm (for settings seen before, with no
warm-up at all). This is the Dask counterpart of the local Prefect server (:mod:`radcore.cli_server`):

- **State**: ``RADCORE_HOME/workers.json`` (mode 0600): process id, scheduler address, number of workers,
  dashboard, the fingerprint of the code they run (:func:`code_fingerprint`) and the cluster's TLS
  credentials.
- **Access**: scheduler and workers listen on 127.0.0.1 with TLS and mutual authentication (Dask's
  temporary self-signed credentials). Only a process that can read ``workers.json`` (this user's) can
  connect and submit work, also on a machine other users share.
- **End**: ``radcore server stop``; after :data:`IDLE_MINUTES` minutes without a task
  (``RADCORE_WORKERS_IDLE_MINUTES``); and when a run needs other workers (another number of workers, or
  the code they run has changed: radcore's files, the Python executable, the library versions or the
  ``NUMBA_``/``DASK_``/thread environment), it replaces them, unless another run is using them (it then
  starts a cluster of its own); kept workers that do not answer are replaced too.
- **Opting out**: ``RADCORE_KEEP_WORKERS=0``, or ``radcore run --temporary-prefect`` (nothing is left
  running), gives each run a cluster of its own again.

Paths sent to these workers must be absolute: their working folder is ``RADCORE_HOME``, not the run's.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import hashlib
import importlib.metadata
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from radcore.cohort.parameters import DASHBOARD_OFF
from radcore.daemons import alive, home, kill_group, read_state, write_private_state

log = logging.getLogger(__name__)

#: idle minutes after which kept workers end (``RADCORE_WORKERS_IDLE_MINUTES`` overrides)
IDLE_MINUTES = 30.0
#: how long a run waits for kept workers to start
START_TIMEOUT_S = 120.0
#: how long a run waits for running kept workers to answer before it replaces them
CONNECT_TIMEOUT_S = 10.0
#: environment prefixes the workers' behaviour depends on (a change starts new workers)
ENV_PREFIXES = ("NUMBA_", "DASK_", "OMP_", "MKL_", "OPENBLAS_", "ITK_", "PYTHONPATH")
#: Dask settings of kept workers, which mostly wait: by default every process of the cluster measures its
#: event loop every 20 ms and its system use every 0.5 s; measuring each once a second, an idle scheduler
#: with two workers uses 3.6 % of a core in all rather than 7.7 % (measured here over 20 s)
IDLE_CONFIG = {"distributed.admin.tick.interval": "1s", "distributed.admin.system-monitor.interval": "1s"}
#: the libraries whose version is part of the fingerprint
LIBRARIES = ("numpy", "numba", "scipy", "SimpleITK", "zarr", "pyarrow", "dask", "distributed")


def keep_workers(temporary: bool = False) -> bool:
    """Whether a run should use (and start, if need be) kept workers: not with ``temporary`` (the run
    leaves nothing running), ``RADCORE_PREFECT=temporary`` or ``RADCORE_KEEP_WORKERS=0``."""
    return not (temporary or os.environ.get("RADCORE_PREFECT") == "temporary"
                or os.environ.get("RADCORE_KEEP_WORKERS", "1").strip().lower() in ("0", "false", "no"))


def idle_minutes() -> float:
    """Idle minutes after which kept workers end: ``RADCORE_WORKERS_IDLE_MINUTES``, else :data:`IDLE_MINUTES`."""
    return float(os.environ.get("RADCORE_WORKERS_IDLE_MINUTES") or IDLE_MINUTES)


def state_file() -> Path:
    return home() / "workers.json"


def code_fingerprint() -> str:
    """A digest of what kept workers run: the Python interpreter and environment (``sys.prefix``), where
    the radcore package is and the size and time of each of its files, the versions of :data:`LIBRARIES`
    and the environment variables of :data:`ENV_PREFIXES`."""
    import radcore

    root = Path(radcore.__file__).parent
    h = hashlib.sha256(f"{os.path.realpath(sys.executable)}\n{sys.prefix}\n{root}\n".encode())
    for path in sorted(root.rglob("*.py")):
        stat = path.stat()
        h.update(f"{path.relative_to(root)}:{stat.st_size}:{stat.st_mtime_ns}\n".encode())
    for name in LIBRARIES:
        try:
            h.update(f"{name}={importlib.metadata.version(name)}\n".encode())
        except importlib.metadata.PackageNotFoundError:
            h.update(f"{name}=-\n".encode())
    for key in sorted(k for k in os.environ if k.startswith(ENV_PREFIXES)):
        h.update(f"{key}={os.environ[key]}\n".encode())
    return h.hexdigest()[:32]


@dataclass(frozen=True)
class KeptWorkers:
    """Kept workers as their state file records them."""

    pid: int
    address: str
    workers: int
    dashboard: str
    fingerprint: str
    ca: str
    cert: str
    key: str
    #: this run started them (False: they were running already)
    started: bool = False

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> "KeptWorkers":
        return cls(int(state["pid"]), state["address"], int(state["workers"]), state.get("dashboard", ""),
                   state["fingerprint"], state["ca"], state["cert"], state["key"])

    def security(self):
        """The Dask ``Security`` a client of these workers needs."""
        from distributed.security import Security

        return Security(tls_ca_file=self.ca, tls_client_cert=self.cert, tls_client_key=self.key,
                        require_encryption=True)

    def dask_config(self) -> dict[str, Any]:
        """Dask configuration under which any client made in this process (the flow's) can connect."""
        return {"distributed.comm.require-encryption": True, "distributed.comm.tls.ca-file": self.ca,
                "distributed.comm.tls.client.cert": self.cert, "distributed.comm.tls.client.key": self.key}


def running() -> KeptWorkers | None:
    """The kept workers of ``RADCORE_HOME`` if their process runs, else None."""
    state = read_state(state_file())
    try:
        kept = KeptWorkers.from_state(state) if state else None
    except (KeyError, TypeError, ValueError):
        return None
    return kept if kept is not None and alive(kept.pid) else None


def stop() -> bool:
    """End the kept workers; False when none were running."""
    kept = running()
    if kept is not None:
        kill_group(kept.pid)
    state_file().unlink(missing_ok=True)
    return kept is not None


def acquire(workers: int, dashboard: str) -> KeptWorkers | None:
    """Kept workers for a run that wants ``workers`` workers: those running when they match (number,
    :func:`code_fingerprint`, a dashboard or none), else new ones (replacing those running unless a client
    uses them: then None, and the run starts a cluster of its own). Raises RuntimeError when new ones fail
    to start."""
    fingerprint = code_fingerprint()
    with _locked():
        kept = running()
        if (kept is not None and kept.workers == workers and kept.fingerprint == fingerprint
                and (kept.dashboard == DASHBOARD_OFF) == (dashboard == DASHBOARD_OFF)):
            return kept
        if kept is not None:
            if _in_use(kept):
                log.info("kept workers at %s are in use by another run and do not match this one", kept.address)
                return None
            stop()
        return _start(workers, dashboard, fingerprint)


def connect(workers: int, dashboard: str):
    """``(kept workers, a client of theirs)`` for a run (:func:`acquire`), or None: the run then needs a
    cluster of its own. Kept workers that do not answer within :data:`CONNECT_TIMEOUT_S` (their process
    hangs) are replaced, once."""
    from distributed import Client

    for _ in range(2):
        kept = acquire(workers, dashboard)
        if kept is None:
            return None
        try:
            return kept, Client(kept.address, security=kept.security(), timeout=CONNECT_TIMEOUT_S)
        except (OSError, TimeoutError) as exc:
            log.warning("kept workers at %s do not answer (%s: %s); replacing them", kept.address,
                        type(exc).__name__, exc)
            with _locked():
                if (current := running()) is not None and current.pid == kept.pid:
                    stop()
    return None


@contextlib.contextmanager
def _locked() -> Iterator[None]:
    """Hold ``RADCORE_HOME/workers.lock``: one run at a time checks, replaces or starts kept workers."""
    folder = home()
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "workers.lock", "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _in_use(kept: KeptWorkers) -> bool:
    """Whether a client other than a short-lived probe is connected to ``kept``'s scheduler (an
    unreachable scheduler is not in use)."""
    from distributed import Client

    try:
        with Client(kept.address, security=kept.security(), timeout=5) as client:
            return client.run_on_scheduler(_client_count) > 1
    except (OSError, TimeoutError):
        return False


def _client_count(dask_scheduler=None) -> int:
    return sum(1 for name in dask_scheduler.clients if name != "fire-and-forget")


def _start(workers: int, dashboard: str, fingerprint: str) -> KeptWorkers:
    folder = home()
    logfile = folder / "workers.log"
    command = [sys.executable, "-m", "radcore.cohort.kept_workers", "--workers", str(workers),
               "--dashboard", dashboard, "--fingerprint", fingerprint]
    with logfile.open("ab") as out:
        proc = subprocess.Popen(command, cwd=folder, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        kept = running()
        if kept is not None and kept.pid == proc.pid:
            return KeptWorkers(**{**kept.__dict__, "started": True})
        if proc.poll() is not None:
            raise RuntimeError(f"kept workers ended at start (exit {proc.returncode}); see {logfile}")
        time.sleep(0.02)
    kill_group(proc.pid)
    raise RuntimeError(f"kept workers did not start within {START_TIMEOUT_S:.0f} s; see {logfile}")


# ---------------------------------------------------------------- the process that keeps them


def serve(workers: int, dashboard: str, fingerprint: str, idle_minutes: float) -> None:
    """Run a local cluster of ``workers`` workers with TLS until SIGTERM, SIGINT or ``idle_minutes``
    without a task or a client; its state file exists while it serves."""
    import dask.config
    from distributed.core import Status
    from distributed.security import Security

    from radcore.cohort.cluster import local_cluster, local_cluster_kwargs

    stop_event = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop_event.set())
    dask.config.set(IDLE_CONFIG)  # before the cluster: its workers get this configuration too
    security = Security.temporary()
    cluster = local_cluster(**local_cluster_kwargs(workers, dashboard=dashboard), security=security)
    scheduler = cluster.scheduler
    try:
        write_private_state(state_file(), {
            "pid": os.getpid(), "address": cluster.scheduler_address, "workers": workers,
            "dashboard": DASHBOARD_OFF if dashboard == DASHBOARD_OFF else cluster.dashboard_link,
            "fingerprint": fingerprint, "ca": security.tls_ca_file,
            "cert": security.tls_client_cert, "key": security.tls_client_key,
        })
        log.info("kept workers: %d at %s, dashboard %s", workers, cluster.scheduler_address, cluster.dashboard_link)
        last_busy = time.monotonic()
        while not stop_event.wait(0.5) and scheduler.status not in (Status.closing, Status.closed):
            # the scheduler's idle_since: no task has changed state since then (it checks every 250 ms)
            if _client_count(scheduler) or not scheduler.idle_since:
                last_busy = time.monotonic()
            elif time.monotonic() - last_busy > idle_minutes * 60:
                log.info("kept workers: idle for %g minutes, ending", idle_minutes)
                break
    finally:
        state = read_state(state_file())
        if state and state.get("pid") == os.getpid():
            state_file().unlink(missing_ok=True)
        cluster.close(timeout=30)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="local Dask workers kept warm between radcore runs")
    parser.add_argument("--workers", type=int, required=True)
    parser.add_argument("--dashboard", default="127.0.0.1:0")
    parser.add_argument("--fingerprint", required=True)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    serve(args.workers, args.dashboard, args.fingerprint, idle_minutes())


if __name__ == "__main__":
    main()
