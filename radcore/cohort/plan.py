"""Which cases to run and in which batches.

A cohort comes from a manifest, read once by the run (:class:`radcore.cohort.run.CohortRun`; its cases are
ingested by the workers as they go, or ahead of their batches) or from a store (cases already ingested).
Work is counted in (case_id, label) items; items with a features row for the settings hash are dropped,
and the remaining cases are cut into batches of whole cases, one Dask task and one Parquet file each.
Batches are few enough that orchestration stays cheap (no Prefect task per case) and many enough that
workers stay busy to the end.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

from radcore.errors import StoreError
from radcore.io import remote
from radcore.io.dataset import batch_id
from radcore.io.manifest import ALL_LABELS, CaseEntry, Manifest

MAX_BATCH = 100
#: the string column naming each row's ROI when masks are RTSTRUCT or SEG files with named ROIs
ROI_COLUMN = "roi"
BATCHES_PER_WORKER = 16


@dataclass(frozen=True)
class CaseJob:
    """One case to run: its id, the labels still to do, its manifest entry (None: already in the store, or
    ingested ahead in this run).

    ``labels`` is ``"all"`` when the case's labels are known only once its mask is read (a manifest case
    not yet in the store with label ``all``); the worker then runs every label of the mask except
    ``done_labels``.
    """

    case_id: str
    labels: tuple[int, ...] | str
    entry: CaseEntry | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    done_labels: tuple[int, ...] = ()

    @property
    def items(self) -> list[tuple[str, int | str]]:
        labels = (ALL_LABELS,) if self.labels == ALL_LABELS else self.labels
        return [(self.case_id, label) for label in labels]


@dataclass(frozen=True)
class Batch:
    """Cases run together by one worker and written to one Parquet file named by ``batch_id``."""

    batch_id: str
    cases: tuple[CaseJob, ...]

    @property
    def n_items(self) -> int:
        return sum(len(c.items) for c in self.cases)


def cases_from_manifest(
    manifest: Manifest, default_label: int | str, store: str | Path | None = None, ingested: set[str] = frozenset()
) -> list[CaseJob]:
    """One job per runnable case of a manifest already read.

    Labels come from the manifest, else ``default_label``; ``all`` becomes the case's labels when
    ``store`` already holds the case, else stays ``all`` for the worker to resolve. The cases in
    ``ingested`` (ingested ahead in this run) keep no entry: their batch reads them as stored.
    """
    root = _existing_store(store)
    jobs = []
    for e in manifest.entries:
        labels = e.labels or e.roi_labels or _as_labels(default_label)
        if labels == ALL_LABELS and root is not None:
            labels = _stored_labels(root, e.case_id) or ALL_LABELS
        entry = None if e.case_id in ingested else e
        jobs.append(CaseJob(e.case_id, labels, entry, _with_roi(e.metadata, bool(e.roi))))
    return jobs


def cases_from_store(store: str | Path, default_label: int | str) -> list[CaseJob]:
    """One job per stored case; labels recorded at ingest, else ``default_label`` (``all``: every label
    of the stored mask)."""
    from radcore.io.store import case_infos

    jobs = []
    for case_id, info in case_infos(store).items():  # one pass (on object storage, concurrent GETs)
        labels = info.labels or _as_labels(default_label)
        if labels == ALL_LABELS:
            labels = tuple(sorted(info.boxes))
        jobs.append(CaseJob(case_id, labels, None, _with_roi(info.metadata, bool(info.rois))))
    return jobs


def _with_roi(metadata: dict[str, str], named: bool) -> dict[str, str]:
    """The metadata of a case, with the :data:`ROI_COLUMN` (filled per label by the worker) when its ROIs
    have names."""
    return {**metadata, ROI_COLUMN: ""} if named else dict(metadata)


def _as_labels(label: int | str) -> tuple[int, ...] | str:
    return ALL_LABELS if label == ALL_LABELS else (int(label),)


def _existing_store(store):
    from radcore.io.store import open_store

    if store is None or not (remote.is_url(store) or Path(store).exists()):
        return None
    try:
        return open_store(store)
    except StoreError:
        return None


def _stored_labels(root, case_id: str) -> tuple[int, ...] | None:
    from radcore.io.store import case_info

    try:
        return tuple(sorted(case_info(root, case_id).boxes))
    except StoreError:
        return None


def auto_batch_size(n_items: int, workers: int) -> int:
    """About :data:`BATCHES_PER_WORKER` batches per worker, at most :data:`MAX_BATCH` items each."""
    if n_items <= 0:
        return 1
    return max(1, min(MAX_BATCH, math.ceil(n_items / (max(1, workers) * BATCHES_PER_WORKER))))


def plan_batches(
    jobs: list[CaseJob], settings_hash: str, done: set[tuple[str, int]], batch_size: int
) -> list[Batch]:
    """Batches of the items not in ``done``, in cohort order, about ``batch_size`` items each.

    A case's labels stay in one batch (its image is read once for all of them) unless they are more than
    ``batch_size``: then they are cut into batches of ``batch_size`` labels, so that a case with many
    labels does not serialise on one worker.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    done_by_case: dict[str, list[int]] = {}
    for case_id, label in done:
        done_by_case.setdefault(case_id, []).append(label)
    todo: list[CaseJob] = []
    for job in jobs:
        if job.labels == ALL_LABELS:
            skip = tuple(sorted(done_by_case.get(job.case_id, ())))
            todo.append(CaseJob(job.case_id, ALL_LABELS, job.entry, job.metadata, skip))
            continue
        labels = tuple(label for label in job.labels if (job.case_id, label) not in done)
        for start in range(0, len(labels), batch_size):
            todo.append(CaseJob(job.case_id, labels[start : start + batch_size], job.entry, job.metadata))
    batches: list[Batch] = []
    current: list[CaseJob] = []
    n_current = 0
    for job in todo:
        current.append(job)
        n_current += 1 if job.labels == ALL_LABELS else len(job.labels)
        if n_current >= batch_size:
            batches.append(_batch(current, settings_hash))
            current, n_current = [], 0
    if current:
        batches.append(_batch(current, settings_hash))
    return batches


def _batch(jobs: list[CaseJob], settings_hash: str) -> Batch:
    return Batch(batch_id(settings_hash, [i for j in jobs for i in j.items]), tuple(jobs))


def metadata_columns(jobs: list[CaseJob]) -> tuple[str, ...]:
    """Metadata column names over all jobs, in first-seen order."""
    return tuple(dict.fromkeys(k for j in jobs for k in j.metadata))
