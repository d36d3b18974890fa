"""The cohort flow: plan batches, fan them out over Dask, report progress, summary and failures.

Orchestration only; the work is :func:`radcore.cohort.worker.run_batch`. Prefect sees three task runs
(plan, extract, report) whatever the cohort size: the extract task fans out one plain Dask future per
batch through the client of a prefect-dask :class:`~prefect_dask.DaskTaskRunner` (a local cluster, or the
scheduler at ``scheduler``), so workers never talk to the Prefect API and a 10,000-case cohort makes a few
hundred Dask tasks, not thousands of Prefect task runs. Per-case status lives in the dataset.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from distributed import Client, as_completed
from prefect import flow, get_run_logger, task
from prefect.artifacts import create_progress_artifact, create_table_artifact, update_progress_artifact
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run
from prefect_dask import DaskTaskRunner
from pydantic import BaseModel, Field, model_validator

from radcore.cohort.cluster import WarmUp, catalogue_rows, feature_columns, local_cluster_kwargs, warm_up
from radcore.cohort.plan import (
    Batch, CaseJob, auto_batch_size, cases_from_manifest, cases_from_store, metadata_columns, plan_batches,
)
from radcore.cohort.worker import BatchReport, JobSpec, run_batch
from radcore.io.dataset import done_cases, write_catalogue, write_errors, write_settings
from radcore.io.store import open_store
from radcore.settings import Settings, load, settings_hash, to_mapping

FAILURES_SHOWN = 500


class CohortParameters(BaseModel):
    """Parameters of a cohort run (the form of the deployment in the Prefect UI)."""

    manifest: str | None = Field(None, description="CSV manifest: case_id,image,mask[,label,metadata...]")
    store: str | None = Field(None, description="Zarr cohort store (default with a manifest: OUT/cohort.zarr)")
    config: str | None = Field(None, description="settings YAML (radcore or PyRadiomics params); none: defaults")
    out: str = Field(..., description="output dataset folder")
    batch_size: int = Field(0, ge=0, description="cases per batch; 0 chooses from cohort size and workers")
    workers: int = Field(2, ge=1, description="local Dask worker processes (ignored with a scheduler)")
    scheduler: str | None = Field(None, description="address of a running Dask scheduler, e.g. tcp://host:8786")
    naming: Literal["native", "ibsi", "pyradiomics"] = Field("native", description="feature column names")
    progress_bar: bool = Field(False, description="draw a progress bar on the terminal (command line runs)")

    @model_validator(mode="after")
    def _source(self) -> "CohortParameters":
        if not self.manifest and not self.store:
            raise ValueError("give a manifest, a store, or both")
        return self

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

    @property
    def seconds(self) -> float:
        return self.setup_seconds + self.fanout_seconds


@dataclass
class Plan:
    spec: JobSpec
    batches: list[Batch]
    skipped: int
    keys: list | None


@task(name="plan cohort", cache_policy=NO_CACHE, persist_result=False)
def plan_cohort(params: CohortParameters, settings: Settings) -> Plan:
    """Warm-up (compiles numba in this process once), cases not yet done, batches."""
    logger = get_run_logger()
    h = settings_hash(settings)
    keys = warm_up(settings)
    store = params.store_path()
    if params.manifest:
        jobs: list[CaseJob] = cases_from_manifest(params.manifest, settings.label)
        open_store(store, create=True)  # here, so workers ingesting their first cases never race to create it
    else:
        jobs = cases_from_store(store, settings.label)
    done = done_cases(params.out, h)
    n_items = sum(len(j.labels) for j in jobs)
    batch_size = params.batch_size or auto_batch_size(n_items - len(done), params.workers)
    batches = plan_batches(jobs, h, done, batch_size)
    todo = sum(b.n_items for b in batches)
    write_settings(params.out, h, to_mapping(settings))
    if keys:
        write_catalogue(params.out, h, catalogue_rows(keys, params.naming))
    spec = JobSpec(
        store=store, dataset=params.out, settings=settings, settings_hash=h, naming=params.naming,
        ingest=bool(params.manifest), metadata_columns=metadata_columns(jobs),
        feature_columns=feature_columns(keys, params.naming),
    )
    logger.info("settings %s: %d cases/labels, %d already done, %d to run in %d batches of about %d",
                h, n_items, n_items - todo, todo, len(batches), batch_size)
    return Plan(spec, batches, n_items - todo, keys)


def _task_runner(params: CohortParameters) -> DaskTaskRunner:
    if params.scheduler:
        return DaskTaskRunner(address=params.scheduler)
    return DaskTaskRunner(cluster_kwargs=local_cluster_kwargs(params.workers))


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
    bar = _ProgressBar(total) if params.progress_bar else None
    summary.workers = len(client.scheduler_info(n_workers=-1).get("workers", {}))
    start = time.perf_counter()
    futures = {
        client.submit(run_batch, b, plan.spec, key=f"radcore-batch-{b.batch_id}", pure=False, retries=2): b
        for b in plan.batches
    }
    finished, last_update = 0, 0.0
    for future in as_completed(futures, loop=client.loop):
        batch = futures[future]
        try:
            report: BatchReport = future.result()
        except Exception as exc:  # noqa: BLE001 - a lost batch is recorded, the cohort goes on
            report = _lost_batch(batch, plan.spec, exc)
            logger.error("batch %s failed as a whole: %s: %s", batch.batch_id, type(exc).__name__, exc)
        future.release()
        _add(summary, report)
        finished += report.items
        if bar:
            bar.advance(report.items)
        now = time.perf_counter()
        if now - last_update > 1.0 or finished == total:
            update_progress_artifact(artifact, 100.0 * finished / total)
            last_update = now
    summary.fanout_seconds = time.perf_counter() - start
    if bar:
        bar.close()
    return summary


def _lost_batch(batch: Batch, spec: JobSpec, exc: BaseException) -> BatchReport:
    """A batch whose worker died or whose files could not be written: every item failed at ``write``."""
    from datetime import datetime, timezone

    import radcore

    errors = [
        {"case_id": c, "label": label, "stage": "write", "error_type": type(exc).__name__,
         "reason": str(exc) or repr(exc), "radcore_version": radcore.__version__,
         "attempted_at": datetime.now(timezone.utc)}
        for job in batch.cases for c, label in job.items
    ]
    try:
        write_errors(spec.dataset, spec.settings_hash, f"batch-{batch.batch_id}-lost", errors)
    except OSError:
        pass
    report = BatchReport(batch.batch_id, batch.n_items, failed=len(errors))
    report.failures = [{k: e[k] for k in ("case_id", "label", "stage", "error_type", "reason")} for e in errors]
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


@flow(name="radcore-cohort", persist_result=False, log_prints=True)
def cohort_flow(params: CohortParameters) -> CohortSummary:
    """Extract features for a cohort into a Parquet dataset (see the module docstring)."""
    start = time.perf_counter()
    settings = load(params.config)
    # planning (and this process's warm-up) runs in a thread while the cluster starts and warms its workers
    planned = plan_cohort.submit(params, settings)
    with _task_runner(params) as runner:
        runner.client.register_plugin(WarmUp(settings), name=f"radcore-warm-up-{settings_hash(settings)}")
        plan = planned.result()
        summary = CohortSummary(plan.spec.settings_hash, params.out, skipped=plan.skipped,
                                flow_run_id=str(flow_run.get_id() or ""))
        summary = extract_batches(plan, params, summary, runner.client)
    summary.setup_seconds = time.perf_counter() - start - summary.fanout_seconds
    report_cohort(summary)
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
