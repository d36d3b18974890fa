"""Which cases to run and in which batches.

A cohort comes from a manifest (cases are ingested by the workers as they go) or from a store (cases
already ingested). Work is counted in (case_id, label) items; items with a features row for the settings
hash are dropped, and the remaining cases are cut into batches of whole cases, one Dask task and one
Parquet file each. Batches are few enough that orchestration stays cheap (no Prefect task per case) and
many enough that workers stay busy to the end.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

from radcore.io.dataset import batch_id
from radcore.io.manifest import CaseEntry, read_manifest
from radcore.io.store import case_info, list_cases, open_store

MAX_BATCH = 100
BATCHES_PER_WORKER = 16


@dataclass(frozen=True)
class CaseJob:
    """One case to run: its id, the labels still to do, its manifest entry (None: already in the store)."""

    case_id: str
    labels: tuple[int, ...]
    entry: CaseEntry | None = None
    metadata: dict[str, str] = field(default_factory=dict)

    @property
    def items(self) -> list[tuple[str, int]]:
        return [(self.case_id, label) for label in self.labels]


@dataclass(frozen=True)
class Batch:
    """Cases run together by one worker and written to one Parquet file named by ``batch_id``."""

    batch_id: str
    cases: tuple[CaseJob, ...]

    @property
    def n_items(self) -> int:
        return sum(len(c.labels) for c in self.cases)


def cases_from_manifest(manifest: str | Path, default_label: int) -> list[CaseJob]:
    """One job per manifest case; labels from the manifest, else ``default_label``."""
    return [
        CaseJob(e.case_id, e.labels or (default_label,), e, dict(e.metadata)) for e in read_manifest(manifest)
    ]


def cases_from_store(store: str | Path, default_label: int) -> list[CaseJob]:
    """One job per stored case; labels recorded at ingest, else ``default_label``."""
    root = open_store(store)
    jobs = []
    for case_id in list_cases(store):
        info = case_info(root, case_id)
        jobs.append(CaseJob(case_id, info.labels or (default_label,), None, info.metadata))
    return jobs


def auto_batch_size(n_items: int, workers: int) -> int:
    """About :data:`BATCHES_PER_WORKER` batches per worker, at most :data:`MAX_BATCH` items each."""
    if n_items <= 0:
        return 1
    return max(1, min(MAX_BATCH, math.ceil(n_items / (max(1, workers) * BATCHES_PER_WORKER))))


def plan_batches(
    jobs: list[CaseJob], settings_hash: str, done: set[tuple[str, int]], batch_size: int
) -> list[Batch]:
    """Batches of the items not in ``done``, in cohort order, about ``batch_size`` items each.

    A case is never split across batches (its image is read once for all its labels).
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    todo = []
    for job in jobs:
        labels = tuple(label for label in job.labels if (job.case_id, label) not in done)
        if labels:
            todo.append(CaseJob(job.case_id, labels, job.entry, job.metadata))
    batches: list[Batch] = []
    current: list[CaseJob] = []
    for job in todo:
        current.append(job)
        if sum(len(j.labels) for j in current) >= batch_size:
            batches.append(_batch(current, settings_hash))
            current = []
    if current:
        batches.append(_batch(current, settings_hash))
    return batches


def _batch(jobs: list[CaseJob], settings_hash: str) -> Batch:
    return Batch(batch_id(settings_hash, [i for j in jobs for i in j.items]), tuple(jobs))


def metadata_columns(jobs: list[CaseJob]) -> tuple[str, ...]:
    """Metadata column names over all jobs, in first-seen order."""
    return tuple(dict.fromkeys(k for j in jobs for k in j.metadata))
