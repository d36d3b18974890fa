"""SLURM: time from `radcore run` to its first worker, cases/s with 1 and 2 worker jobs, and the scheduler's memory per queued case.

    python benchmarks/slurm.py [--cases 1000] [--shape 32 96 96] [--config FILE]

Starts the one-node SLURM of the tests (``tests/slurm_cluster.py``: munged, slurmctld and slurmd as root, a
configuration of its own), or with ``--site`` uses the SLURM that ``sbatch`` reaches here (give
``--queue``/``--account`` through ``--job-option``). Builds a Zarr store of ``--cases`` synthetic CT-like
cases (``benchmarks/cohort.py``'s store, ``--unique`` distinct volumes) and measures:

- first worker: ``radcore run --cluster slurm --jobs 1`` launched as a command (its Prefect the temporary
  API) on the first 20 cases, from its launch to the ``Registered to`` line of the worker job's output; and
  the part of it from the job's submission, which ``radcore run`` prints;
- cases/s: the whole cohort with 1, then 2 worker jobs of one core (the flow on worker jobs it submits,
  as ``radcore run --cluster slurm`` runs it), over the flow's wall time and over its fan-out;
- the scheduler's memory per queued case: during the 2-job run, the scheduler's tasks are sampled every
  0.2 s; the most batches it held at once, their cases, and the pickled size of their task specifications
  (the case list and the job's settings), per case. The flow keeps at most 4 batches per worker queued, so
  this does not grow with the cohort.
"""

from __future__ import annotations

import argparse
import datetime
import os
import pickle
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from _record import record
from cohort import build_store

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from radcore.cli_cohort import embedded_prefect_env  # noqa: E402

CONFIG = "families: [stat, glcm, glrlm, glszm]\n"
#: the tests' jobs: scheduler and workers on 127.0.0.1 (one node)
LOCAL_JOBS = ["--job-interface", "lo"]
WORKER_HTTP = "worker_extra_args: [--dashboard-address, '127.0.0.1:0']\n"


def _queued(dask_scheduler=None) -> tuple[int, int, int]:
    """(batches, cases, pickled bytes of their task specs) the scheduler holds now."""
    batches = cases = size = 0
    for key, ts in list(dask_scheduler.tasks.items()):
        if str(key).startswith("radcore-batch-") and ts.run_spec is not None:
            batches += 1
            data = pickle.dumps(ts.run_spec)
            size += len(data)
            batch = next((a for a in getattr(ts.run_spec, "args", ()) if hasattr(a, "n_items")), None)
            cases += batch.n_items if batch is not None else 0
    return batches, cases, size


class Sampler:
    """The most the scheduler at ``address`` holds of the flow's batches, sampled every 0.2 s."""

    def __init__(self, address: str):
        from distributed import Client

        self.client = Client(address)
        self.most = (0, 0, 0)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._stop.wait(0.2):
            try:
                now = self.client.run_on_scheduler(_queued)
            except Exception:  # noqa: BLE001 - the cluster closing
                return
            if now[1] > self.most[1]:
                self.most = now

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.client.close()


def run_on_jobs(store: Path, out: Path, config: Path, jobs: int, job_options: dict, sample: bool):
    """The cohort flow on ``jobs`` worker jobs it submits; (summary, most queued or None, command seconds)."""
    from radcore.cohort.jobqueue import JobCluster
    from radcore.cohort.run import CohortRun, handed_over
    from radcore_flows.cohort import CohortParameters, cohort_flow

    params = CohortParameters(store=str(store), out=str(out), config=str(config), cluster="slurm", jobs=jobs,
                              dashboard="127.0.0.1:0", **job_options)
    start = time.perf_counter()
    run = CohortRun(params)
    cluster = JobCluster(params)
    cluster.start()
    sampler = Sampler(cluster.scheduler_address) if sample else None
    try:
        run.use_scheduler(cluster.scheduler_address)
        with handed_over(run):
            summary = cohort_flow(run.params)
    finally:
        if sampler is not None:
            sampler.close()
        cluster.close()
    return summary, (sampler.most if sampler else None), time.perf_counter() - start


