"""Test hosts on this machine: Linux network namespaces joined by a switch, for tests across hosts.

Each host is a network namespace with ``lo`` up and one interface (``eth0``) with an address of
:data:`SUBNET`; the interfaces are veth pairs whose other ends sit on a bridge in a switch namespace of its
own. No namespace has a route out, and the machine's own namespace has no address on the switch, so a
host reaches the other test hosts and nothing else; they share the file system (a folder is shared
storage). Names carry the test session's process id, so two sessions never meet, and hosts a killed session
left behind (its process gone) are removed by the next one.

Needs root and ``ip netns`` (iproute2; ``.ci/run`` installs it): :func:`require_netns` skips a test with
the reason it cannot run, except as root in CI (``CI`` set), where a missing ``ip`` is a broken CI and fails. Every process a host starts
(:meth:`Host.popen`) runs in its own process group; :meth:`Network.close` kills every process left in
each namespace, then deletes the namespaces (and with them their interfaces), also after a failure.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

#: the test hosts' private network; host n (1, 2, ...) is ``10.231.0.n``
SUBNET = "10.231.0.0/24"


def netns_unavailable() -> str:
    """Why test hosts cannot be made here ('' when they can)."""
    if os.geteuid() != 0:
        return "test hosts need root (ip netns)"
    if shutil.which("ip") is None:
        return "test hosts need iproute2's `ip` (apt-get install iproute2)"
    probe = f"rcprobe{os.getpid()}"
    made = subprocess.run(["ip", "netns", "add", probe], capture_output=True, text=True)
    if made.returncode:
        return f"`ip netns add` does not work here: {made.stderr.strip()}"
    subprocess.run(["ip", "netns", "delete", probe], capture_output=True)
    return ""


def require_netns() -> None:
    """Skip the calling test unless test hosts can be made here (fail instead as root under CI)."""
    import pytest

    reason = netns_unavailable()
    if reason:
        if os.environ.get("CI") and os.geteuid() == 0:
            pytest.fail(f"{reason}: .ci/run should have installed iproute2")
        pytest.skip(reason)


def _ip(*args: str, netns: str = "") -> None:
    command = ["ip", *(["-n", netns] if netns else []), *args]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"{' '.join(command)}: {done.stderr.strip()}")


@dataclass
class Host:
    """One test host: a network namespace with ``eth0`` at :attr:`address` (and ``lo``)."""

    name: str
    netns: str
    address: str
    processes: list[subprocess.Popen] = field(default_factory=list)

    def command(self, args: list[str]) -> list[str]:
        """``args`` as a command run inside this host."""
        return ["ip", "netns", "exec", self.netns, *args]

    def run(self, args: list[str], **kwargs) -> subprocess.CompletedProcess:
        """Run ``args`` inside this host and wait (text output captured unless told otherwise)."""
        kwargs.setdefault("capture_output", True)
        kwargs.setdefault("text", True)
        return subprocess.run(self.command(args), **kwargs)

    def popen(self, args: list[str], **kwargs) -> subprocess.Popen:
        """Start ``args`` inside this host, in a process group of its own (``ip netns exec`` becomes the
        command: the process id is the command's)."""
        process = subprocess.Popen(self.command(args), start_new_session=True, **kwargs)
        self.processes.append(process)
        return process

    def link(self, up: bool) -> None:
        """Plug (``up``) or cut this host's network cable: its ``eth0`` up or down."""
        _ip("link", "set", "eth0", "up" if up else "down", netns=self.netns)

    def pids(self) -> list[int]:
        """Every process running inside this host."""
        listed = subprocess.run(["ip", "netns", "pids", self.netns], capture_output=True, text=True)
        return [int(p) for p in listed.stdout.split()]

    def kill_all(self) -> None:
        """SIGKILL every process inside this host, and reap those it started. The process groups of those
        it started are killed too: one that has not yet entered the namespace (``ip netns exec`` before
        its ``setns``) is not among the namespace's pids."""
        for process in self.processes:
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        for pid in self.pids():
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                pass
        self.processes.clear()

    def listening(self) -> list[str]:
        """The local address:port of every TCP socket listening inside this host."""
        listed = self.run(["ss", "-H", "-l", "-t", "-n"], check=True)
        return [line.split()[3] for line in listed.stdout.splitlines() if line.strip()]


#: the start of every test host's namespace name, followed by the test session's process id
PREFIX = "radcore-test"


def _remove_orphans() -> None:
    """Delete the test hosts of sessions that ended without removing them (killed), with their processes."""
    import re

    listed = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    for netns in (line.split()[0] for line in listed.splitlines() if line.strip()):
        found = re.fullmatch(PREFIX + r"(\d+)-.+", netns)
        if found is None or Path(f"/proc/{found.group(1)}").exists():
            continue
        Host("orphan", netns, "").kill_all()
        subprocess.run(["ip", "netns", "delete", netns], capture_output=True)


class Network:
    """Test hosts on one switch; :meth:`close` removes them all."""

    def __init__(self):
        _remove_orphans()
        self.tag = f"{PREFIX}{os.getpid()}"
        self.switch = f"{self.tag}-sw"
        self.hosts: dict[str, Host] = {}
        _ip("netns", "add", self.switch)
        try:
            _ip("link", "add", "br0", "type", "bridge", netns=self.switch)
            _ip("link", "set", "br0", "up", netns=self.switch)
            _ip("link", "set", "lo", "up", netns=self.switch)
        except Exception:
            self.close()
            raise

    def add(self, name: str) -> Host:
        """A new host ``name``, at the next address of :data:`SUBNET`."""
        number = len(self.hosts) + 1
        netns = f"{self.tag}-{name}"
        host = Host(name, netns, f"10.231.0.{number}")
        self.hosts[name] = host
        _ip("netns", "add", netns)
        # the pair is made in the switch's namespace (interface names are per namespace), one end then moved
        _ip("link", "add", f"port{number}", "type", "veth", "peer", "name", "eth0", "netns", netns,
            netns=self.switch)
        _ip("link", "set", f"port{number}", "master", "br0", "up", netns=self.switch)
        _ip("link", "set", "lo", "up", netns=netns)
        _ip("addr", "add", f"{host.address}/24", "dev", "eth0", netns=netns)
        _ip("link", "set", "eth0", "up", netns=netns)
        return host

    def wait_reachable(self, timeout: float = 30.0) -> None:
        """Wait until every host answers a TCP connection from every other (the bridge learns)."""
        from itertools import permutations

        probe = ("import socket,sys\ns=socket.create_server(('{a}',0))\nprint(s.getsockname()[1],flush=True)\n"
                 "s.settimeout({t})\nc,_=s.accept()")
        for one, other in permutations(self.hosts.values(), 2):
            server = one.popen([sys.executable, "-c", probe.format(a=one.address, t=timeout)],
                               stdout=subprocess.PIPE, text=True)
            port = server.stdout.readline().strip()
            end = time.monotonic() + timeout
            while other.run([sys.executable, "-c", f"import socket;socket.create_connection(('{one.address}',{port}),2)"]
                            ).returncode:
                if time.monotonic() > end:
                    raise TimeoutError(f"host {other.name} cannot reach {one.name} at {one.address}")
                time.sleep(0.2)
            server.wait(timeout=timeout)
            one.processes.remove(server)

    def close(self) -> None:
        """Kill every process inside the hosts, then delete them and the switch (their links go with them)."""
        for host in self.hosts.values():
            host.kill_all()
        for netns in [h.netns for h in self.hosts.values()] + [self.switch]:
            subprocess.run(["ip", "netns", "delete", netns], capture_output=True)
        self.hosts.clear()

