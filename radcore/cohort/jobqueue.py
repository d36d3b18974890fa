"""Worker jobs on a batch system: a dask-jobqueue cluster (SLURM or PBS) owned by a cohort run.

``radcore run --cluster slurm --jobs N`` (and the Prefect form's ``cluster`` field) submits ``N`` jobs, each
running single-threaded worker processes (one per core of the job; numba, ITK and OpenMP pinned to one
thread, :data:`radcore.cohort.cluster.WORKER_ENV`) that connect to a scheduler in the process of the run.
:class:`JobCluster` owns them:

- its options come from the run's parameters (``queue``, ``account``, ``walltime``, ``job_memory``,
  ``job_cores``, ``job_interface``) over a ``cluster_config`` YAML file of dask-jobqueue keyword arguments
  over dask-jobqueue's own configuration (:func:`job_cluster_kwargs`);
- :meth:`JobCluster.start` submits the jobs and returns once a first worker has connected; a job the batch
  system refuses (an unknown partition, a time or memory over the queue's limits) raises a
  :class:`~radcore.errors.ClusterError` with what ``sbatch``/``qsub`` said, and so does a job that has not
  started after ``job_start_timeout`` seconds (with the reason ``squeue`` gives, on SLURM);
- while the run goes on, a job whose workers are all gone (cancelled, killed at its walltime, its node
  failed) is replaced by a new one, so the cluster keeps ``N`` jobs; Dask runs the lost batches again
  on the workers left;
- :meth:`JobCluster.close` cancels every job.

The scheduler listens on a port the system chooses, on ``job_interface`` when given (the jobs must reach
it: on a one-node test, ``lo``); the dashboard as the run's ``dashboard`` says (``off``: none).
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import threading
import time
from typing import Any

from radcore.cohort.cluster import WORKER_ENV
from radcore.cohort.parameters import DASHBOARD_OFF, CohortParameters
from radcore.errors import ClusterError, SettingsError

log = logging.getLogger(__name__)

#: cores and memory of a job when neither the run, its config file nor dask-jobqueue's configuration say
DEFAULT_CORES = 1
DEFAULT_MEMORY = "4GB"
#: a job whose workers have all been gone this long is lost, and replaced
LOST_AFTER_SECONDS = 5.0
#: how often the jobs are checked
CHECK_SECONDS = 1.0

#: the dask-jobqueue cluster class of each ``cluster`` value
CLUSTER_CLASSES = {"slurm": "SLURMCluster", "pbs": "PBSCluster"}


def job_cluster_kwargs(params: CohortParameters) -> dict[str, Any]:
    """The keyword arguments of the dask-jobqueue cluster of ``params``: the options given, over the
    ``cluster_config`` file's, over dask-jobqueue's configuration (``~/.config/dask/jobqueue.yaml``), with
    radcore's defaults for cores and memory. Each job runs one single-threaded worker process per core,
    with :data:`~radcore.cohort.cluster.WORKER_ENV` exported."""
    import dask.config

    from radcore.io.config import read_yaml_mapping

    kind = params.cluster
    if kind not in CLUSTER_CLASSES:
        raise SettingsError(f"cluster must be one of {sorted(CLUSTER_CLASSES)}, got {kind!r}")
    kwargs = read_yaml_mapping(params.cluster_config, "--cluster-config file") if params.cluster_config else {}
    given = {"queue": params.queue, "account": params.account, "walltime": params.walltime,
             "memory": params.job_memory, "cores": params.job_cores, "interface": params.job_interface}
    kwargs.update({key: value for key, value in given.items() if value})

    def configured(key: str, default: Any = None) -> Any:
        return dask.config.get(f"jobqueue.{kind}.{key}", None) or default

    kwargs.setdefault("cores", configured("cores", DEFAULT_CORES))
    kwargs.setdefault("memory", configured("memory", DEFAULT_MEMORY))
    kwargs.setdefault("processes", kwargs["cores"])  # one thread per worker process
    kwargs["job_script_prologue"] = [*(kwargs.get("job_script_prologue") or configured("job-script-prologue", [])),
                                     *(f"export {name}={value}" for name, value in WORKER_ENV.items())]
    dashboard = {"dashboard": False} if params.dashboard == DASHBOARD_OFF else {"dashboard_address": params.dashboard}
    kwargs["scheduler_options"] = {"port": 0, **dashboard, **(kwargs.get("scheduler_options") or {})}
    return kwargs


def job_workers(params: CohortParameters) -> int:
    """The worker processes ``params``' jobs give together (what batches are planned for)."""
    kwargs = job_cluster_kwargs(params)
    return params.jobs * int(kwargs["processes"])