def first_worker(store: Path, folder: Path, config: Path, options: list[str], env: dict) -> tuple[float, float]:
    """Seconds from launching ``radcore run --cluster slurm --jobs 1`` to its worker's registration, and
    from the job's submission (as the command prints it)."""
    small = folder / "small.zarr"
    small.mkdir()
    for case in sorted(p for p in store.iterdir() if p.name.startswith("case"))[:20]:
        shutil.copytree(case, small / case.name)
    for meta in (p for p in store.iterdir() if not p.name.startswith("case")):
        (shutil.copytree if meta.is_dir() else shutil.copy)(meta, small / meta.name)
    launched = datetime.datetime.now()
    done = subprocess.run([sys.executable, "-m", "radcore.cli", "run", "--store", str(small), "--config",
                           str(config), "--out", str(folder / "first"), "--temporary-prefect", "--dashboard",
                           "127.0.0.1:0", "--cluster", "slurm", "--jobs", "1", *options],
                          cwd=folder, env=env, capture_output=True, text=True, timeout=900)
    if done.returncode:
        raise SystemExit(f"radcore run failed:\n{done.stderr[-3000:]}")
    line = re.search(r"1 SLURM jobs \((\d+)\); the first worker connected ([\d.]+) s after", done.stderr)
    registered = re.search(r"^(\S+ \S+) - distributed\.worker - INFO -\s+Registered to",
                           (folder / f"slurm-{line.group(1)}.out").read_text(), re.M)
    at = datetime.datetime.strptime(registered.group(1), "%Y-%m-%d %H:%M:%S,%f")
    return (at - launched).total_seconds(), float(line.group(2))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--cases", type=int, default=1000)
    p.add_argument("--shape", type=int, nargs=3, default=(32, 96, 96), metavar=("Z", "Y", "X"))
    p.add_argument("--unique", type=int, default=20, help="distinct synthetic volumes (default 20)")
    p.add_argument("--config", help=f"settings YAML (default: {CONFIG.strip()})")
    p.add_argument("--site", action="store_true", help="use the SLURM sbatch reaches here, not a test one")
    p.add_argument("--job-option", action="append", default=[], metavar="OPTION",
                   help="a radcore run option for the jobs (repeat), e.g. --job-option=--queue=compute")
    args = p.parse_args(argv)

    folder = Path(tempfile.mkdtemp(prefix="radcore-bench-slurm-"))
    slurm = None
    saved_cwd = os.getcwd()
    try:
        if not args.site:
            from tests.slurm_cluster import Slurm, slurm_unavailable

            reason = slurm_unavailable()
            if reason:
                raise SystemExit(f"no test SLURM: {reason} (or give --site)")
            slurm = Slurm()
            os.environ["SLURM_CONF"] = str(slurm.conf)
        os.chdir(folder)  # the jobs' slurm-<id>.out
        config = Path(args.config) if args.config else folder / "settings.yaml"
        if not args.config:
            config.write_text(CONFIG)
        options = [*([] if args.site else LOCAL_JOBS), "--job-memory", "2GB", *args.job_option]
        job_config = folder / "jobqueue.yaml"
        job_config.write_text(WORKER_HTTP if not args.site else "{}\n")
        options += ["--cluster-config", str(job_config)]
        store = folder / "cohort.zarr"
        seconds = build_store(store, args.cases, tuple(args.shape), min(args.unique, args.cases))
        print(f"store: {args.cases} cases of {tuple(args.shape)} voxels in {seconds:.1f} s")

        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
        from_launch, from_submission = first_worker(store, folder, config, options, env)
        print(f"first worker: {from_launch:.1f} s after `radcore run` started, {from_submission:.1f} s after "
              "its job was submitted")

        embedded_prefect_env()
        job_options = _job_fields(options)
        rows, most = [], None
        for jobs in (1, 2):
            summary, sampled, command = run_on_jobs(store, folder / f"out-{jobs}", config, jobs, job_options,
                                                    sample=jobs == 2)
            most = sampled or most
            rate, fanout_rate = summary.done / summary.seconds, summary.done / summary.fanout_seconds
            print(f"{jobs} job(s): {summary.done} done, {summary.failed} failed in {summary.seconds:.1f} s "
                  f"(fan-out {summary.fanout_seconds:.1f} s): {rate:.2f} cases/s over the flow, "
                  f"{fanout_rate:.2f} over the fan-out; {command:.1f} s with the jobs' start")
            rows.append([jobs, summary.done, summary.failed, round(summary.seconds, 1), round(rate, 2),
                         round(fanout_rate, 2), round(summary.case_seconds / max(summary.done, 1) * 1000)])
        batches, cases, size = most
        per_case = size / max(cases, 1)
        print(f"scheduler: at most {batches} batches ({cases} cases) queued, {size / 1024:.1f} KiB of task specs: "
              f"{per_case:.0f} bytes per queued case")
    finally:
        os.chdir(saved_cwd)
        if slurm is not None:
            slurm.close()
        shutil.rmtree(folder, ignore_errors=True)

    record("slurm", {
        "SLURM": "one node of the tests (tests/slurm_cluster.py)" if not args.site else "the site's",
        "cohort": f"{args.cases} synthetic CT-like cases of {tuple(args.shape)} voxels, "
                  f"{CONFIG.strip() if not args.config else args.config}",
        "first worker after `radcore run` started": f"{from_launch:.1f} s",
        "first worker after its job's submission": f"{from_submission:.1f} s",
        "cases/s, 1 worker job (flow, fan-out)": f"{rows[0][4]}, {rows[0][5]}",
        "cases/s, 2 worker jobs (flow, fan-out)": f"{rows[1][4]}, {rows[1][5]}",
        "scheduler: most batches queued (cases)": f"{batches} ({cases})",
        "scheduler memory per queued case (pickled task spec)": f"{per_case:.0f} bytes",
    }, table={"columns": ["worker jobs", "done", "failed", "flow s", "cases/s (flow)", "cases/s (fan-out)",
                          "ms per case in a worker"], "rows": rows},
        notes=["Each worker job has one core and one single-threaded worker; the flow and its scheduler run in "
               "the benchmark's process on the same 2 cores as the workers (one node)."])
    return 0


def _job_fields(options: list[str]) -> dict:
    """``radcore run`` job options (``--job-memory 2GB`` ...) as cohort parameters."""
    fields, it = {}, iter(options)
    for option in it:
        name, _, value = option.removeprefix("--").partition("=")
        fields[name.replace("-", "_")] = value or next(it)
    return fields


if __name__ == "__main__":
    sys.exit(main())
