"""A command's Dask cluster (local workers, or worker jobs on SLURM or PBS), started in the background while
the command goes on.

``radcore run`` and ``radcore demo`` start (or connect to) their workers in a thread while Prefect is
imported and reached, and meanwhile have those workers ingest the run's cases, so the time a Prefect
server takes to start (its first start creates its database) is not lost; ``radcore run --cluster``
submits its worker jobs (:class:`~radcore.cohort.jobqueue.JobCluster`) in the same way.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any, Iterable

from distributed import Client, LocalCluster, wait

from radcore.cohort.cluster import LOCAL_DASHBOARD, ensure_warm, is_warm, local_cluster, local_cluster_kwargs
from radcore.cohort.jobqueue import JobCluster
from radcore.cohort.kept_workers import KeptWorkers, connect
from radcore.io.manifest import CaseEntry
from radcore.settings import Settings

log = logging.getLogger(__name__)


class BackgroundCluster:
    """A local Dask cluster (or, with ``jobs``, worker jobs of a batch system) that starts, and warms its
    workers for ``settings``, in a thread while the caller goes on; :meth:`address` waits for it to be up
    (for jobs: for a first worker). ``workers`` is how many workers it will have.

    With ``keep``, the workers are kept warm for later runs (:mod:`radcore.cohort.kept_workers`): those of
    an earlier run are used when they match, else new ones are started in a process of their own; if that
    fails, or other workers are in use by another run, the cluster is this run's own. The caller owns the
    cluster: :meth:`close` ends its own workers (kept ones stay). A failure to start is raised by
    :meth:`address`.
    """

    def __init__(self, settings: Settings, workers: int = 0, dashboard: str = LOCAL_DASHBOARD, keep: bool = False,
                 jobs: JobCluster | None = None):
        self._kwargs = local_cluster_kwargs(workers, dashboard=dashboard)
        self._settings = settings
        self._keep = keep and jobs is None
        #: the worker jobs of a batch system that are this cluster, rather than local workers
        self.jobs = jobs
        self.kept: KeptWorkers | None = None
        self._cluster: LocalCluster | None = None
        self._client: Client | None = None
        self._error: BaseException | None = None
        self._up = threading.Event()
        self._stop = threading.Event()
        self._ingesting: threading.Thread | None = None
        #: the case ids ingested ahead
        self.ingested: set[str] = set()
        self._thread = threading.Thread(target=self._start, name="radcore-cluster-start", daemon=True)
        self._thread.start()

    def _start(self) -> None:
        try:
            if self._keep:
                self._connect_kept()
            if self._client is None:
                self._cluster = self.jobs.start() if self.jobs is not None else local_cluster(**self._kwargs)
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

    @property
    def workers(self) -> int:
        return self._kwargs["n_workers"]

    def address(self) -> str:
        """The scheduler's address, once the cluster is up and the scheduler holds the warm-up of the
        workers. They may still be warming: the batches submitted meanwhile start when they are warm, and
        the flow, finding the warm-up registered, does not warm them again."""
        self._up.wait()
        while self._error is None and self._thread.is_alive():
            if is_warm(self._client, self._settings):
                break
            time.sleep(0.01)
        if self._error is not None:
            raise self._error
        return self.kept.address if self.kept is not None else self._cluster.scheduler_address

    def client_config(self) -> dict[str, Any]:
        """Dask configuration a client of this cluster needs in this process (kept workers' TLS
        credentials; nothing for a cluster of this run's own). Valid once :meth:`address` returned."""
        return self.kept.dask_config() if self.kept is not None else {}

    def ingest_ahead(self, store: str, entries: Iterable[CaseEntry]) -> None:
        """Ingest ``entries`` into ``store`` on the workers, in the background, until :meth:`stop_ingesting`:
        work the run's batches would start with, done while the caller waits for something else. The ids
        of the cases ingested are in :attr:`ingested`; a case that fails here is left to its batch, which
        ingests it again and records the failure."""
        self._ingesting = threading.Thread(target=self._ingest, args=(store, list(entries)),
                                           name="radcore-ingest-ahead", daemon=True)
        self._ingesting.start()

    def stop_ingesting(self) -> set[str]:
        """Submit no more cases, wait for the ones running; returns the ids of the cases ingested ahead."""
        self._stop.set()
        if self._ingesting is not None:
            self._ingesting.join()
        return self.ingested

    def _ingest(self, store: str, entries: list[CaseEntry]) -> None:
        from radcore.io.store import open_store

        self._up.wait()
        if self._error is not None or self._client is None or not entries:
            return
        try:
            open_store(store, create=True)
        except Exception as exc:  # noqa: BLE001 - the run's plan opens the store and says why it cannot
            log.debug("no ingest ahead: %s: %s", type(exc).__name__, exc)
            return
        waiting = iter(entries)
        running: dict[Any, CaseEntry] = {}
        in_flight = 2 * self.workers
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
                self._record(future, running.pop(future))
        wait(list(running))
        for future, entry in running.items():
            self._record(future, entry)

    def _record(self, future, entry: CaseEntry) -> None:
        if future.status == "finished" and future.result():
            self.ingested.add(entry.case_id)

    def close(self) -> None:
        """Stop ingesting ahead and end this run's own workers (kept workers stay for later runs)."""
        self.stop_ingesting()
        self._thread.join()
        for part in (self._client, self.jobs or self._cluster):
            if part is not None:
                part.close()


def _ingest_quietly(store: str, entry: CaseEntry) -> bool:
    """Ingest one case ahead of its batch; False when it fails (its batch records why)."""
    from radcore.io.store import ingest_case

    try:
        ingest_case(store, entry)
    except Exception:  # noqa: BLE001 - the batch ingests the case again and records the failure
        return False
    return True
