"""Dask worker set-up: one thread per worker for the numba core, and the numba warm-up.

Dask's nanny limits BLAS threads but not numba's or ITK's, so :data:`WORKER_ENV` pins them to one thread
in every worker process (set before the process starts: LocalCluster ``env=`` here,
``distributed.nanny.pre-spawn-environ`` or the job script on clusters, see ``infra/``). numba's on-disk
cache can race when many processes compile at once, so the flow compiles once in its own process while
the cluster starts (:func:`warm_up`) and each worker then loads the compiled kernels once, at start
(:class:`WarmUp`). ``radcore run`` starts its local cluster in the background, or connects to the workers
an earlier run kept warm (:class:`BackgroundCluster`, :mod:`radcore.cohort.kept_workers`); it can ingest the
manifest's cases ahead while a Prefect server starts.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from typing import Any

import dask.config
import dask.system
from distributed import Client, LocalCluster, wait
from distributed.diagnostics.plugin import WorkerPlugin

from radcore.cohort.synthetic import ct_like_case
from radcore.cohort.kept_workers import KeptWorkers, connect
from radcore.io.images import Volume
from radcore.io.manifest import CaseEntry, read_manifest
from radcore.io.store import ingest_case, open_store
from radcore.naming import FeatureKey, column_name
from radcore.settings import Settings, settings_hash

log = logging.getLogger(__name__)

WORKER_ENV = {
    "NUMBA_NUM_THREADS": "1",
    "ITK_GLOBAL_DEFAULT_NUMBER_OF_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
}

#: Dask configuration of radcore's local workers: no statistical profiler (it samples every thread's stack
#: every 10 ms, under the GIL, for the dashboard's profile page: 2-3 % of a worker's time measured here).
#: A nanny replaces each top-level section it is given, so :func:`local_cluster_kwargs` passes the whole
#: ``distributed`` section with this merged in.
WORKER_CONFIG = {"distributed": {"worker": {"profile": {"enabled": False}}}}

#: where a local cluster's dashboard listens unless told otherwise: this machine only
LOCAL_DASHBOARD = "127.0.0.1:8787"


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
    Workers do not run Dask's statistical profiler (:data:`WORKER_CONFIG`).
    """
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


#: the pixel types the warm-up compiles for: the IBSI profile computes in float64; the PyRadiomics profile
#: keeps the stored type (int16 for CT, float32 or float64 for most else), and its kernels specialise on it
#: (after int16, each further type costs a few hundredths of a second)
WARM_UP_TYPES = {"ibsi": ("float64",), "pyradiomics": ("int16", "float32", "float64")}


def warm_up(settings: Settings) -> None:
    """Compile (or load from cache) the kernels ``settings`` use on a tiny synthetic case, in each pixel
    type of :data:`WARM_UP_TYPES` (best effort: a failure is logged; the real cases report their own)."""
    from radcore.pipeline import extract_volumes

    image, mask = ct_like_case((12, 40, 40), seed=0, lesion_radius_mm=6.0)
    mask = Volume(mask.array.astype(bool), mask.spacing, mask.origin, mask.direction)
    for dtype in WARM_UP_TYPES[settings.profile]:
        typed = Volume(image.array.astype(dtype), image.spacing, image.origin, image.direction)
        try:
            extract_volumes(typed, mask, settings)
        except Exception as exc:  # noqa: BLE001 - the warm-up is best effort; real cases report their errors
            log.warning("warm-up on a synthetic %s case failed (%s: %s)", dtype, type(exc).__name__, exc)


def feature_columns(keys: list[FeatureKey] | None, naming: str) -> tuple[str, ...]:
    """Column names of ``keys`` under ``naming``."""
    return tuple(column_name(k, naming) for k in keys or ())


def warm_up_name(settings: Settings) -> str:
    """The worker plugin name of the warm-up for ``settings`` (one registration per settings)."""
    return f"radcore-warm-up-{settings_hash(settings)}"


def _plugin_names(dask_scheduler=None) -> list[str]:
    return list(dask_scheduler.worker_plugins)


def ensure_warm(client: Client, settings: Settings, compile_here: bool = False) -> None:
    """Register the warm-up for ``settings`` on the cluster's workers (present and future) unless it is
    registered already (a cluster started by :class:`BackgroundCluster`, or a run before on the same
    cluster): registering it again would run it again on every worker. With ``compile_here`` the kernels
    are first compiled in this process (:func:`warm_up`), so that the workers load them from numba's
    on-disk cache rather than all compile at once; a cluster already warm needs neither."""
    name = warm_up_name(settings)
    if name not in client.run_on_scheduler(_plugin_names):
        if compile_here:
            warm_up(settings)
        client.register_plugin(WarmUp(settings), name=name)


