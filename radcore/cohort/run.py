"""One cohort run, owned by one object from its parameters to its last batch.

:class:`CohortRun` reads and checks a run's inputs once, when it is made, before any cluster or Prefect
starts: the settings and naming, the output folder, and the manifest (its columns and rows, read here and
nowhere else) or the store. A bad one raises a :class:`~radcore.errors.RadcoreError` that names it. Then,
in the order a run takes them:

- :meth:`CohortRun.done`, :meth:`CohortRun.may_have_work` and :meth:`CohortRun.already_done`: what the
  dataset holds already, so a cohort that is done starts no cluster, and from the command line no flow;
- :meth:`CohortRun.ingest_ahead`: the manifest's cases ingested on a cluster that is starting, while the
  caller waits for something else (a Prefect server's start); their batches do not ingest them again;
- :meth:`CohortRun.locked` and :meth:`CohortRun.plan`: under the dataset's lock for the settings, what a
  killed run left is cleared, the manifest's unrunnable rows are written as errors, and the cases not yet
  done are cut into batches;
- :meth:`CohortRun.extract`: the batches fanned out over a Dask client, at most :data:`QUEUED_PER_WORKER`
  + 1 per worker at a time (the scheduler's memory does not grow with the cohort), a lost batch recorded
  as failed, the catalogue grown as batches report their features;
- :meth:`CohortRun.finish`: the dataset readable by DuckDB and pandas however the run ended.

The command line (``radcore run``) and the Prefect flow (``radcore_flows.cohort``) are two faces over it:
the command makes the run, starts its cluster and ingests ahead, then launches the flow, which takes the
same run over (:func:`handed_over`, :func:`run_for`) rather than read the inputs again; a flow launched
from the Prefect UI makes its own.
"""

from __future__ import annotations

import logging
import os
import time
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any, Callable, Iterator

from radcore.cohort.failures import error_row, failure_summaries
from radcore.cohort.parameters import CohortParameters
from radcore.cohort.plan import (
    Batch, auto_batch_size, cases_from_manifest, cases_from_store, metadata_columns, plan_batches,
)
from radcore.cohort.security import check_scheduler_tls
from radcore.errors import DatasetError, SettingsError
from radcore.io import remote
from radcore.io.manifest import ALL_LABELS, Manifest, read_manifest
from radcore.naming import check_naming
from radcore.settings import Settings, settings_hash

log = logging.getLogger(__name__)

#: batches queued per worker beyond the one it runs: enough to keep it busy, few enough that the scheduler
#: holds a bounded number of tasks (each carries its batch's case list) whatever the cohort's size
QUEUED_PER_WORKER = 3

#: called as batches finish with ((case, label, version) units finished, units in all, the summary so far)
Progress = Callable[[int, int, "CohortSummary"], None]


@dataclass
class CohortSummary:
    """What a run did, with timings: ``fanout_seconds`` is submission to last result; ``worker_seconds``
    the sum of in-worker batch times (reading, extraction, writing)."""

    settings_hash: str
    dataset: str
    done: int = 0
    failed: int = 0
    skipped: int = 0
    batches: int = 0
    setup_seconds: float = 0.0
    fanout_seconds: float = 0.0
    worker_seconds: float = 0.0
    case_seconds: float = 0.0
    peak_worker_rss_mb: float = 0.0
    workers: int = 0
    flow_run_id: str = ""
    failures: list[dict[str, Any]] = field(default_factory=list)
    #: the cohort report written at the end of the run ("" when none)
    report_path: str = ""

    @property
    def seconds(self) -> float:
        return self.setup_seconds + self.fanout_seconds

    def add(self, report) -> None:
        """Count one batch's :class:`~radcore.cohort.worker.BatchReport`."""
        self.done += report.done
        self.failed += report.failed
        self.batches += 1
        self.worker_seconds += report.seconds
        self.case_seconds += report.case_seconds
        self.peak_worker_rss_mb = max(self.peak_worker_rss_mb, report.peak_rss_mb)
        self.failures += report.failures


