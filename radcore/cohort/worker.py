"""The per-batch worker: extract every case of a batch, capture each failure, write one Parquet file.

:func:`run_batch` is a plain function (no Prefect, no Dask inside), so it runs the same in a test, in a
Dask worker and on a cluster. A failing case never stops its batch: it becomes an error row with its stage
(:mod:`radcore.cohort.failures`), the error class and its message; the other cases go on. A case whose
job carries its manifest entry is ingested first, and its features come from the arrays just decoded
and written (:class:`~radcore.io.store.DecodedCase`), not read back; a case ingested earlier in the run
(ahead of its batch) or taken from a store is read from the store, only the chunks around each ROI.
"""

from __future__ import annotations

import dataclasses
import logging
import resource
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import numpy as np

import radcore
from radcore.cohort.failures import error_row, failure_summaries
from radcore.cohort.margin import required_margin_mm
from radcore.crop import grown_box, margin_voxels
from radcore.cohort.plan import ROI_COLUMN, Batch, CaseJob
from radcore.cohort.qc import QC_TYPES, qc_values
from radcore.errors import (
    EmptyROIError, FeatureError, GeometryMismatchError, ImageReadError, LabelNotFoundError, StorageError,
)
from radcore.io.dataset import PERTURBATION_COLUMN, feature_schema, write_batch
from radcore.io.images import Volume
from radcore.io.manifest import ALL_LABELS
from radcore.io.qc_pictures import MARGIN_VOXELS as PICTURE_MARGIN, picture_path, write_picture
from radcore.io.store import (
    CaseInfo, case_info, ingest_decoded, label_mask, open_store, read_case, read_image, read_region, read_roi,
)
from radcore.io.store.read import Source
from radcore.naming import FeatureKey, name_columns
from radcore.pipeline import extract_volumes
from radcore.profiles import profile_of
from radcore.provenance import versions
from radcore.settings import Settings

log = logging.getLogger(__name__)


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
    #: the run's token from :func:`radcore.io.dataset.run_lock` ("" writes without the check)
    run_token: str = ""
    #: write a QC picture per (case, label) under DATASET/qc (:mod:`radcore.io.qc_pictures`)
    qc_pictures: bool = True
    #: write each (case, label)'s voxel feature maps under DATASET/maps (:func:`radcore.io.maps.case_maps_path`)
    maps: bool = False
    #: with ``maps``: the map drawn per (case, label) to DATASET/qc/<case>_label<n>_map.png ("" none)
    map_picture: str = ""


@dataclass
class BatchReport:
    """What one batch did: counts, in-worker seconds, failures, the worker's peak memory and the feature
    keys its cases computed (they make the catalogue)."""

    batch_id: str
    items: int
    done: int = 0
    failed: int = 0
    seconds: float = 0.0
    case_seconds: float = 0.0
    failures: list[dict[str, Any]] = field(default_factory=list)
    peak_rss_mb: float = 0.0
    keys: list[FeatureKey] = field(default_factory=list)


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
    keys: dict[FeatureKey, None] = {}
    for job in batch.cases:
        case_rows, case_errors, seconds = run_case(job, spec, keys)
        rows += case_rows
        errors += case_errors
        report.case_seconds += seconds
    schema = feature_schema(spec.metadata_columns, spec.feature_columns, QC_TYPES,
                            perturbed=spec.settings.perturbation is not None)
    write_batch(spec.dataset, spec.settings_hash, batch.batch_id, rows, errors, schema, versions(spec.settings),
                spec.run_token)
    report.done, report.failed = len(rows), len(errors)
    report.failures = failure_summaries(errors)
    report.keys = list(keys)
    report.seconds = time.perf_counter() - start
    report.peak_rss_mb = peak_rss_mb()
    return report