class JobCluster:
    """The worker jobs of a run (see the module docstring): :meth:`start`, then :meth:`close` (or ``with``)."""

    def __init__(self, params: CohortParameters):
        self.kind = params.cluster
        self.jobs = params.jobs
        self.timeout = params.job_start_timeout
        self.kwargs = job_cluster_kwargs(params)
        submit = getattr(_dask_jobqueue(), CLUSTER_CLASSES[self.kind]).job_cls.submit_command
        if shutil.which(submit) is None:  # said before anything starts
            raise ClusterError(f"--cluster {self.kind}: no {submit} here; run radcore where {submit} submits jobs "
                               "(a login node)")
        self.cluster = None
        #: seconds from :meth:`start` to the first worker's connection
        self.first_worker_seconds: float | None = None
        #: lost jobs replaced so far
        self.replaced = 0
        self._stop = threading.Event()
        self._keeper: threading.Thread | None = None

    @property
    def scheduler_address(self) -> str:
        return self.cluster.scheduler_address

    def job_ids(self) -> list[str]:
        """The batch system's ids of the jobs submitted and not closed."""
        return [job.job_id for job in list(self.cluster.workers.values()) if getattr(job, "job_id", None)]

    def start(self):
        """Submit the jobs; return the dask-jobqueue cluster once a worker has connected. Raises
        :class:`~radcore.errors.SettingsError` for options dask-jobqueue does not take, and
        :class:`~radcore.errors.ClusterError` (the jobs cancelled) when no worker comes (see the module)."""
        started = time.perf_counter()
        try:
            self.cluster = _cluster_class(self.kind)(**self.kwargs)
        except (TypeError, ValueError) as exc:
            raise SettingsError(f"--cluster {self.kind}: {_first_line(exc)}") from None
        try:
            self.cluster.scale(jobs=self.jobs)
            self._wait_for_first_worker(started)
        except BaseException:
            self.close()
            raise
        self.first_worker_seconds = time.perf_counter() - started
        self._keeper = threading.Thread(target=self._keep_jobs, args=(self._connected_jobs(),),
                                        name="radcore-job-keeper", daemon=True)
        self._keeper.start()
        return self.cluster

    def _wait_for_first_worker(self, started: float) -> None:
        next_check = started + 2.0
        while not self.cluster.scheduler_info.get("workers"):
            refused = self._refused()
            if refused:
                raise ClusterError(f"{self.kind}: the batch system refused the worker job: {refused}")
            now = time.perf_counter()
            if now > started + self.timeout:
                raise ClusterError(f"{self.kind}: no worker job started within {self.timeout:g} s: "
                                   f"{self._queue_line()}")
            if now > next_check and self.kind == "slurm":
                ended = [job for job, (state, _) in _slurm_states(self.job_ids()).items() if state is None]
                if ended and len(ended) == len(self.job_ids()):
                    raise ClusterError(f"{self.kind}: worker jobs {', '.join(ended)} ended before a worker "
                                       "connected; their output (slurm-<id>.out) says why")
                next_check = now + 2.0
            time.sleep(0.05)

    def _refused(self) -> str:
        """What the batch system said when it refused a job ('' when none was refused)."""
        for job in list(self.cluster.workers.values()):
            error = getattr(job, "submit_error", None)
            if error is not None:
                return _submit_error_line(error)
        return ""

    def _queue_line(self) -> str:
        ids = self.job_ids()
        if self.kind != "slurm":
            return f"jobs {', '.join(ids)} are queued (qstat says why)"
        states = _slurm_states(ids)
        return "; ".join(f"job {job} {state or 'gone'}" + (f" ({reason})" if reason else "")
                         for job, (state, reason) in states.items()) or "no job in the queue"

    # ------------------------------------------------------------ while the run goes on

    def _keep_jobs(self, seen: set[str]) -> None:
        """Replace a job whose workers have all been gone :data:`LOST_AFTER_SECONDS` (see the module): a job
        counts once one of its workers has connected (``seen``: the jobs whose workers had when it started)."""
        gone_since: dict[str, float] = {}
        while not self._stop.wait(CHECK_SECONDS):
            try:
                self._check_jobs(seen, gone_since)
            except Exception as exc:  # noqa: BLE001 - the keeper must outlive a failed check; the next one retries
                log.warning("checking the worker jobs failed: %s: %s", type(exc).__name__, exc)

    def _connected_jobs(self) -> set[str]:
        """The names of the jobs with a worker connected now."""
        return {name for name in list(self.cluster.worker_spec) if self._job_connected(name)}

    def _job_connected(self, name: str) -> bool:
        connected = {str(w.get("name")) for w in self.cluster.scheduler_info.get("workers", {}).values()}
        spec = self.cluster.worker_spec.get(name, {})
        return bool({f"{name}{suffix}" for suffix in spec.get("group", [""])} & connected)

    def _check_jobs(self, seen: set[str], gone_since: dict[str, float]) -> None:
        cluster = self.cluster
        now = time.monotonic()
        lost, refused = [], []
        for name in list(cluster.worker_spec):
            job = cluster.workers.get(name)
            if self._job_connected(name):
                seen.add(name)
                gone_since.pop(name, None)
            elif getattr(job, "submit_error", None) is not None:
                log.error("%s: a replacement worker job was refused (the run goes on with one job fewer): %s",
                          self.kind, _submit_error_line(job.submit_error))
                refused.append(name)
            elif name in seen and now - gone_since.setdefault(name, now) >= LOST_AFTER_SECONDS:
                log.warning("%s: worker job %s (%s) lost its workers; submitting a replacement", self.kind,
                            getattr(job, "job_id", "?"), name)
                lost.append(name)
        if (lost or refused) and not self._stop.is_set():
            cluster.sync(cluster.scale_down, lost + refused)
            for name in lost:
                seen.discard(name)
                gone_since.pop(name, None)
            self.replaced += len(lost)
            self.jobs -= len(refused)  # not submitted again and again
            cluster.scale(jobs=self.jobs)

    def close(self) -> None:
        """Stop replacing jobs, then close the scheduler and cancel every job."""
        self._stop.set()
        if self._keeper is not None:
            self._keeper.join()
        if self.cluster is not None:
            self.cluster.close()

    def __enter__(self) -> "JobCluster":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _cluster_class(kind: str):
    """The dask-jobqueue cluster class of ``kind``, with jobs that keep the error of a refused submission
    (``submit_error``) for :class:`JobCluster` to report.

    A refused job is kept as started without a job id (nothing to cancel): raised, the error would reach
    no caller (dask's cluster submits in a callback of its event loop) and be logged as a traceback."""
    from distributed.core import Status

    base = getattr(_dask_jobqueue(), CLUSTER_CLASSES[kind])

    class RecordingJob(base.job_cls):
        submit_error: BaseException | None = None

        async def start(self):
            try:
                await super().start()
            except Exception as exc:  # noqa: BLE001 - JobCluster reports it, in one line
                self.submit_error = exc
                self.status = Status.running

        async def close(self):
            if self.submit_error is None:
                await super().close()
            self.status = Status.closed

    class Cluster(base):
        job_cls = RecordingJob

    Cluster.__name__ = base.__name__
    return Cluster


