"""The cohort flow: a Prefect face over :class:`radcore.cohort.run.CohortRun`.

Orchestration only: the run reads its inputs, plans, fans the batches out and counts them; this flow gives
each step a Prefect task run and shows progress, summary, failures and QC flags as artifacts. Prefect sees
four task runs (plan, extract, report, QC summary with the optional cohort report of :mod:`radcore.report`)
whatever the cohort size: the extract task fans out one plain Dask future per batch through the client of a
prefect-dask :class:`~prefect_dask.DaskTaskRunner` (a local cluster, worker jobs on SLURM or PBS, or the
scheduler at ``scheduler``), so workers never talk to the Prefect API and a 10,000-case cohort makes a few
hundred Dask tasks, not thousands of Prefect task runs. Per-case status lives in the dataset.

Parameters that cannot run (a manifest or store that is not there, a blank ``out``, settings that are not
valid) fail the flow run at once, with one line in its state and log, before anything is created.

A run holds the dataset's lock for its settings: a second run of the same settings on the same dataset
waits, then finds the cases done. ``radcore run`` hands its own :class:`~radcore.cohort.run.CohortRun` to
the flow (the manifest is read once); a run launched from the Prefect UI makes its own.
"""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from typing import Iterator

from prefect import flow, get_run_logger, task
from prefect.artifacts import (
    create_markdown_artifact,
    create_progress_artifact,
    create_table_artifact,
    update_progress_artifact,
)
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run
from prefect.states import Failed
from prefect_dask import DaskTaskRunner

from radcore.cohort.cluster import (
    ensure_warm,
    local_cluster,
    local_cluster_kwargs,
    warm_up,
)
from radcore.cohort.jobqueue import JobCluster
from radcore.cohort.parameters import CohortParameters
from radcore.cohort.progress import ProgressBar
from radcore.cohort.run import CohortRun, CohortSummary, Plan, run_for
from radcore.errors import RadcoreError

FAILURES_SHOWN = 500

__all__ = ["CohortParameters", "CohortSummary", "cohort_flow"]


@task(name="plan cohort", cache_policy=NO_CACHE, persist_result=False)
def plan_cohort(run: CohortRun, run_token: str) -> Plan:
    """The cases not yet done, in batches (see :meth:`CohortRun.plan`)."""
    logger = get_run_logger()
    plan = run.plan(run_token)
    for name in plan.removed:
        logger.info("removed %s, left by a run that was killed", name)
    logger.info("settings %s: %d cases/labels, %d already done, %d to run in %d batches of about %d; "
                "%d manifest rows cannot run", run.settings_hash, plan.skipped + plan.items, plan.skipped,
                plan.items, len(plan.batches), plan.batch_size, len(plan.manifest_errors))
    return plan


def _task_runner(params: CohortParameters) -> DaskTaskRunner:
    if params.scheduler:
        return DaskTaskRunner(address=params.scheduler)
    return DaskTaskRunner(cluster_class=local_cluster,
                          cluster_kwargs=local_cluster_kwargs(params.workers, dashboard=params.dashboard))


@contextmanager
def _warm_task_runner(run: CohortRun) -> Iterator[DaskTaskRunner]:
    """The task runner, its workers warm for the run's settings (:func:`radcore.cohort.cluster.ensure_warm`).

    Worker jobs of a batch system (``cluster``) are submitted here, and cancelled when the run ends. A local
    cluster of the flow's own is new: numba compiles (or loads its cache) here once while it starts,
    and the workers then load the compiled kernels rather than all compiling at once into one on-disk
    cache. A cluster at ``scheduler`` may be warm already (``radcore run`` starts and warms its cluster
    while Prefect starts), and is then used as it is.
    """
    if run.params.scheduler:
        with _task_runner(run.params) as runner:
            ensure_warm(runner.client, run.settings, compile_here=True)
            yield runner
        return
    if run.params.cluster:  # a run launched from the form: worker jobs of its own, cancelled at the end
        with JobCluster(run.params) as jobs, DaskTaskRunner(address=jobs.scheduler_address) as runner:
            ensure_warm(runner.client, run.settings, compile_here=True)
            yield runner
        return
    warming = threading.Thread(target=warm_up, args=(run.settings,), daemon=True)
    warming.start()
    with _task_runner(run.params) as runner:
        warming.join()
        ensure_warm(runner.client, run.settings)
        yield runner


@task(name="extract batches", cache_policy=NO_CACHE, persist_result=False)
def extract_batches(run: CohortRun, plan: Plan, client) -> CohortSummary:
    """One Dask future per batch on ``client``; as batches finish, the progress artifact is updated and the
    progress shown: on the command line's terminal or output (:class:`~radcore.cohort.progress.ProgressBar`),
    else in the flow run's log every 10 s."""
    logger = get_run_logger()
    unit = "cases/labels" if plan.versions == 1 else f"case/label versions ({plan.versions} each)"
    artifact = create_progress_artifact(0.0, key="radcore-cohort-progress",
                                        description=f"{unit} extracted, settings {run.settings_hash}")
    bar = ProgressBar(plan.units, "extracting") if run.show_progress else None
    last = {"update": 0.0, "log": time.perf_counter()}

    def progress(finished: int, total: int, summary: CohortSummary) -> None:
        now = time.perf_counter()
        if bar is not None:
            bar.update(finished)
        if now - last["update"] > 1.0 or finished == total:
            update_progress_artifact(artifact, 100.0 * finished / total)
            last["update"] = now
        if bar is None and now - last["log"] > 10.0 and finished < total:  # a run launched from the UI
            logger.info("%d of %d %s extracted, %d failed", finished, total, unit, summary.failed)
            last["log"] = now

    try:
        return run.extract(plan, client, progress)
    finally:
        if bar is not None:
            bar.close()


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
    try:
        run = run_for(params)
    except RadcoreError as exc:  # bad input (a form's path, folder or settings): one line, nothing made
        message = f"{type(exc).__name__}: {exc}"
        logger.error(message)
        return Failed(message=message)

    def waiting() -> None:
        logger.warning("another run is writing settings %s to %s; waiting for it to end", run.settings_hash,
                       run.params.out)

    with run.locked(waiting) as run_token:
        plan = plan_cohort(run, run_token)
        summary = CohortSummary(run.settings_hash, run.params.out, skipped=plan.skipped)
        if plan.batches:  # a cohort already done starts no cluster
            with _warm_task_runner(run) as runner:
                summary = extract_batches(run, plan, runner.client)
        run.finish(plan, summary)
    summary.flow_run_id = str(flow_run.get_id() or "")
    summary.setup_seconds = time.perf_counter() - start - summary.fanout_seconds
    report_cohort(summary)
    summary.report_path = summarise_qc(run.params, summary)
    logger.info("done %d, failed %d, skipped %d in %.1f s (%s)", summary.done, summary.failed, summary.skipped,
                summary.seconds, run.params.out)
    return summary
