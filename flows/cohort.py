"""The cohort flow: plan batches, fan them out over Dask, report progress, summary, failures and QC flags.

Orchestration only; the work is :func:`radcore.cohort.worker.run_batch`. Prefect sees four task runs
(plan, extract, report, QC summary with the optional cohort report of :mod:`radcore.report`) whatever the
cohort size: the extract task fans out one plain Dask future per batch through the client of a prefect-dask
:class:`~prefect_dask.DaskTaskRunner` (a local cluster, or the scheduler at ``scheduler``), so workers never
talk to the Prefect API and a 10,000-case cohort makes a few hundred Dask tasks, not thousands of Prefect
task runs. At most :data:`QUEUED_PER_WORKER` + 1 batches per worker are submitted at a time, so the
scheduler's memory does not grow with the cohort. Per-case status lives in the dataset.

A run holds the dataset's lock for its settings (:func:`radcore.io.dataset.run_lock`): a second run of the
same settings on the same dataset waits, then finds the cases done. Before planning it clears what a
killed run left (temporary groups in the store, temporary files in the dataset).
"""

from __future__ import annotations

import os
import threading
import time
from contextlib import contextmanager
from itertools import islice
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator, Literal

from distributed import Client, as_completed
from prefect import flow, get_run_logger, task
from prefect.artifacts import (
    create_markdown_artifact, create_progress_artifact, create_table_artifact, update_progress_artifact,
)
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run
from prefect_dask import DaskTaskRunner
from pydantic import BaseModel, Field, model_validator

import radcore
from radcore.catalogue import catalogue_rows
from radcore.cohort.cluster import (
    LOCAL_DASHBOARD, ensure_warm, feature_columns, local_cluster_kwargs, local_workers, warm_up,
)
from radcore.cohort.plan import (
    Batch, auto_batch_size, cases_from_manifest, cases_from_store, metadata_columns, plan_batches,
)
from radcore.cohort.qc import QC_TYPES
from radcore.cohort.worker import BatchReport, JobSpec, failure_summaries, run_batch
from radcore.io import dataset, store as cohort_store
from radcore.io.config import load_settings, settings_with_label
from radcore.io.manifest import ALL_LABELS, ManifestProblem
from radcore.naming import check_naming
from radcore.profiles import profile_of
from radcore.provenance import versions
from radcore.settings import Settings, settings_hash, to_mapping

FAILURES_SHOWN = 500
#: set (to anything) by the ``radcore`` command when it runs the flow on a terminal: draw a progress bar
PROGRESS_BAR_ENV = "RADCORE_PROGRESS_BAR"


class CohortParameters(BaseModel):
    """A cohort run: where the cases are, the settings, where the results go. Paths are on the machine
    that runs the flow; text fields left empty are not given."""

    manifest: str = Field("", description="CSV manifest: case_id,image,mask[,label,metadata...] (or a store below)")
    store: str = Field("", description="Zarr cohort store (empty with a manifest: OUT/cohort.zarr)")
    config: str = Field("", description="settings YAML: radcore's or a PyRadiomics params file (empty: defaults)")
    out: str = Field(..., min_length=1, description="output dataset folder (required)")
    naming: Literal["native", "ibsi", "pyradiomics"] = Field("native", description="feature column names")
    workers: int = Field(0, ge=0, description="local Dask worker processes; 0: one per core (ignored with a "
                                              "scheduler)")
    scheduler: str = Field("", description="address of a running Dask scheduler, e.g. tcp://host:8786 (empty: "
                                           "a local cluster)")
    batch_size: int = Field(0, ge=0, description="cases per batch; 0 chooses from cohort size and workers")
    label: str = Field("", description="mask label of the ROI, or 'all' for every label (empty: the settings' label)")
    dashboard: str = Field(LOCAL_DASHBOARD, description="address of the local cluster's Dask dashboard; "
                                                        "0.0.0.0:8787 shows it to the network")
    qc_pictures: bool = Field(True, description="draw each ROI on its image (PNG files under OUT/qc)")
    report: bool = Field(False, description="write the cohort report (OUT/report.html) at the end of the run")

    @model_validator(mode="after")
    def _source(self) -> "CohortParameters":
        if not self.manifest and not self.store:
            raise ValueError("give a manifest, a store, or both")
        if self.label and self.label != ALL_LABELS and not self.label.lstrip("-").isdigit():
            raise ValueError(f"label must be an integer or 'all', got {self.label!r}")
        return self

    def settings(self) -> Settings:
        """The settings of ``config``, with ``label`` when given."""
        return settings_with_label(load_settings(self.config or None), self.label)

    def store_path(self) -> str:
        return self.store or str(Path(self.out) / "cohort.zarr")


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