@dataclass
class Plan:
    """The batches of a run, what they need besides their cases, and what planning found."""

    spec: Any  # radcore.cohort.worker.JobSpec
    batches: list[Batch]
    #: (case, label) items done before this run
    skipped: int
    #: error rows of the manifest rows that cannot run (stage ``manifest``), written already
    manifest_errors: list[dict[str, Any]] = field(default_factory=list)
    #: what a killed run had left and planning removed
    removed: list[str] = field(default_factory=list)
    batch_size: int = 0
    #: versions of each (case, label): the perturbed versions of a robustness run, else 1
    versions: int = 1

    @property
    def items(self) -> int:
        return sum(b.n_items for b in self.batches)

    @property
    def units(self) -> int:
        """The (case, label, version) units to run: what progress counts."""
        return self.items * self.versions


class CohortRun:
    """One cohort run (see the module docstring). Paths are made absolute: workers kept from another run
    work in another folder."""

    def __init__(self, params: CohortParameters):
        check_output_folder(params.out)  # as given: a blank one is not made a folder named blank below
        check_scheduler_tls(params.scheduler)
        absolute = {k: os.path.abspath(getattr(params, k)) for k in ("manifest", "store", "out", "config")
                    if getattr(params, k) and not remote.is_url(getattr(params, k))}
        self.params = params.model_copy(update=absolute)
        self.settings: Settings = self.params.settings()
        check_naming(self.params.naming, self.settings)
        if self.params.maps:
            check_maps(self.settings, self.params.map_picture, self.params.naming)
        self.settings_hash = settings_hash(self.settings)
        self.store = self.params.store_path()
        self.manifest: Manifest | None = read_manifest(self.params.manifest) if self.params.manifest else None
        if self.manifest is None:
            from radcore.io.store import open_store

            open_store(self.store)
        #: ids of the cases ingested ahead in this run (their batches read them as stored)
        self.ingested: set[str] = set()
        #: show the extraction's progress on standard error (the command line's run)
        self.show_progress = False

    # ------------------------------------------------------------ before the cluster

    def done(self) -> set[tuple[str, int]]:
        """The (case, label) items the dataset holds for these settings."""
        from radcore.io.dataset import done_cases

        out = self.params.out
        return done_cases(out, self.settings_hash) if remote.is_url(out) or Path(out).exists() else set()

    def may_have_work(self, done: set[tuple[str, int]]) -> bool:
        """Whether any case may be left to do, judged from the manifest or store without reading images: a
        cohort already done should not wait for a cluster. A wrong guess costs only time (the flow starts
        a cluster of its own when it finds work)."""
        if not done:
            return True
        if self.params.maps:
            from radcore.io.maps import mapped_items

            if done - mapped_items(self.params.out, self.settings_hash, done):
                return True
        if self.manifest is None:
            from radcore.io.store import list_cases

            return bool(set(list_cases(self.store)) - {case for case, _ in done})
        default = self.settings.label
        for entry in self.manifest.entries:
            labels = entry.labels or entry.roi_labels or (ALL_LABELS if default == ALL_LABELS else (int(default),))
            if labels == ALL_LABELS:
                if not any(case == entry.case_id for case, _ in done):
                    return True
            elif any((entry.case_id, label) not in done for label in labels):
                return True
        return False

    def already_done(self, done: set[tuple[str, int]]) -> CohortSummary | None:
        """The summary of a run with nothing left to do, made without a cluster or a flow run: every case of
        the manifest or store is in the dataset (whose batches carry its catalogue, written as they landed)
        and the report, when asked for, is there. None when a run has something to do."""
        if not done or self.may_have_work(done) or (self.params.report and not _exists(
                remote.join(self.params.out, "report.html"))):
            return None
        problems = self.manifest.problems if self.manifest is not None else []
        failures = failure_summaries([error_row(p.case_id, p.label, "manifest", p.reason) for p in problems])
        return CohortSummary(self.settings_hash, self.params.out, failed=len(problems), skipped=len(done),
                             failures=failures)

    def ingest_ahead(self, cluster, done: set[tuple[str, int]]) -> None:
        """Have ``cluster`` (a :class:`~radcore.cohort.background.BackgroundCluster`) ingest the manifest's
        cases not yet done while the caller waits; :meth:`stop_ingesting` collects which were."""
        if self.manifest is not None:
            finished = {case for case, _ in done}
            cluster.ingest_ahead(self.store, (e for e in self.manifest.entries if e.case_id not in finished))

    def stop_ingesting(self, cluster) -> int:
        """Stop ``cluster`` ingesting ahead; returns how many cases it ingested."""
        self.ingested |= cluster.stop_ingesting()
        return len(self.ingested)

    def use_scheduler(self, address: str) -> None:
        """Run the batches on the cluster at ``address`` (a command's own, started in the background)."""
        self.params = self.params.model_copy(update={"scheduler": address})

    # ------------------------------------------------------------ the run

    @contextmanager
    def locked(self, waiting: Callable[[], None] | None = None) -> Iterator[str]:
        """Hold the dataset's lock for these settings (:func:`radcore.io.dataset.run_lock`); yields the
        run's token. ``waiting`` is called once if another run holds it."""
        from radcore.io.dataset import run_lock

        with run_lock(self.params.out, self.settings_hash, waiting) as token:
            yield token

    def plan(self, run_token: str = "", workers: int = 0) -> Plan:
        """Clear what a killed run left, write the manifest's unrunnable rows as errors of stage
        ``manifest`` and the settings and versions of the partition, and cut the cases not yet done into
        batches for ``workers`` workers (0: those of the parameters' worker jobs, else their ``workers``, else
        one per local core: the batch size is a guess that keeps every worker busy to the end)."""
        from radcore.cohort.cluster import feature_columns, local_workers
        from radcore.cohort.jobqueue import job_workers
        from radcore.cohort.worker import JobSpec
        from radcore.io import dataset, store as cohort_store
        from radcore.profiles import profile_of
        from radcore.provenance import versions
        from radcore.settings import to_mapping

        params, h = self.params, self.settings_hash
        removed = [str(p) for p in cohort_store.remove_leftovers(self.store) + dataset.remove_leftovers(params.out, h)]
        manifest_errors: list[dict[str, Any]] = []
        if self.manifest is not None:
            cohort_store.open_store(self.store, create=True)  # here, so workers ingesting their first cases never race
            jobs = cases_from_manifest(self.manifest, self.settings.label, self.store, self.ingested)
            manifest_errors = [error_row(p.case_id, p.label, "manifest", p.reason) for p in self.manifest.problems]
            dataset.write_errors(params.out, h, "manifest", manifest_errors)
        else:
            jobs = cases_from_store(self.store, self.settings.label)
        done = dataset.done_cases(params.out, h)
        unmapped: set[tuple[str, int]] = set()
        if params.maps:  # items done by a run without --maps (or whose maps were cut short) get their maps
            from radcore.io.maps import mapped_items

            unmapped = done - mapped_items(params.out, h, done)
        n_items = sum(len(j.items) for j in jobs)
        workers = workers or (job_workers(params) if params.cluster else local_workers(params.workers))
        n_versions = 1
        if self.settings.perturbation is not None:
            from radcore.robustness.perturb import versions as perturbed_versions

            n_versions = len(perturbed_versions(self.settings.perturbation))
        # batches sized in (case, label, version) units, so a robustness run's batches take as long as others
        batch_size = params.batch_size or max(1, auto_batch_size(max(n_items - len(done), 1) * n_versions, workers)
                                              // n_versions)
        batches = plan_batches(jobs, h, done, batch_size, unmapped)
        dataset.write_settings(params.out, h, to_mapping(self.settings))
        dataset.write_versions(params.out, h, versions(self.settings))
        keys = profile_of(self.settings).feature_keys(self.settings)
        spec = JobSpec(
            store=self.store, dataset=params.out, settings=self.settings, settings_hash=h, naming=params.naming,
            ingest=self.manifest is not None, metadata_columns=metadata_columns(jobs),
            feature_columns=feature_columns(keys, params.naming), run_token=run_token, qc_pictures=params.qc_pictures,
            maps=params.maps, map_picture=params.map_picture,
        )
        dataset.register_batches(params.out, h, run_token, [f"batch-{b.batch_id}" for b in batches],
                                 self.schema(spec))
        todo = sum(b.n_items for b in batches)
        return Plan(spec, batches, n_items - todo, manifest_errors, removed, batch_size, n_versions)

    def extract(self, plan: Plan, client, progress: Progress | None = None) -> CohortSummary:
        """Run ``plan``'s batches on ``client`` (one Dask future each) and count what they did; a batch lost
        as a whole (its worker died, its files could not be written) becomes error rows of stage ``write``."""
        from distributed import as_completed

        from radcore.cohort.worker import run_batch

        summary = CohortSummary(self.settings_hash, self.params.out, skipped=plan.skipped)
        if not plan.batches:
            return summary
        total = plan.units
        catalogue = _Catalogue(plan.spec)
        summary.workers = _n_workers(client)
        start = time.perf_counter()
        waiting = iter(plan.batches)
        futures: dict[Any, Batch] = {}
        running = as_completed(loop=client.loop)

        def submit(n: int) -> None:
            for batch in islice(waiting, max(n, 0)):
                future = client.submit(run_batch, batch, plan.spec, key=f"radcore-batch-{batch.batch_id}",
                                       pure=False, retries=2)
                futures[future] = batch
                running.add(future)

        submit(_in_flight(summary.workers))
        finished, last_count = 0, start
        for future in running:
            batch = futures.pop(future)
            try:
                report = future.result()
            except Exception as exc:  # noqa: BLE001 - a lost batch is recorded, the cohort goes on
                report = _lost_batch(batch, plan.spec, exc)
            future.release()
            catalogue.add(report.keys)
            summary.add(report)
            finished += report.items * plan.versions
            now = time.perf_counter()
            if now - last_count > 10.0:  # a cluster that grows (or shrinks) gets more (or fewer) batches at once
                summary.workers, last_count = max(summary.workers, _n_workers(client)), now
            submit(_in_flight(summary.workers) - len(futures))
            if progress is not None:
                progress(finished, total, summary)
        summary.fanout_seconds = time.perf_counter() - start
        return summary

    def finish(self, plan: Plan, summary: CohortSummary) -> None:
        """Count the manifest's unrunnable rows as failures and leave both partitions readable."""
        from radcore.io import dataset

        summary.failed += len(plan.manifest_errors)
        summary.failures = failure_summaries(plan.manifest_errors) + summary.failures
        dataset.ensure_readable(self.params.out, self.settings_hash, self.schema(plan.spec))

    def schema(self, spec) -> Any:
        """The canonical schema of this run's features files (:func:`radcore.io.dataset.feature_schema`)."""
        from radcore.cohort.qc import QC_TYPES
        from radcore.io import dataset

        return dataset.feature_schema(spec.metadata_columns, spec.feature_columns, QC_TYPES,
                                      perturbed=self.settings.perturbation is not None)


def check_maps(settings: Settings, picture: str = "", naming: str = "native") -> None:
    """Raise :class:`SettingsError` unless ``settings`` can make voxel maps (their families or classes
    without maps give features only), before any case runs."""
    from radcore.naming import column_name
    from radcore.profiles import profile_of

    profile = profile_of(settings)
    mapped = profile.check_maps(settings, skip_unmapped=True)
    if picture:
        names = [column_name(k, naming) for k in profile.feature_keys(settings) if k.family in mapped]
        if picture not in names:
            raise SettingsError(f"--map {picture!r} is not one of the maps these settings make (naming {naming!r}): "
                                f"{names[:4]}{' ...' if len(names) > 4 else ''}")


def _exists(location) -> bool:
    try:
        remote.read_bytes(location)
    except FileNotFoundError:
        return False
    return True


def check_output_folder(out: str, option: str = "--out") -> None:
    """Raise :class:`DatasetError` unless ``out`` (given as ``option``) is a folder or can be made one;
    creates nothing."""
    if not out.strip():
        raise DatasetError(f"{option} {out!r} is blank; give the output dataset folder")
    if remote.is_url(out):
        from radcore.io.object_dataset import Location

        loc = Location(out)
        loc.call(loc.root, loc.fs.ls, loc.root.split("/", 1)[0])  # the bucket is there and opens

        return
    path = Path(out)
    if path.exists() and not path.is_dir():
        raise DatasetError(f"{option} {out!r} is a file; give a folder (it is created if missing)")
    parent = path
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir():
        raise DatasetError(f"{option} {out!r} cannot be a folder: {str(parent)!r} is a file")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise DatasetError(f"{option} {out!r}: no permission to write in {str(parent)!r}")


# ---------------------------------------------------------------- the command's run handed to the flow

_HANDED: ContextVar[CohortRun | None] = ContextVar("radcore_cohort_run", default=None)


@contextmanager
def handed_over(run: CohortRun) -> Iterator[None]:
    """While the command line runs the flow for ``run``: :func:`run_for` gives the flow this run."""
    token = _HANDED.set(run)
    try:
        yield
    finally:
        _HANDED.reset(token)


def run_for(params: CohortParameters) -> CohortRun:
    """The run the command line handed over for ``params``, else a new one (a flow launched elsewhere)."""
    run = _HANDED.get()
    return run if run is not None and run.params == params else CohortRun(params)


# ---------------------------------------------------------------- fan-out helpers


def _in_flight(workers: int) -> int:
    """How many batches to have submitted at once for ``workers`` workers."""
    return max(8, (1 + QUEUED_PER_WORKER) * workers)


def _n_workers(client) -> int:
    return len(client.scheduler_info(n_workers=-1).get("workers", {}))


class _Catalogue:
    """The catalogue of a settings partition, grown from the feature keys the batches report and
    rewritten whenever a key is new (so a killed run still leaves the catalogue of what it wrote)."""

    def __init__(self, spec):
        from radcore.io import dataset

        self.spec = spec
        self.rows = {r["column"]: r for r in dataset.read_catalogue(spec.dataset, spec.settings_hash)}

    def add(self, keys) -> None:
        from radcore.catalogue import catalogue_rows
        from radcore.io import dataset

        new = [r for r in catalogue_rows(keys, self.spec.naming, self.spec.settings.profile, self.spec.maps)
               if r["column"] not in self.rows]
        if new:
            self.rows.update((r["column"], r) for r in new)
            dataset.write_catalogue(self.spec.dataset, self.spec.settings_hash, list(self.rows.values()))


def _lost_batch(batch: Batch, spec, exc: BaseException):
    """A batch whose worker died or whose files could not be written: every item failed at ``write``."""
    from radcore.cohort.worker import BatchReport
    from radcore.io import dataset

    log.error("batch %s failed as a whole: %s: %s", batch.batch_id, type(exc).__name__, exc)
    errors = [error_row(case, None if label == ALL_LABELS else label, "write", exc)
              for job in batch.cases for case, label in job.items]
    try:
        dataset.write_errors(spec.dataset, spec.settings_hash, f"batch-{batch.batch_id}-lost", errors)
    except OSError:
        pass
    report = BatchReport(batch.batch_id, batch.n_items, failed=len(errors))
    report.failures = failure_summaries(errors)
    return report
