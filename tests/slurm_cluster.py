"""A real one-node SLURM for the tests: munged, slurmctld and slurmd in the foreground, in a folder of their own.

Debian's ``slurm-wlm`` and ``munge`` packages (``.ci/run`` installs them) give the daemons; this module writes
a minimal ``slurm.conf`` for this machine (its node as ``slurmd -C`` describes it, at 127.0.0.1; the
controller's and the node daemon's ports chosen free at run time; no cgroups, no accounting, no systemd) and
a munge key and socket of its own, so it never meets the machine's own SLURM or munge, nor another test
session's. Partition ``debug`` (the default) runs jobs; partition ``down`` accepts them and never starts them.

The ``slurm`` fixture (session scope) starts it once and waits until ``sinfo`` shows the node idle; each
test then gets a clean queue and ``SLURM_CONF`` in its environment, so ``sbatch``, ``squeue`` and
``scancel`` (and dask-jobqueue, which calls them) talk to it. At the end every job is cancelled, the daemons
are stopped and any process left from a job (found by the ``SLURM_CONF`` in its environment) is killed. The
SLURMs a killed session left (its process gone) are stopped by the next one.

The daemons run as root: without root or the packages the tests skip with the reason, except as root under
CI (``CI`` set), where a missing SLURM is a broken CI and fails.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from tests.flows.lab import free_port

DAEMONS = ("munged", "slurmctld", "slurmd")
CLIENTS = ("sbatch", "squeue", "scancel", "sinfo", "scontrol")
#: the name of a test SLURM's folder (in the system's temporary folder) begins so
FOLDER_PREFIX = "radcore-slurm-"
#: the partition whose jobs stay pending (``PartitionDown``)
DOWN_PARTITION = "down"


def slurm_unavailable() -> str:
    """Why a SLURM cannot be started here ('' when it can)."""
    if os.geteuid() != 0:
        return "a test SLURM runs its daemons as root"
    missing = [p for p in DAEMONS + CLIENTS if _program(p) is None]
    if missing:
        return f"no {', '.join(missing)} here (apt-get install slurm-wlm munge)"
    return ""


def require_slurm() -> None:
    """Skip the calling test unless a SLURM can be started here (fail instead as root under CI)."""
    reason = slurm_unavailable()
    if reason:
        if os.environ.get("CI") and os.geteuid() == 0:
            pytest.fail(f"{reason}: .ci/run should have installed slurm-wlm and munge")
        pytest.skip(reason)


def _program(name: str) -> str | None:
    return shutil.which(name) or shutil.which(name, path="/usr/sbin:/sbin")


def node_line() -> str:
    """This machine as a SLURM node (``slurmd -C``'s first line: CPUs, sockets, cores, memory), its name
    ``hostname -s``, at 127.0.0.1."""
    described = subprocess.run([_program("slurmd"), "-C"], capture_output=True, text=True, check=True)
    fields = [f for f in described.stdout.splitlines()[0].split() if not f.startswith("NodeName=")]
    return " ".join([f"NodeName={short_hostname()}", "NodeAddr=127.0.0.1", *fields])


def short_hostname() -> str:
    return subprocess.run(["hostname", "-s"], capture_output=True, text=True, check=True).stdout.strip()


def _bind_loopback(name: str) -> list[str]:
    """Daemons that bind the address their host name resolves to rather than every interface, when that
    address is 127.0.0.1 (the node's address here); SLURM has no other bind setting."""
    try:
        loopback = socket.gethostbyname(name).startswith("127.")
    except OSError:
        loopback = False
    return ["CommunicationParameters=NoInAddrAny,NoCtldInAddrAny"] if loopback else []


def slurm_conf(folder: Path, node: str, ctld_port: int, slurmd_port: int) -> str:
    """A minimal one-node ``slurm.conf`` with everything under ``folder``."""
    name = node.split()[0].removeprefix("NodeName=")
    return "\n".join([
        "ClusterName=radcoretest",
        f"SlurmctldHost={name}(127.0.0.1)",
        f"SlurmctldPort={ctld_port}",
        f"SlurmdPort={slurmd_port}",
        "AuthType=auth/munge",
        "CredType=cred/munge",
        f"AuthInfo=socket={folder / 'munge' / 'munge.socket'}",
        "SlurmUser=root",
        "SlurmdUser=root",
        f"StateSaveLocation={folder / 'state'}",
        f"SlurmdSpoolDir={folder / 'spool'}",
        f"SlurmctldPidFile={folder / 'slurmctld.pid'}",
        f"SlurmdPidFile={folder / 'slurmd.pid'}",
        f"SlurmctldLogFile={folder / 'log' / 'slurmctld.log'}",
        f"SlurmdLogFile={folder / 'log' / 'slurmd.log'}",
        "ProctrackType=proctrack/linuxproc",
        "TaskPlugin=task/none",
        "JobAcctGatherType=jobacct_gather/none",
        "AccountingStorageType=accounting_storage/none",
        "JobCompType=jobcomp/none",
        "MpiDefault=none",
        "SwitchType=switch/none",
        "SelectType=select/cons_tres",
        "SelectTypeParameters=CR_Core",
        "SchedulerType=sched/builtin",
        "ReturnToService=2",
        "MinJobAge=2",
        "KillWait=2",
        "InactiveLimit=0",
        *_bind_loopback(name),
        node,
        f"PartitionName=debug Nodes={name} Default=YES MaxTime=INFINITE State=UP",
        f"PartitionName={DOWN_PARTITION} Nodes={name} MaxTime=INFINITE State=DOWN",
        "",
    ])


class Slurm:
    """A one-node SLURM of its own (see the module docstring); :meth:`close` stops it and its jobs."""

    def __init__(self):
        remove_leftovers()
        self.folder = Path(tempfile.mkdtemp(prefix=FOLDER_PREFIX))
        self.folder.chmod(0o755)
        (self.folder / "owner.pid").write_text(str(os.getpid()))
        for sub in ("munge", "state", "spool", "log"):
            (self.folder / sub).mkdir()
        (self.folder / "munge").chmod(0o700)
        self.node = node_line()
        self.conf = self.folder / "slurm.conf"
        self.conf.write_text(slurm_conf(self.folder, self.node, free_port(), free_port()))
        self.env = {**os.environ, "SLURM_CONF": str(self.conf)}
        self.daemons: list[subprocess.Popen] = []
        try:
            self._start()
        except BaseException:
            self.close()
            raise

    def _start(self) -> None:
        munge = self.folder / "munge"
        key = munge / "munge.key"
        key.write_bytes(os.urandom(1024))
        key.chmod(0o600)
        self._daemon("munged", [_program("munged"), "--foreground", "--force", f"--socket={munge / 'munge.socket'}",
                                f"--key-file={key}", f"--pid-file={munge / 'munged.pid'}",
                                f"--log-file={munge / 'munged.log'}", f"--seed-file={munge / 'munged.seed'}"])
        self._wait(lambda: (munge / "munge.socket").exists(), "munged's socket")
        self._daemon("slurmctld", [_program("slurmctld"), "-D", "-i"])
        self._daemon("slurmd", [_program("slurmd"), "-D", "-N", self.node.split()[0].removeprefix("NodeName=")])
        self._wait(lambda: self.run(["sinfo", "-h", "-N", "-p", "debug", "-o", "%t"]).stdout.strip() == "idle",
                   "the node to be idle in sinfo")

    def _daemon(self, name: str, command: list[str]) -> None:
        log = open(self.folder / "log" / f"{name}.out", "wb")
        self.daemons.append(subprocess.Popen(command, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                             stdin=subprocess.DEVNULL, start_new_session=True))
        log.close()

    def _wait(self, condition, what: str, timeout: float = 30.0) -> None:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            dead = [d for d in self.daemons if d.poll() is not None]
            if dead:
                raise RuntimeError(f"{Path(dead[0].args[0]).name} exited ({dead[0].returncode}) waiting for {what}: "
                                   f"{self.log_tail()}")
            if condition():
                return
            time.sleep(0.1)
        raise TimeoutError(f"SLURM: waited {timeout} s for {what}: {self.log_tail()}")

    def log_tail(self, lines: int = 5) -> str:
        """The last lines of every daemon's output, for a failure's message."""
        tails = []
        for out in sorted((self.folder / "log").glob("*")):
            text = out.read_text(errors="replace").strip().splitlines()[-lines:]
            tails.append(f"{out.name}: " + " | ".join(text))
        return "; ".join(tails)

    def run(self, command: list[str], **kwargs) -> subprocess.CompletedProcess:
        """A SLURM client command (``sbatch``, ``squeue``, ...) against this cluster."""
        return subprocess.run(command, env=self.env, capture_output=True, text=True, **kwargs)

    def jobs(self) -> list[tuple[str, str, str]]:
        """(job id, state, reason) of every job in the queue (pending, running or ending)."""
        listed = self.run(["squeue", "-h", "-o", "%i|%T|%r"])
        return [tuple(line.split("|", 2)) for line in listed.stdout.splitlines() if line.strip()]

    def running(self) -> list[str]:
        """The ids of the running jobs."""
        return [job for job, state, _ in self.jobs() if state == "RUNNING"]

    def cancel_all(self, timeout: float = 30.0) -> None:
        """Cancel every job and wait until the queue is empty."""
        jobs = [job for job, _, _ in self.jobs()]
        if jobs:
            self.run(["scancel", *jobs])
        self._wait(lambda: not self.jobs(), "the queue to empty", timeout)

    def close(self) -> None:
        """Cancel the jobs, stop the daemons, kill what a job left."""
        if self.daemons and all(d.poll() is None for d in self.daemons):
            try:
                self.cancel_all()
            except (RuntimeError, TimeoutError):
                pass
        for daemon in reversed(self.daemons):
            if daemon.poll() is None:
                os.killpg(daemon.pid, signal.SIGTERM)
        for daemon in reversed(self.daemons):
            try:
                daemon.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(daemon.pid, signal.SIGKILL)
                daemon.wait()
        for pid in _processes_with(f"SLURM_CONF={self.conf}"):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        shutil.rmtree(self.folder, ignore_errors=True)


def remove_leftovers() -> None:
    """Stop the SLURMs a killed test session left (its process gone) and remove their folders."""
    for folder in Path(tempfile.gettempdir()).glob(f"{FOLDER_PREFIX}*"):
        try:
            owner = int((folder / "owner.pid").read_text())
            os.kill(owner, 0)
            continue  # its session is alive
        except (OSError, ValueError):
            pass
        for pid in _processes_with(f"SLURM_CONF={folder / 'slurm.conf'}") + _processes_with(str(folder), "cmdline"):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        shutil.rmtree(folder, ignore_errors=True)


def _processes_with(text: str, where: str = "environ") -> list[int]:
    """The processes whose environment (``where="environ"``) holds ``text`` (``NAME=value``) as one variable,
    or whose command line (``"cmdline"``) holds it in an argument."""
    needle = text.encode() + (b"\0" if where == "environ" else b"")
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if needle in (entry / where).read_bytes():
                found.append(int(entry.name))
        except OSError:
            continue
    return found


@pytest.fixture(scope="session")
def slurm_session():
    """The session's one-node SLURM (started at first use)."""
    require_slurm()
    cluster = Slurm()
    yield cluster
    cluster.close()


@pytest.fixture
def slurm(slurm_session, monkeypatch, tmp_path):
    """The session's SLURM with an empty queue, ``SLURM_CONF`` set in this process (and so in the jobs it
    submits) and the working folder (where jobs write their ``slurm-<id>.out``) a temporary one; the test's
    jobs are cancelled at its end."""
    monkeypatch.setenv("SLURM_CONF", str(slurm_session.conf))
    monkeypatch.chdir(tmp_path)
    slurm_session.cancel_all()
    yield slurm_session
    slurm_session.cancel_all()