@dataclass
class Plan:
    spec: JobSpec
    batches: list[Batch]
    skipped: int
    keys: list | None
    #: error rows of the manifest rows that cannot run (stage ``manifest``)
    manifest_errors: list[dict[str, Any]] = field(default_factory=list)


@task(name="plan cohort", cache_policy=NO_CACHE, persist_result=False)
def plan_cohort(params: CohortParameters, settings: Settings, run_token: str = "") -> Plan:
    """The cases not yet done, in batches, and every feature key the settings can give (from the registry:
    the dataset's columns); the manifest's unrunnable rows are written as errors of stage ``manifest``."""
    logger = get_run_logger()
    h = settings_hash(settings)
    keys = profile_of(settings).feature_keys(settings)
    store = params.store_path()
    for name in cohort_store.remove_leftovers(store) + dataset.remove_leftovers(params.out, h):
        logger.info("removed %s, left by a run that was killed", name)
    manifest_errors: list[dict[str, Any]] = []
    if params.manifest:
        jobs, problems = cases_from_manifest(params.manifest, settings.label, store)
        cohort_store.open_store(store, create=True)  # here, so workers ingesting their first cases never race
        manifest_errors = _manifest_errors(problems)
        dataset.write_errors(params.out, h, "manifest", manifest_errors)
    else:
        jobs = cases_from_store(store, settings.label)
    done = dataset.done_cases(params.out, h)
    n_items = sum(len(j.items) for j in jobs)
    workers = params.workers if params.scheduler else local_workers(params.workers)
    batch_size = params.batch_size or auto_batch_size(max(n_items - len(done), 1), workers)
    batches = plan_batches(jobs, h, done, batch_size)
    todo = sum(b.n_items for b in batches)
    dataset.write_settings(params.out, h, to_mapping(settings))
    dataset.write_versions(params.out, h, versions(settings))
    spec = JobSpec(
        store=store, dataset=params.out, settings=settings, settings_hash=h, naming=params.naming,
        ingest=bool(params.manifest), metadata_columns=metadata_columns(jobs),
        feature_columns=feature_columns(keys, params.naming), run_token=run_token, qc_pictures=params.qc_pictures,
    )
    logger.info("settings %s: %d cases/labels, %d already done, %d to run in %d batches of about %d; "
                "%d manifest rows cannot run", h, n_items, n_items - todo, todo, len(batches), batch_size,
                len(manifest_errors))
    return Plan(spec, batches, n_items - todo, keys, manifest_errors)


def _manifest_errors(problems: list[ManifestProblem]) -> list[dict[str, Any]]:
    now = datetime.now(timezone.utc)
    return [
        {"case_id": p.case_id, "label": p.label, "stage": "manifest", "error_type": "ManifestError",
         "reason": p.reason, "radcore_version": radcore.__version__, "attempted_at": now}
        for p in problems
    ]


def _task_runner(params: CohortParameters) -> DaskTaskRunner:
    if params.scheduler:
        return DaskTaskRunner(address=params.scheduler)
    return DaskTaskRunner(cluster_kwargs=local_cluster_kwargs(params.workers, dashboard=params.dashboard))


@contextmanager
def _warm_task_runner(params: CohortParameters, settings: Settings) -> Iterator[DaskTaskRunner]:
    """The task runner, its workers warm for ``settings`` (:func:`radcore.cohort.cluster.ensure_warm`).

    A local cluster of the flow's own is new: numba compiles (or loads its cache) here once while it starts,
    and the workers then load the compiled kernels rather than all compiling at once into one on-disk
    cache. A cluster at ``scheduler`` may be warm already (``radcore run`` starts and warms its cluster
    while Prefect starts), and is then used as it is.
    """
    if params.scheduler:
        with _task_runner(params) as runner:
            ensure_warm(runner.client, settings, compile_here=True)
            yield runner
        return
    warming = threading.Thread(target=warm_up, args=(settings,), daemon=True)
    warming.start()
    with _task_runner(params) as runner:
        warming.join()
        ensure_warm(runner.client, settings)
        yield runner


