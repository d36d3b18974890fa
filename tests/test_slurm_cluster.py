"""The test SLURM of :mod:`tests.slurm_cluster`: it runs a batch job with the submitter's environment, keeps a
job of its ``down`` partition pending, refuses an unknown partition, and its daemons listen on 127.0.0.1
ports chosen at run time."""

import subprocess
import time

from tests.slurm_cluster import DOWN_PARTITION


def _wait_empty(slurm, timeout=30.0):
    end = time.monotonic() + timeout
    while slurm.jobs() and time.monotonic() < end:
        time.sleep(0.1)
    assert not slurm.jobs()


def test_a_batch_job_runs_with_the_submitters_environment(slurm, tmp_path, monkeypatch):
    monkeypatch.setenv("RADCORE_TEST_MARK", "seen")
    submitted = subprocess.run(["sbatch", "--parsable", "-o", str(tmp_path / "out-%j.txt"),  # this process's environment
                                "--wrap", "echo job $SLURM_JOB_ID $RADCORE_TEST_MARK"], capture_output=True, text=True)
    assert submitted.returncode == 0, submitted.stderr
    job = submitted.stdout.strip()
    _wait_empty(slurm)
    assert (tmp_path / f"out-{job}.txt").read_text().split() == ["job", job, "seen"]


def test_the_down_partition_keeps_a_job_pending(slurm):
    submitted = slurm.run(["sbatch", "--parsable", "-p", DOWN_PARTITION, "--wrap", "true"])
    assert submitted.returncode == 0, submitted.stderr
    time.sleep(1.0)
    assert slurm.jobs() == [(submitted.stdout.strip(), "PENDING", "PartitionDown")]


def test_an_unknown_partition_is_refused(slurm):
    submitted = slurm.run(["sbatch", "-p", "nowhere", "--wrap", "true"])
    assert submitted.returncode == 1
    assert "invalid partition" in submitted.stderr.lower()


def test_the_daemons_listen_on_the_ports_of_the_conf(slurm):
    """Ports chosen at run time, not SLURM's defaults (6817, 6818), on 127.0.0.1 where the host name resolves
    there (``CommunicationParameters=NoInAddrAny,NoCtldInAddrAny``; SLURM has no other bind setting), and
    munge (a key of the test's own) authenticates every message."""
    conf = dict(line.split("=", 1) for line in slurm.conf.read_text().splitlines()
                if line.startswith(("SlurmctldPort", "SlurmdPort")))
    ports = {"slurmctld": conf["SlurmctldPort"], "slurmd": conf["SlurmdPort"]}
    assert not {"6817", "6818"} & set(ports.values())
    listening = slurm.run(["ss", "-Hltnp"]).stdout.splitlines()
    for daemon, port in ports.items():
        assert any(line.split()[3].endswith(f":{port}") and f'"{daemon}"' in line for line in listening), listening
    if "NoCtldInAddrAny" in slurm.conf.read_text():
        ours = [line.split()[3] for line in listening if '"slurmctld"' in line or '"slurmd"' in line]
        assert ours and all(address.startswith("127.") for address in ours), ours
