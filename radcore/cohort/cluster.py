"""Dask worker set-up: one thread per worker for the numba core, and the numba warm-up.

Dask's nanny limits BLAS threads but not numba's or ITK's, so :data:`WORKER_ENV` pins them to one thread
in every worker process, and sets glibc's allocator to reuse a case's arrays (:data:`WORKER_MALLOC`). It
is set before the process starts (the allocator's part as the nanny's ``distributed.nanny.pre-spawn-environ``
in a local cluster here, :func:`local_cluster`), in the job script of worker jobs on SLURM or PBS in
:mod:`radcore.cohort.jobqueue`, in the worker's environment elsewhere (see ``infra/``). numba's on-disk
cache can race when many processes compile at once, so the flow compiles once in its own process while
the cluster starts (:func:`warm_up`) and each worker then loads the compiled kernels once, at start
(:class:`WarmUp`). A command's local cluster starts in the background
(:class:`radcore.cohort.background.BackgroundCluster`) or is the workers an earlier run kept warm
(:mod:`radcore.cohort.kept_workers`).
"""

from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING, Any

import dask.config
import dask.system
from distributed import Client
from distributed.diagnostics.plugin import WorkerPlugin

from radcore.cohort.parameters import DASHBOARD_OFF, LOCAL_DASHBOARD
from radcore.naming import FeatureKey, column_name
from radcore.settings import Settings, settings_hash

if TYPE_CHECKING:
    from radcore.io.images import Volume

log = logging.getLogger(__name__)

#: glibc's allocator in a worker process: one arena (the heap, not a 64 MB arena per thread) from which
#: arrays of up to 1 GiB are taken and to which they return, kept for the next case rather than given back
#: to the system at once. Dask's nanny sets ``MALLOC_TRIM_THRESHOLD_=65536`` instead, so that idle workers
#: give memory back; with a case's many temporary arrays of 1-600 MB, every one was then a fresh mapping
#: whose pages the kernel zeroes. 20 realistic CTs extracted on a thread other than the main one took 27-30
#: CPU-seconds so, 12 with these and 17-23 with glibc's defaults; the two workers of a kept 20-case run used
#: 47 CPU-seconds, now 20. A worker then holds the memory of its largest case between cases (about 0.75 GB
#: in all after CTs of 512 x 512 x 300, against 0.4 GB before its first case).
WORKER_MALLOC = {
    "MALLOC_ARENA_MAX": "1",
    "MALLOC_MMAP_THRESHOLD_": str(2**30),
    "MALLOC_TRIM_THRESHOLD_": str(2**30),
}

WORKER_ENV = {
    "NUMBA_NUM_THREADS": "1",
    "ITK_GLOBAL_DEFAULT_NUMBER_OF_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    **WORKER_MALLOC,
}

#: Dask configuration of radcore's local workers: no statistical profiler (it samples every thread's stack
#: every 10 ms, under the GIL, for the dashboard's profile page: 2-3 % of a worker's time measured here).
#: A nanny replaces each top-level section it is given, so :func:`local_cluster_kwargs` passes the whole
#: ``distributed`` section with this merged in.
WORKER_CONFIG = {"distributed": {"worker": {"profile": {"enabled": False}}}}



def local_workers(workers: int = 0) -> int:
    """``workers``, or with 0 one per core this machine (or the job's allocation: CPU affinity, cgroup
    quota) gives, as Dask's own local cluster counts them."""
    if workers < 0:
        raise ValueError(f"workers must be >= 0 (0: one per core), got {workers}")
    return workers or dask.system.CPU_COUNT