@task(name="extract batches", cache_policy=NO_CACHE, persist_result=False)
def extract_batches(plan: Plan, params: CohortParameters, summary: CohortSummary, client: Client) -> CohortSummary:
    """One Dask future per batch on ``client``; progress artifact (and bar) updated as batches finish."""
    logger = get_run_logger()
    total = sum(b.n_items for b in plan.batches)
    artifact = create_progress_artifact(0.0, key="radcore-cohort-progress",
                                        description=f"cases extracted, settings {plan.spec.settings_hash}")
    if not plan.batches:
        update_progress_artifact(artifact, 100.0)
        return summary
    bar = _ProgressBar(total) if os.environ.get(PROGRESS_BAR_ENV) else None
    catalogue = _Catalogue(plan.spec)
    summary.workers = _n_workers(client)
    start = time.perf_counter()
    waiting = iter(plan.batches)
    futures: dict[Any, Batch] = {}
    running = as_completed(loop=client.loop)

    def submit(n: int) -> None:
        for batch in islice(waiting, max(n, 0)):
            future = client.submit(run_batch, batch, plan.spec, key=f"radcore-batch-{batch.batch_id}", pure=False,
                                   retries=2)
            futures[future] = batch
            running.add(future)

    submit(_in_flight(summary.workers))
    finished, last_update, last_count = 0, 0.0, start
    for future in running:
        batch = futures.pop(future)
        try:
            report: BatchReport = future.result()
        except Exception as exc:  # noqa: BLE001 - a lost batch is recorded, the cohort goes on
            report = _lost_batch(batch, plan.spec, exc)
            logger.error("batch %s failed as a whole: %s: %s", batch.batch_id, type(exc).__name__, exc)
        future.release()
        catalogue.add(report.keys)
        _add(summary, report)
        finished += report.items
        if bar:
            bar.advance(report.items)
        now = time.perf_counter()
        if now - last_count > 10.0:  # a cluster that grows (or shrinks) gets more (or fewer) batches at once
            summary.workers, last_count = max(summary.workers, _n_workers(client)), now
        submit(_in_flight(summary.workers) - len(futures))
        if now - last_update > 1.0 or finished == total:
            update_progress_artifact(artifact, 100.0 * finished / total)
            last_update = now
    summary.fanout_seconds = time.perf_counter() - start
    if bar:
        bar.close()
    return summary


#: batches queued per worker beyond the one it runs: enough to keep it busy, few enough that the scheduler
#: holds a bounded number of tasks (each carries its batch's case list) whatever the cohort's size
QUEUED_PER_WORKER = 3


def _in_flight(workers: int) -> int:
    """How many batches to have submitted at once for ``workers`` workers."""
    return max(8, (1 + QUEUED_PER_WORKER) * workers)


def _n_workers(client: Client) -> int:
    return len(client.scheduler_info(n_workers=-1).get("workers", {}))


class _Catalogue:
    """The catalogue of a settings partition, grown from the feature keys the batches report and
    rewritten whenever a key is new (so a killed run still leaves the catalogue of what it wrote)."""

    def __init__(self, spec: JobSpec):
        self.spec = spec
        self.convention = spec.settings.profile
        self.rows = {r["column"]: r for r in dataset.read_catalogue(spec.dataset, spec.settings_hash)}

    def add(self, keys) -> None:
        new = [r for r in catalogue_rows(keys, self.spec.naming, self.convention) if r["column"] not in self.rows]
        if new:
            self.rows.update((r["column"], r) for r in new)
            dataset.write_catalogue(self.spec.dataset, self.spec.settings_hash, list(self.rows.values()))


def _lost_batch(batch: Batch, spec: JobSpec, exc: BaseException) -> BatchReport:
    """A batch whose worker died or whose files could not be written: every item failed at ``write``."""
    errors = [
        {"case_id": c, "label": None if label == ALL_LABELS else label, "stage": "write",
         "error_type": type(exc).__name__,
         "reason": str(exc) or repr(exc), "radcore_version": radcore.__version__,
         "attempted_at": datetime.now(timezone.utc)}
        for job in batch.cases for c, label in job.items
    ]
    try:
        dataset.write_errors(spec.dataset, spec.settings_hash, f"batch-{batch.batch_id}-lost", errors)
    except OSError:
        pass
    report = BatchReport(batch.batch_id, batch.n_items, failed=len(errors))
    report.failures = failure_summaries(errors)
    return report


