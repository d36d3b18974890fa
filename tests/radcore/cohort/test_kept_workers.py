"""Local workers kept warm between runs: a real process holding a real Dask cluster with TLS."""

from __future__ import annotations

import contextlib
import os
import signal
import stat
import time

import pytest
from distributed import Client
from distributed.security import Security

from radcore import daemons
from radcore.cli import main
from radcore.cohort import kept_workers
from radcore.cohort.kept_workers import acquire, code_fingerprint, keep_workers

NO_FIXED_PORT = "127.0.0.1:0"


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("RADCORE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("RADCORE_KEEP_WORKERS", "1")
    yield tmp_path / "home"
    kept_workers.stop()


def _worker_pid(kept) -> int:
    with Client(kept.address, security=kept.security(), timeout=30) as client:
        return client.submit(os.getpid, pure=False).result()


def _gone(pid: int, within: float = 60.0) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if not daemons.alive(pid):
            return True
        time.sleep(0.1)
    return False


def test_kept_workers_outlive_the_run_that_started_them(home):
    kept = acquire(1, NO_FIXED_PORT)
    assert kept.started and kept.workers == 1 and kept.address.startswith("tls://127.0.0.1:")
    assert stat.S_IMODE((home / "workers.json").stat().st_mode) == 0o600  # holds the cluster's credentials
    worker = _worker_pid(kept)
    assert worker not in (os.getpid(), kept.pid)
    again = acquire(1, NO_FIXED_PORT)
    assert again.pid == kept.pid and not again.started
    assert _worker_pid(again) == worker  # the same warm worker process


def test_only_a_client_with_the_credentials_connects(home):
    kept = acquire(1, NO_FIXED_PORT)
    with pytest.raises(OSError):
        Client(kept.address.replace("tls://", "tcp://"), timeout=5)
    with pytest.raises(OSError, match="certificate"):
        Client(kept.address, security=Security.temporary(), timeout=5)


def test_other_workers_replace_idle_ones_never_busy_ones(home, monkeypatch):
    one = acquire(1, NO_FIXED_PORT)
    two = acquire(2, NO_FIXED_PORT)  # another number of workers: the idle ones are replaced
    assert two.started and two.workers == 2 and two.pid != one.pid and _gone(one.pid)
    monkeypatch.setattr(kept_workers, "code_fingerprint", lambda: "other code")
    with Client(two.address, security=two.security(), timeout=30):  # another run is using them
        assert acquire(2, NO_FIXED_PORT) is None
    three = acquire(2, NO_FIXED_PORT)
    assert three.started and three.pid != two.pid and _gone(two.pid)


def test_idle_workers_end_by_themselves(home, monkeypatch):
    monkeypatch.setenv("RADCORE_WORKERS_IDLE_MINUTES", "0.03")
    kept = acquire(1, NO_FIXED_PORT)
    assert _gone(kept.pid)
    assert kept_workers.running() is None and not (home / "workers.json").exists()


def test_radcore_server_stop_ends_them(home, capsys):
    kept = acquire(1, NO_FIXED_PORT)
    assert main(["server", "status"]) == 3  # no Prefect server, but the workers are shown
    assert f"1 local workers kept warm at {kept.address}" in capsys.readouterr().out
    assert main(["server", "stop"]) == 0
    assert "stopped the local workers kept warm" in capsys.readouterr().out
    assert _gone(kept.pid) and kept_workers.running() is None


def test_the_fingerprint_follows_the_environment_the_workers_depend_on(monkeypatch):
    monkeypatch.delenv("NUMBA_OPT", raising=False)
    before = code_fingerprint()
    assert code_fingerprint() == before
    monkeypatch.setenv("NUMBA_OPT", "1")
    assert code_fingerprint() != before
    monkeypatch.delenv("NUMBA_OPT")
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:9/api")  # not read by workers
    assert code_fingerprint() == before


def test_when_workers_are_kept(monkeypatch):
    for key in ("RADCORE_PREFECT", "RADCORE_KEEP_WORKERS"):
        monkeypatch.delenv(key, raising=False)
    assert keep_workers() and not keep_workers(temporary=True)
    monkeypatch.setenv("RADCORE_KEEP_WORKERS", "0")
    assert not keep_workers()
    monkeypatch.setenv("RADCORE_KEEP_WORKERS", "1")
    monkeypatch.setenv("RADCORE_PREFECT", "temporary")
    assert not keep_workers()


def test_kept_workers_that_hang_are_replaced(home, monkeypatch):
    monkeypatch.setattr(kept_workers, "CONNECT_TIMEOUT_S", 3.0)
    hung = acquire(1, NO_FIXED_PORT)
    os.killpg(hung.pid, signal.SIGSTOP)  # the scheduler's process and its workers stop answering
    try:
        kept, client = kept_workers.connect(1, NO_FIXED_PORT)
        with client:
            assert kept.started and kept.pid != hung.pid
            assert client.submit(sum, [1, 2]).result() == 3
        assert _gone(hung.pid)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(hung.pid, signal.SIGKILL)