def local_cluster_kwargs(
    workers: int = 0, memory_limit: str | None = "auto", dashboard: str = LOCAL_DASHBOARD
) -> dict[str, Any]:
    """Keyword arguments of a ``distributed.LocalCluster`` for radcore: processes, one thread each;
    ``workers`` 0 gives one per core (:func:`local_workers`).

    The scheduler and workers listen on 127.0.0.1 only, the dashboard on ``dashboard`` (this machine
    only by default; ``0.0.0.0:8787`` shows it to the network; a taken port is replaced by a free one).
    ``dashboard="off"`` (:data:`~radcore.cohort.parameters.DASHBOARD_OFF`) starts none: the scheduler's
    HTTP server then answers ``/health`` only (no page shows workers, tasks or case ids); start such a
    cluster with :func:`local_cluster`. Workers do not run Dask's statistical profiler (:data:`WORKER_CONFIG`).
    """
    if dashboard == DASHBOARD_OFF:
        return {**local_cluster_kwargs(workers, memory_limit), "dashboard_address": "127.0.0.1:0",
                "scheduler_kwargs": {"dashboard": False}, "http_routes": list(HEALTH_ONLY)}
    return {
        "n_workers": local_workers(workers),
        "threads_per_worker": 1,
        "processes": True,
        "host": "127.0.0.1",
        "dashboard_address": dashboard or LOCAL_DASHBOARD,
        "env": dict(WORKER_ENV),
        "config": {"distributed": dask.config.merge(dask.config.get("distributed"), WORKER_CONFIG["distributed"])},
        "memory_limit": memory_limit,
    }


#: the scheduler's HTTP routes with the dashboard off: its health check only
HEALTH_ONLY = ("distributed.http.health",)


def local_cluster(**kwargs):
    """A ``distributed.LocalCluster`` of :func:`local_cluster_kwargs`: their ``http_routes`` (the dashboard
    off) are the scheduler's only HTTP routes, and the allocator's variables of their ``env``
    (:data:`WORKER_MALLOC`) are set before each worker process starts (they have no effect later), over
    Dask's own (``MALLOC_TRIM_THRESHOLD_``); the others, as ``env=`` sets them, when it runs. As Dask does, an
    allocator variable this process's environment has already is kept: that is how to set another value.
    (The nanny also sets its pre-spawn variables in this process: harmless for the allocator's, which glibc
    reads at a process's start, but numba's thread count may not change once its threads run.)"""
    from distributed import LocalCluster

    routes = kwargs.pop("http_routes", None)
    # only the allocator's: the nanny sets these in this process too, where numba's threads may run already
    spawn = {**dask.config.get("distributed.nanny.pre-spawn-environ"),
             **{name: value for name, value in kwargs.get("env", {}).items() if name in WORKER_MALLOC}}
    with dask.config.set({"distributed.nanny.pre-spawn-environ": spawn,
                          **({"distributed.scheduler.http.routes": routes} if routes is not None else {})}):
        return LocalCluster(**kwargs)


#: the pixel types the warm-up compiles for: the IBSI profile computes in float64; the PyRadiomics profile
#: keeps the stored type (int16 for CT, float32 or float64 for most else), and its kernels specialise on it
#: (after int16, each further type costs a few hundredths of a second)
WARM_UP_TYPES = {"ibsi": ("float64",), "pyradiomics": ("int16", "float32", "float64")}


def warm_up(settings: Settings) -> None:
    """Compile (or load from cache) the kernels ``settings`` use on a tiny synthetic case, in each pixel
    type of :data:`WARM_UP_TYPES` (best effort: a failure is logged; the real cases report their own)."""
    from radcore.cohort.synthetic import ct_like_case
    from radcore.io.images import Volume
    from radcore.pipeline import extract_volumes

    image, mask = ct_like_case((12, 40, 40), seed=0, lesion_radius_mm=6.0)
    mask = Volume(mask.array.astype(bool), mask.spacing, mask.origin, mask.direction)
    for dtype in WARM_UP_TYPES[settings.profile]:
        typed = Volume(image.array.astype(dtype), image.spacing, image.origin, image.direction)
        try:
            extract_volumes(typed, mask, settings)
        except Exception as exc:  # noqa: BLE001 - the warm-up is best effort; real cases report their errors
            log.warning("warm-up on a synthetic %s case failed (%s: %s)", dtype, type(exc).__name__, exc)
    if settings.perturbation is not None:
        _warm_perturbations(image, mask, settings)