def _add(summary: CohortSummary, report: BatchReport) -> None:
    summary.done += report.done
    summary.failed += report.failed
    summary.batches += 1
    summary.worker_seconds += report.seconds
    summary.case_seconds += report.case_seconds
    summary.peak_worker_rss_mb = max(summary.peak_worker_rss_mb, report.peak_rss_mb)
    summary.failures += report.failures


@task(name="report", cache_policy=NO_CACHE, persist_result=False)
def report_cohort(summary: CohortSummary) -> None:
    """Summary and failures tables as Prefect artifacts."""
    rate = summary.done / summary.seconds if summary.seconds > 0 else 0.0
    create_table_artifact(
        [{
            "cases done": summary.done, "failed": summary.failed, "skipped (done before)": summary.skipped,
            "seconds": round(summary.seconds, 2), "cases/s": round(rate, 3), "batches": summary.batches,
            "workers": summary.workers, "settings hash": summary.settings_hash, "dataset": summary.dataset,
        }],
        key="radcore-cohort-summary",
        description="radcore cohort run",
    )
    shown = summary.failures[:FAILURES_SHOWN]
    create_table_artifact(
        shown or [{"case_id": "", "label": "", "stage": "", "error_type": "", "reason": "no failures"}],
        key="radcore-cohort-failures",
        description=f"failed cases ({summary.failed}; first {len(shown)} shown; all in the errors dataset)",
    )


@task(name="qc summary", cache_policy=NO_CACHE, persist_result=False)
def summarise_qc(params: CohortParameters, summary: CohortSummary) -> str:
    """The cohort report when asked for, and a markdown artifact of the QC flags that says where it is."""
    from radcore.report.summary import qc_markdown

    report = None
    if params.report:
        from radcore.report import build_report

        try:
            report = build_report(params.out, settings_hash=summary.settings_hash)
        except Exception as exc:  # noqa: BLE001 - the features are written; a report that fails is logged
            get_run_logger().error("no report: %s: %s (radcore report %s tries again)", type(exc).__name__, exc,
                                   params.out)
        else:
            get_run_logger().info("report: %s (%d flagged of %d, %.1f s)", report.path, len(report.flagged),
                                  report.cases, report.seconds)
    create_markdown_artifact(qc_markdown(params.out, summary.settings_hash, report), key="radcore-cohort-qc",
                             description="QC flags of the cohort")
    return str(report.path) if report is not None else ""


@flow(name="radcore-cohort", persist_result=False, log_prints=True)
def cohort_flow(params: CohortParameters) -> CohortSummary:
    """Extract features for a cohort into a Parquet dataset (see the module docstring)."""
    start = time.perf_counter()
    logger = get_run_logger()
    settings = params.settings()
    check_naming(params.naming, settings)
    h = settings_hash(settings)

    def waiting() -> None:
        logger.warning("another run is writing settings %s to %s; waiting for it to end", h, params.out)

    with dataset.run_lock(params.out, h, waiting) as run_token:
        plan = plan_cohort(params, settings, run_token)
        summary = CohortSummary(h, params.out, skipped=plan.skipped, flow_run_id=str(flow_run.get_id() or ""))
        if plan.batches:  # a cohort already done starts no cluster
            with _warm_task_runner(params, settings) as runner:
                summary = extract_batches(plan, params, summary, runner.client)
        summary.failed += len(plan.manifest_errors)
        summary.failures = failure_summaries(plan.manifest_errors) + summary.failures
        dataset.ensure_readable(params.out, h, dataset.feature_schema(plan.spec.metadata_columns,
                                                                      plan.spec.feature_columns, QC_TYPES))
    summary.setup_seconds = time.perf_counter() - start - summary.fanout_seconds
    report_cohort(summary)
    summary.report_path = summarise_qc(params, summary)
    get_run_logger().info(
        "done %d, failed %d, skipped %d in %.1f s (%s)", summary.done, summary.failed, summary.skipped,
        summary.seconds, params.out,
    )
    return summary


class _ProgressBar:
    """A terminal progress bar over cases (rich, already a Prefect dependency)."""

    def __init__(self, total: int):
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        self._progress = Progress(TextColumn("extracting"), BarColumn(), MofNCompleteColumn(),
                                  TimeRemainingColumn(), transient=False)
        self._progress.start()
        self._task = self._progress.add_task("cases", total=total)

    def advance(self, n: int) -> None:
        self._progress.advance(self._task, n)

    def close(self) -> None:
        self._progress.stop()