def peak_rss_mb() -> float:
    """This process's peak resident memory in MB: Linux's ``VmHWM``, else ``ru_maxrss`` (which on Linux keeps
    the peak of the process that forked and executed this one, e.g. the flow's process for a local Dask
    worker)."""
    try:
        with open("/proc/self/status") as fh:
            return next(int(line.split()[1]) for line in fh if line.startswith("VmHWM:")) / 1024.0
    except (OSError, StopIteration, ValueError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def run_case(
    job: CaseJob, spec: JobSpec, keys: dict[FeatureKey, None] | None = None
) -> tuple[list[dict], list[dict], float]:
    """Feature rows and error rows of one case (all its labels), and the seconds it took.

    The feature keys computed are added to ``keys`` (an ordered set) when given.
    """
    start = time.perf_counter()
    rows, errors = [], []
    planned = [None] if job.labels == ALL_LABELS else list(job.labels)
    try:
        info, source = _prepare_case(job, spec)
    except CaseFailure as failure:
        errors = [error_row(job.case_id, label, failure.stage, failure.error) for label in planned]
        return rows, errors, time.perf_counter() - start
    labels = job.labels
    if labels == ALL_LABELS:
        labels = [label for label in sorted(info.boxes) if label not in job.done_labels]
        if not info.boxes:
            failure = CaseFailure("preprocess", EmptyROIError(f"the mask of case {job.case_id!r} holds no label"))
            return rows, [error_row(job.case_id, None, failure.stage, failure.error)], time.perf_counter() - start
    margin = required_margin_mm(spec.settings, info.spacing)
    try:
        whole = _whole_image_values(spec, info, source) if labels else {}
    except CaseFailure as failure:
        errors = [error_row(job.case_id, label, failure.stage, failure.error) for label in labels]
        return rows, errors, time.perf_counter() - start
    for label in labels:
        label_rows, label_errors = _run_label(job, spec, info, source, label, margin, whole, keys)
        rows += label_rows
        errors += label_errors
    return rows, errors, time.perf_counter() - start


def _run_label(
    job: CaseJob, spec: JobSpec, info: CaseInfo, source: Source, label: int, margin: float,
    whole: dict[FeatureKey, float], keys: dict[FeatureKey, None] | None,
) -> tuple[list[dict], list[dict]]:
    """The rows and error rows of one label: one row, or in a robustness run one per perturbed version
    (:mod:`radcore.robustness.perturb`), made in turn from the one read of the label's image and mask; a
    version that fails is an error row naming it, and the other versions run."""
    perturbation = spec.settings.perturbation
    names: list[str | None] = [None]
    if perturbation is not None:
        from radcore.robustness.perturb import margin_mm, versions

        todo = versions(perturbation)
        names = [v.name for v in todo]
        extent = tuple((b - a) * s for (a, b), s in zip(info.boxes.get(label, ((0, 0),) * 3), info.spacing))
        extra = margin_mm(perturbation, extent, info.spacing)
    else:
        extra = 0.0
    rows, errors = [], []
    t0 = time.perf_counter()
    try:
        image, mask = _read_label(source, spec, info, label, margin, extra)
    except CaseFailure as failure:
        return rows, [error_row(job.case_id, label, failure.stage, failure.error, name) for name in names]
    noise_sd: list[float] = []  # estimated once per label, at its first noisy version
    for i, name in enumerate(names):
        try:
            if perturbation is None:
                version_image, version_mask = image, mask
            else:
                version_image, version_mask = _perturbed(info, label, image, mask, todo[i], perturbation, noise_sd)
            computed, values = _features(spec, version_image, version_mask, label, whole)
            if spec.maps and i == 0:  # the unperturbed image's maps
                _write_maps(spec, info, source, label)
        except CaseFailure as failure:
            errors.append(error_row(job.case_id, label, failure.stage, failure.error, name))
            continue
        if spec.qc_pictures and i == 0:
            _picture(spec, info, label, image, mask)
        if keys is not None:
            keys.update(dict.fromkeys(computed))
        row: dict[str, Any] = {"case_id": job.case_id, "label": label}
        if name is not None:
            row[PERTURBATION_COLUMN] = name
        row.update({k: job.metadata.get(k, "") for k in spec.metadata_columns})
        if info.rois and ROI_COLUMN in spec.metadata_columns:
            row[ROI_COLUMN] = info.rois[label - 1] if 0 < label <= len(info.rois) else ""
        row.update({
            "radcore_version": radcore.__version__,
            "image_digest": info.digests.get("image"),
            "mask_digest": info.digests.get("mask"),
            "extracted_at": datetime.now(timezone.utc),
            "extraction_seconds": time.perf_counter() - t0,
        })
        row.update(qc_values(info, label, spec.settings))
        row.update(values)
        rows.append(row)
        t0 = time.perf_counter()
    return rows, errors


def _perturbed(
    info: CaseInfo, label: int, image: Volume, mask: Volume, version, perturbation, noise_sd: list[float]
) -> tuple[Volume, Volume]:
    """One version of the label's image and ROI (:func:`radcore.robustness.perturb.perturb`), seeded by the
    case and label; a version that cannot be made fails at stage ``perturb``. ``noise_sd`` keeps the image's
    estimated noise level once a noisy version has estimated it."""
    from radcore.robustness.perturb import estimate_noise, perturb

    if mask.array.dtype != bool:
        mask = dataclasses.replace(mask, array=label_mask(mask.array, label, info.bits))
    try:
        if version.noise and perturbation.noise_level is None and not noise_sd:
            noise_sd.append(estimate_noise(image.array))
        level = noise_sd[0] if noise_sd else None
        return perturb(image, mask, version, perturbation, f"{info.case_id}\t{label}", level)
    except Exception as exc:  # noqa: BLE001 - one version's failure is its error row; the others run
        raise CaseFailure("perturb", exc) from exc


def _prepare_case(job: CaseJob, spec: JobSpec) -> tuple[CaseInfo, Source]:
    """The case's attributes and where to read it: ingested now when the run started from a manifest (the
    arrays just written, in memory), else the store."""
    if spec.ingest and job.entry is not None:
        try:
            decoded = ingest_decoded(spec.store, job.entry)
        except (ImageReadError, StorageError) as exc:  # an input missing, unreadable, or its storage refused
            raise CaseFailure("read", exc) from exc
        except Exception as exc:  # noqa: BLE001 - every failure of one case is recorded, none stops the cohort
            raise CaseFailure("ingest", exc) from exc
        if decoded is not None:
            return decoded.info, decoded
    try:
        root = open_store(spec.store)  # opened once for every read of the case (on object storage: one GET)
        return case_info(root, job.case_id), root
    except Exception as exc:  # noqa: BLE001
        raise CaseFailure("read", exc) from exc


def _read_label_volumes(
    source: Source, spec: JobSpec, info: CaseInfo, label: int, margin: float, extra_mm: float = 0.0
) -> tuple[Volume, Volume]:
    """What one ROI's features read: for the IBSI profile the ROI crop (bounding box + ``margin``) on the
    image grid; for a profile with a ``source_box`` (PyRadiomics) the crop of that box in the stored pixel
    type, carrying the whole image's facts (its features are the whole image's), or, where the profile
    cannot say (a mask with its own geometry, which PyRadiomics' ``geometryTolerance`` and ``correctMask``
    judge as read; ``normalize`` on a store without the whole image's statistics), the whole image in
    its stored pixel type and the mask as read, on its own grid. ``extra_mm`` more around the ROI for the
    perturbed versions of a robustness run (a larger crop gives the same features)."""
    profile = profile_of(spec.settings)
    if profile.source_box is None:
        if info.geometry_mismatch:
            raise GeometryMismatchError(f"{info.geometry_mismatch}; IBSI settings need the mask on the image grid")
        return read_roi(source, info.case_id, label, margin + extra_mm)
    box = profile.source_box(spec.settings, info, label)
    if box is not None:
        if extra_mm:
            box = grown_box(box, margin_voxels(extra_mm, info.spacing, info.shape), info.shape)
        return read_region(source, info.case_id, label, box)
    image, labels = read_case(source, info.case_id, native_mask=True)
    inside = label_mask(labels.array, label, info.bits)
    if not inside.any():
        raise LabelNotFoundError(f"label {label} does not occur in the mask of case {info.case_id!r}")
    return image, dataclasses.replace(labels, array=inside) if info.bits else labels


def _whole_image_values(spec: JobSpec, info: CaseInfo, source: Source) -> dict[FeatureKey, float]:
    """The values a crop cannot give (the profile's ``whole_image_keys``, e.g. the IBSI diagnostics of the
    whole interpolated image), from the whole stored image, once per case; {} (nothing read) when none."""
    profile = profile_of(spec.settings)
    if not profile.whole_image_keys(spec.settings):
        return {}
    try:
        image = read_image(source, info.case_id)
    except Exception as exc:  # noqa: BLE001
        raise CaseFailure("read", exc) from exc
    try:
        return profile.whole_image_values(image, spec.settings)
    except Exception as exc:  # noqa: BLE001
        raise CaseFailure("preprocess", exc) from exc


def _read_label(
    source: Source, spec: JobSpec, info: CaseInfo, label: int, margin: float, extra_mm: float = 0.0
) -> tuple[Volume, Volume]:
    """What one ROI's features read (:func:`_read_label_volumes`), a failure as the stage it happened at."""
    try:
        return _read_label_volumes(source, spec, info, label, margin, extra_mm)
    except GeometryMismatchError as exc:
        raise CaseFailure("ingest", exc) from exc
    except EmptyROIError as exc:
        raise CaseFailure("preprocess", exc) from exc
    except Exception as exc:  # noqa: BLE001
        raise CaseFailure("read", exc) from exc


def _features(
    spec: JobSpec, image: Volume, mask: Volume, label: int, whole: dict[FeatureKey, float]
) -> tuple[dict[FeatureKey, float], dict[str, float]]:
    """The features of one label's image and mask, by key and by column name; ``whole`` holds the values
    of the case's whole image the crop read cannot give (:func:`_whole_image_values`)."""
    try:
        computed = extract_volumes(image, mask, spec.settings, label)
        computed.update(whole)
        named = name_columns(computed, spec.naming)
    except Exception as exc:  # noqa: BLE001
        raise CaseFailure(stage_of(exc), exc) from exc
    return computed, named


def _write_maps(spec: JobSpec, info: CaseInfo, source: Source, label: int) -> None:
    """The voxel feature maps of one label (one thread: the worker's) to its Zarr group
    (:func:`radcore.io.maps.case_maps_path`), read from the features' box grown by the kernel radius."""
    from radcore.io.images import to_volume
    from radcore.io.maps import case_maps_path, write_maps
    from radcore.pyradiomics.maps import extract_volume_maps, map_source_box

    params = spec.settings.pyradiomics
    box = profile_of(spec.settings).source_box(spec.settings, info, label)
    try:
        if box is None:  # the whole image, as the features read it
            image, mask = _read_label(source, spec, info, label, 0.0)
        else:
            image, mask = read_region(source, info.case_id, label, map_source_box(params, info, label, box))
    except CaseFailure:
        raise
    except Exception as exc:  # noqa: BLE001
        raise CaseFailure("read", exc) from exc
    try:
        maps = name_columns(extract_volume_maps(image, mask, params, label, skip_shape=True), spec.naming)
        volumes = {name: to_volume(image, name) for name, image in maps.items()}
        write_maps(volumes, case_maps_path(spec.dataset, spec.settings_hash, info.case_id, label))
    except Exception as exc:  # noqa: BLE001
        raise CaseFailure(stage_of(exc), exc) from exc
    if spec.map_picture in volumes:
        _map_picture(spec, info, label, volumes[spec.map_picture], image, mask)


def _map_picture(spec: JobSpec, info: CaseInfo, label: int, drawn: Volume, image: Volume, mask: Volume) -> None:
    """The QC picture of one label's chosen map, the ROI outlined; one that cannot be drawn is logged."""
    try:
        inside = mask.array if mask.array.dtype == bool else label_mask(mask.array, label, info.bits)
        # the map's grid is a box of the read region: its first voxel's index there, from the origins
        start = np.round((np.asarray(drawn.origin) - np.asarray(image.origin))
                         @ np.asarray(image.direction).reshape(3, 3) / np.asarray(image.spacing[::-1]))
        box = tuple(slice(int(a), int(a) + n) for a, n in zip(start[::-1], drawn.array.shape))
        write_picture(picture_path(spec.dataset, info.case_id, label, "map"), drawn.array, inside[box],
                      drawn.spacing)
    except Exception as exc:  # noqa: BLE001 - a missing picture loses no map
        log.warning("no map picture for case %r label %d: %s: %s", info.case_id, label, type(exc).__name__, exc)


def _picture(spec: JobSpec, info: CaseInfo, label: int, image: Volume, mask: Volume) -> None:
    """The QC picture of one label; a picture that cannot be drawn is logged, the features stand."""
    values, labels = image.array, mask.array
    on_grid = labels.shape == values.shape and tuple(image.whole_shape) == tuple(info.shape)
    if on_grid and label in info.boxes:  # the whole image or a crop of it: only the ROI's box matters
        box = tuple(slice(max(a - PICTURE_MARGIN - o, 0), max(b + PICTURE_MARGIN - o, 0))
                    for (a, b), o in zip(info.boxes[label], image.offset))
        values, labels = values[box], labels[box]
    inside = labels if labels.dtype == bool else label_mask(labels, label, info.bits)
    try:
        write_picture(picture_path(spec.dataset, info.case_id, label), values, inside, image.spacing,
                      info.modality)
    except Exception as exc:  # noqa: BLE001 - a missing picture loses no feature
        log.warning("no QC picture for case %r label %d: %s: %s", info.case_id, label, type(exc).__name__, exc)


def stage_of(exc: BaseException) -> str:
    """``features`` for a :class:`~radcore.errors.FeatureError` (a feature family or class failed),
    ``ingest`` when image and mask do not fit together (:class:`~radcore.errors.GeometryMismatchError`),
    ``preprocess`` for anything else raised while computing (ROI, preprocessing, filters)."""
    if isinstance(exc, FeatureError):
        return "features"
    return "ingest" if isinstance(exc, GeometryMismatchError) else "preprocess"