def _warm_perturbations(image: Volume, mask: Volume, settings: Settings) -> None:
    """The kernels of a robustness run's perturbations (rotation, supervoxels), on the synthetic case."""
    import dataclasses

    from radcore.io.images import Volume
    from radcore.robustness.perturb import Version, perturb

    p = dataclasses.replace(settings.perturbation, interpolate=True)
    warm = Version(rotation=10.0, translation=(0.25, 0.25, 0.25), adaptation=0.1,
                   contour=1 if p.contour_randomisations else 0)
    try:
        perturb(Volume(image.array.astype("float64"), image.spacing), mask, warm, p, "warm-up")
    except Exception as exc:  # noqa: BLE001 - best effort, as above
        log.warning("warm-up of the perturbations failed (%s: %s)", type(exc).__name__, exc)


def feature_columns(keys: list[FeatureKey] | None, naming: str) -> tuple[str, ...]:
    """Column names of ``keys`` under ``naming``."""
    return tuple(column_name(k, naming) for k in keys or ())


def warm_up_name(settings: Settings) -> str:
    """The worker plugin name of the warm-up for ``settings`` (one registration per settings)."""
    return f"radcore-warm-up-{settings_hash(settings)}"


def _plugin_names(dask_scheduler=None) -> list[str]:
    return list(dask_scheduler.worker_plugins)


def is_warm(client: Client, settings: Settings) -> bool:
    """Whether the cluster's scheduler holds the warm-up of ``settings`` (its workers load it, present and
    future)."""
    return warm_up_name(settings) in client.run_on_scheduler(_plugin_names)


def ensure_warm(client: Client, settings: Settings, compile_here: bool = False) -> None:
    """Register the warm-up for ``settings`` on the cluster's workers (present and future) unless it is
    registered already (a cluster a command started in the background, or a run before on the same
    cluster): registering it again would run it again on every worker. With ``compile_here`` the kernels
    are first compiled in this process (:func:`warm_up`), so that the workers load them from numba's
    on-disk cache rather than all compile at once; a cluster already warm needs neither."""
    if not is_warm(client, settings):
        if compile_here:
            warm_up(settings)
        client.register_plugin(WarmUp(settings), name=warm_up_name(settings))


class WarmUp(WorkerPlugin):
    """Worker plugin: load the numba kernels and a batch's I/O once per worker, and warn if threads are not
    pinned."""

    name = "radcore-warm-up"

    def __init__(self, settings: Settings):
        self.settings = settings

    def setup(self, worker) -> None:
        unpinned = [k for k in ("NUMBA_NUM_THREADS", "ITK_GLOBAL_DEFAULT_NUMBER_OF_THREADS")
                    if os.environ.get(k) != "1"]
        if unpinned:
            log.warning("worker %s: %s not set to 1; numba/ITK may oversubscribe the cores (see infra/)",
                        worker.address, ", ".join(unpinned))
        allocator = [f"{k}={os.environ.get(k)}" for k, v in WORKER_MALLOC.items() if os.environ.get(k) != v]
        if allocator:
            log.warning("worker %s: %s, not as radcore's workers set them: each case may take up to twice the "
                        "CPU time (see docs/clusters.md)", worker.address, ", ".join(allocator))
        warm_up(self.settings)
        _warm_batch_io()


def _warm_batch_io() -> None:
    """Load what a batch needs besides the kernels (the worker module and Parquet writing, the QC picture's
    drawing) now rather than in the worker's first case, where it took about 0.5 s (best effort)."""
    import importlib
    import tempfile

    from radcore.cohort.synthetic import ct_like_case
    from radcore.io.qc_pictures import write_picture

    importlib.import_module("radcore.cohort.worker")  # what run_batch imports: the store, Parquet writing
    image, mask = ct_like_case((12, 40, 40), seed=0, lesion_radius_mm=6.0)
    with tempfile.TemporaryDirectory(prefix="radcore-warm-up-") as folder:
        try:
            write_picture(os.path.join(folder, "warm-up.png"), image.array, mask.array > 0, image.spacing, "CT")
        except Exception as exc:  # noqa: BLE001 - best effort, as the warm-up; real cases report their own
            log.warning("warm-up QC picture failed (%s: %s)", type(exc).__name__, exc)
