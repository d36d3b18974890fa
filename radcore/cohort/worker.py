"""The per-batch worker: extract every case of a batch, capture each failure, write one Parquet file.

:func:`run_batch` is a plain function (no Prefect, no Dask inside), so it runs the same in a test, in a
Dask worker and on a cluster. A failing case never stops its batch: the failure is recorded with its
stage,

- ``read``: an input file (manifest runs) or the stored case is missing or unreadable;
- ``ingest``: the case is invalid (not 3D scalar, mask off the image grid) or cannot be written;
- ``preprocess``: ROI, interpolation, resegmentation or filtering failed (e.g. an empty mask);
- ``features``: a feature family failed,

the error class and its message; the other cases go on.
"""

from __future__ import annotations

import resource
import time
import traceback
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import radcore
from radcore.cohort.margin import required_margin_mm
from radcore.cohort.plan import Batch, CaseJob
from radcore.errors import EmptyROIError, GeometryMismatchError, ImageReadError, InvalidImageError
from radcore.io.dataset import feature_schema, write_batch
from radcore.io.images import Volume
from radcore.io.store import StoreError, case_info, ingest_case, open_store, read_case, read_roi
from radcore.naming import name_columns
from radcore.pipeline import extract_volumes
from radcore.settings import Settings

STAGES = ("read", "ingest", "preprocess", "features", "write")


@dataclass(frozen=True)
class JobSpec:
    """Everything a worker needs besides the batch: where to read and write, and what to compute."""

    store: str
    dataset: str
    settings: Settings
    settings_hash: str
    naming: str = "native"
    ingest: bool = False
    metadata_columns: tuple[str, ...] = ()
    feature_columns: tuple[str, ...] = ()


@dataclass
class BatchReport:
    """What one batch did: counts, in-worker seconds, failures and the worker's peak memory."""

    batch_id: str
    items: int
    done: int = 0
    failed: int = 0
    seconds: float = 0.0
    case_seconds: float = 0.0
    failures: list[dict[str, Any]] = field(default_factory=list)
    peak_rss_mb: float = 0.0


class CaseFailure(Exception):
    """A case failed at ``stage``; wraps the original error."""

    def __init__(self, stage: str, error: BaseException):
        super().__init__(f"{stage}: {error}")
        self.stage = stage
        self.error = error


def run_batch(batch: Batch, spec: JobSpec) -> BatchReport:
    """Run every case of ``batch`` and write its features and errors files; returns a report."""
    start = time.perf_counter()
    report = BatchReport(batch.batch_id, batch.n_items)
    rows: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    for job in batch.cases:
        case_rows, case_errors, seconds = run_case(job, spec)
        rows += case_rows
        errors += case_errors
        report.case_seconds += seconds
    schema = feature_schema(spec.metadata_columns, spec.feature_columns)
    write_batch(spec.dataset, spec.settings_hash, batch.batch_id, rows, errors, schema)
    report.done, report.failed = len(rows), len(errors)
    report.failures = [{k: e[k] for k in ("case_id", "label", "stage", "error_type", "reason")} for e in errors]
    report.seconds = time.perf_counter() - start
    report.peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    return report


def run_case(job: CaseJob, spec: JobSpec) -> tuple[list[dict], list[dict], float]:
    """Feature rows and error rows of one case (all its labels), and the seconds it took."""
    start = time.perf_counter()
    rows, errors = [], []
    try:
        info = _prepare_case(job, spec)
    except CaseFailure as failure:
        errors = [_error_row(job.case_id, label, failure) for label in job.labels]
        return rows, errors, time.perf_counter() - start
    margin = required_margin_mm(spec.settings, info.spacing)
    for label in job.labels:
        t0 = time.perf_counter()
        try:
            values = _extract_label(spec, job.case_id, label, margin)
        except CaseFailure as failure:
            errors.append(_error_row(job.case_id, label, failure))
            continue
        row: dict[str, Any] = {"case_id": job.case_id, "label": label}
        row.update({k: job.metadata.get(k, "") for k in spec.metadata_columns})
        row.update({
            "radcore_version": radcore.__version__,
            "image_digest": info.digests.get("image"),
            "mask_digest": info.digests.get("mask"),
            "extracted_at": datetime.now(timezone.utc),
            "extraction_seconds": time.perf_counter() - t0,
        })
        row.update(values)
        rows.append(row)
    return rows, errors, time.perf_counter() - start


def _prepare_case(job: CaseJob, spec: JobSpec):
    """Ingest the case when the run started from a manifest; then its stored attributes."""
    if spec.ingest and job.entry is not None:
        try:
            ingest_case(spec.store, job.entry)
        except ImageReadError as exc:
            raise CaseFailure("read", exc) from exc
        except Exception as exc:  # noqa: BLE001 - every failure of one case is recorded, none stops the cohort
            raise CaseFailure("ingest", exc) from exc
    try:
        return case_info(open_store(spec.store), job.case_id)
    except Exception as exc:  # noqa: BLE001
        raise CaseFailure("read", exc) from exc


def _read_label(spec: JobSpec, case_id: str, label: int, margin: float) -> tuple[Volume, Volume]:
    """The ROI crop (bounding box + ``margin``) for radcore settings. PyRadiomics params take the whole
    image in its stored pixel type, since PyRadiomics normalises with whole-image statistics and its
    wavelets wrap around the image border."""
    if spec.settings.pyradiomics is None:
        return read_roi(spec.store, case_id, label, margin)
    image, labels = read_case(spec.store, case_id)
    mask = labels.array == label
    if not mask.any():
        raise EmptyROIError(f"label {label} does not occur in the mask of case {case_id!r}")
    return image, Volume(mask, labels.spacing, labels.origin, labels.direction)


def _extract_label(spec: JobSpec, case_id: str, label: int, margin: float) -> dict[str, float]:
    try:
        image, mask = _read_label(spec, case_id, label, margin)
    except EmptyROIError as exc:
        raise CaseFailure("preprocess", exc) from exc
    except Exception as exc:  # noqa: BLE001
        raise CaseFailure("read", exc) from exc
    try:
        return name_columns(extract_volumes(image, mask, spec.settings), spec.naming)
    except Exception as exc:  # noqa: BLE001
        raise CaseFailure(stage_of(exc), exc) from exc


def stage_of(exc: BaseException) -> str:
    """``features`` when the innermost radcore frame of the traceback is a feature family or kernel,
    ``preprocess`` otherwise (preprocessing, filters, the pipeline itself)."""
    if isinstance(exc, (EmptyROIError, GeometryMismatchError, InvalidImageError, StoreError)):
        return "preprocess"
    innermost = ""
    for frame, _ in traceback.walk_tb(exc.__traceback__):
        module = frame.f_globals.get("__name__", "")
        if module.startswith("radcore."):
            innermost = module
    return "features" if innermost.startswith(("radcore.features", "radcore.kernels")) else "preprocess"


def _error_row(case_id: str, label: int, failure: CaseFailure) -> dict[str, Any]:
    error = failure.error
    return {
        "case_id": case_id,
        "label": label,
        "stage": failure.stage,
        "error_type": type(error).__name__,
        "reason": str(error) or repr(error),
        "radcore_version": radcore.__version__,
        "attempted_at": datetime.now(timezone.utc),
    }
