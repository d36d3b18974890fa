"""The test hosts of :mod:`tests.netns_hosts`: they reach each other and nothing else, a cut cable cuts,
and closing them leaves no process or namespace behind."""

import socket
import subprocess
import sys

import pytest

from tests.netns_hosts import Network, require_netns

CONNECT = "import socket,sys\ntry:\n    socket.create_connection((sys.argv[1], int(sys.argv[2])), 3)\nexcept OSError as e:\n" \
          "    sys.exit(str(e))"
SERVE = ("import socket,sys\ns=socket.create_server((sys.argv[1],0))\nprint(s.getsockname()[1],flush=True)\n"
         "while True:\n    s.accept()[0].close()")


@pytest.fixture
def network():
    require_netns()
    net = Network()
    try:
        net.add("a"), net.add("b")
        yield net
    finally:
        net.close()


def _machine_address() -> str:
    """This machine's address on its default route (no packet is sent), else its loopback."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))
            return probe.getsockname()[0]
        except OSError:
            return "127.0.0.1"


def test_hosts_reach_each_other_and_nothing_else(network):
    a, b = network.hosts["a"], network.hosts["b"]
    server = a.popen([sys.executable, "-c", SERVE, a.address], stdout=subprocess.PIPE, text=True)
    port = server.stdout.readline().strip()
    assert b.run([sys.executable, "-c", CONNECT, a.address, port]).returncode == 0
    assert b.run([sys.executable, "-c", CONNECT, "127.0.0.1", port]).returncode != 0  # a's loopback is a's own
    with socket.create_server(("0.0.0.0", 0)) as outside:  # this machine, listening everywhere
        there = str(outside.getsockname()[1])
        for address in (_machine_address(), "127.0.0.1", "10.231.0.254"):
            refused = b.run([sys.executable, "-c", CONNECT, address, there])
            assert refused.returncode != 0, f"a test host reached {address}"
    assert b.listening() == []


def test_a_cut_cable_cuts_and_a_plugged_one_connects(network):
    a, b = network.hosts["a"], network.hosts["b"]
    server = a.popen([sys.executable, "-c", SERVE, a.address], stdout=subprocess.PIPE, text=True)
    port = server.stdout.readline().strip()
    b.link(up=False)
    assert b.run([sys.executable, "-c", CONNECT, a.address, port]).returncode != 0
    b.link(up=True)
    assert b.run([sys.executable, "-c", CONNECT, a.address, port]).returncode == 0


def test_closing_kills_every_process_and_removes_the_hosts():
    require_netns()
    net = Network()
    host = net.add("a")
    sleeper = host.popen(["sleep", "300"])
    names = [host.netns, net.switch]
    net.close()
    assert sleeper.poll() is not None
    listed = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    assert not [n for n in names if n in listed.split()]