def _dask_jobqueue():
    """The ``dask_jobqueue`` module, imported without the SIGINT handler (``sys.exit``) its ``runner`` module
    sets at import: that would change Ctrl-C for the whole process, and fails outside the main thread (where
    a command's cluster starts)."""
    import sys

    if "dask_jobqueue" not in sys.modules:
        import signal
        from unittest import mock

        try:
            with mock.patch.object(signal, "signal"):
                import dask_jobqueue  # noqa: F401 - imported for sys.modules
        except ImportError:
            raise SettingsError('worker jobs (--cluster) need dask-jobqueue: pip install "radcore[slurm]"') from None
    return sys.modules["dask_jobqueue"]


def _submit_error_line(error: BaseException) -> str:
    """The batch system's own words from a refused submission (dask-jobqueue's message holds its stderr)."""
    text = str(error)
    if "stderr:" in text:
        said = [line.strip().split(" error: ", 1)[-1] for line in text.split("stderr:", 1)[1].splitlines()
                if line.strip()]  # "sbatch: error: invalid partition ..." without "sbatch: error:"
        if said:
            return "; ".join(said)
    return _first_line(error)


def _first_line(error: BaseException) -> str:
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return lines[0] if lines else type(error).__name__


def _slurm_states(job_ids: list[str]) -> dict[str, tuple[str | None, str]]:
    """(state, reason) of each of ``job_ids`` in ``squeue``; (None, '') for a job no longer queued."""
    if not job_ids:
        return {}
    listed = subprocess.run(["squeue", "-h", "-j", ",".join(job_ids), "-o", "%i|%T|%r"], capture_output=True,
                            text=True, timeout=30)
    states: dict[str, tuple[str | None, str]] = {job: (None, "") for job in job_ids}
    for line in listed.stdout.splitlines():
        job, _, rest = line.partition("|")
        state, _, reason = rest.partition("|")
        if job.strip() in states:
            states[job.strip()] = (state.strip(), "" if reason.strip() == "None" else reason.strip())
    return states