class BackgroundCluster:
    """A local Dask cluster that starts, and warms its workers for ``settings``, in a thread while the
    caller goes on (a command starting Prefect meanwhile); :meth:`address` waits for it to be up.

    With ``keep``, the workers are kept warm for later runs (:mod:`radcore.cohort.kept_workers`): those of
    an earlier run are used when they match, else new ones are started in a process of their own; if that
    fails, or other workers are in use by another run, the cluster is this run's own. The caller owns the
    cluster: :meth:`close` ends its own workers (kept ones stay). A failure to start is raised by
    :meth:`address`.
    """

    def __init__(self, settings: Settings, workers: int = 0, dashboard: str = LOCAL_DASHBOARD, keep: bool = False):
        self._kwargs = local_cluster_kwargs(workers, dashboard=dashboard)
        self._settings = settings
        self._keep = keep
        self.kept: KeptWorkers | None = None
        self._cluster: LocalCluster | None = None
        self._client: Client | None = None
        self._error: BaseException | None = None
        self._up = threading.Event()
        self._stop = threading.Event()
        self._ingesting: threading.Thread | None = None
        self._ingested = 0
        self._thread = threading.Thread(target=self._start, name="radcore-cluster-start", daemon=True)
        self._thread.start()

    def _start(self) -> None:
        try:
            if self._keep:
                self._connect_kept()
            if self._client is None:
                self._cluster = LocalCluster(**self._kwargs)
                self._client = Client(self._cluster)
            self._up.set()
            ensure_warm(self._client, self._settings)
        except BaseException as exc:  # noqa: BLE001 - raised again by address(), in the caller's thread
            self._error = exc
        finally:
            self._up.set()

    def _connect_kept(self) -> None:
        try:
            found = connect(self._kwargs["n_workers"], self._kwargs["dashboard_address"])
            if found is not None:
                self.kept, self._client = found
        except Exception as exc:  # noqa: BLE001 - this run then starts a cluster of its own
            log.warning("no kept workers (%s: %s); this run starts its own", type(exc).__name__, exc)
            self.kept = None

    def address(self) -> str:
        """The scheduler's address, once the cluster is up and the scheduler holds the warm-up of the
        workers. They may still be warming: the batches submitted meanwhile start when they are warm, and
        the flow, finding the warm-up registered, does not warm them again."""
        self._up.wait()
        name = warm_up_name(self._settings)
        while self._error is None and self._thread.is_alive():
            if name in self._client.run_on_scheduler(_plugin_names):
                break
            time.sleep(0.01)
        if self._error is not None:
            raise self._error
        return self.kept.address if self.kept is not None else self._cluster.scheduler_address

    def client_config(self) -> dict[str, Any]:
        """Dask configuration a client of this cluster needs in this process (kept workers' TLS
        credentials; nothing for a cluster of this run's own). Valid once :meth:`address` returned."""
        return self.kept.dask_config() if self.kept is not None else {}

    def ingest_ahead(self, manifest: str, store: str, done: set[str] = frozenset()) -> None:
        """Ingest the cases of ``manifest`` (but those in ``done``) into ``store`` on the workers, in the
        background, until :meth:`stop_ingesting`: work the run's batches would start with, done while the
        caller waits for something else (a Prefect server creating its database). The batches then find
        those cases ingested (``ingest_case`` answers "unchanged"). A case that fails here is left to its
        batch, which ingests it again and records the failure."""
        self._ingesting = threading.Thread(target=self._ingest, args=(manifest, store, set(done)),
                                           name="radcore-ingest-ahead", daemon=True)
        self._ingesting.start()

    def stop_ingesting(self) -> int:
        """Submit no more cases, wait for the ones running; returns how many were ingested ahead."""
        self._stop.set()
        if self._ingesting is not None:
            self._ingesting.join()
        return self._ingested

    def _ingest(self, manifest: str, store: str, done: set[str]) -> None:
        self._up.wait()
        if self._error is not None or self._client is None:
            return
        try:
            entries = [e for e in read_manifest(manifest).entries if e.case_id not in done]
            open_store(store, create=True)
        except Exception as exc:  # noqa: BLE001 - the flow reads the manifest and opens the store itself
            log.debug("no ingest ahead: %s: %s", type(exc).__name__, exc)
            return
        waiting = iter(entries)
        running = {}
        in_flight = 2 * self._kwargs["n_workers"]
        while not self._stop.is_set():
            for entry in waiting:
                running[self._client.submit(_ingest_quietly, store, entry, pure=False,
                                            key=f"radcore-ingest-ahead-{entry.case_id}")] = entry
                if len(running) >= in_flight:
                    break
            if not running:
                return
            try:
                finished = wait(list(running), timeout=0.2, return_when="FIRST_COMPLETED").done
            except TimeoutError:
                continue
            for future in finished:
                del running[future]
                self._ingested += _succeeded(future)
        wait(list(running))
        self._ingested += sum(_succeeded(f) for f in running)

    def close(self) -> None:
        """Stop ingesting ahead and end this run's own workers (kept workers stay for later runs)."""
        self.stop_ingesting()
        self._thread.join()
        for part in (self._client, self._cluster):
            if part is not None:
                part.close()


def _succeeded(future) -> bool:
    return future.status == "finished" and bool(future.result())


def _ingest_quietly(store: str, entry: CaseEntry) -> bool:
    """Ingest one case ahead of its batch; False when it fails (its batch records why)."""
    try:
        ingest_case(store, entry)
    except Exception:  # noqa: BLE001 - the batch ingests the case again and records the failure
        return False
    return True


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
        warm_up(self.settings)
        _warm_batch_io()


def _warm_batch_io() -> None:
    """Load what a batch needs besides the kernels (the worker module and Parquet writing, the QC picture's
    drawing) now rather than in the worker's first case, where it took about 0.5 s (best effort)."""
    import importlib
    import tempfile

    from radcore.io.qc_pictures import write_picture

    importlib.import_module("radcore.cohort.worker")  # what run_batch imports: the store, Parquet writing
    image, mask = ct_like_case((12, 40, 40), seed=0, lesion_radius_mm=6.0)
    with tempfile.TemporaryDirectory(prefix="radcore-warm-up-") as folder:
        try:
            write_picture(os.path.join(folder, "warm-up.png"), image.array, mask.array > 0, image.spacing, "CT")
        except Exception as exc:  # noqa: BLE001 - best effort, as the warm-up; real cases report their own
            log.warning("warm-up QC picture failed (%s: %s)", type(exc).__name__, exc)
