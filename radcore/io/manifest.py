"""Cohort manifests: which image and mask make up each case.

Two CSV dialects are read:

- radcore's own: columns ``case_id,image,mask``, optional ``label`` (an integer, or ``all`` for every label
  the mask holds), optional ``roi`` (the ROI of a DICOM RTSTRUCT mask, the segment of a SEG), optional
  ``series`` (the SeriesInstanceUID when the image folder holds several) and any number of free metadata
  columns (kept as strings and written next to the features);
- PyRadiomics' batch CSV: columns ``Image,Mask`` with optional ``ID`` (the case id; else the image file
  name without extension) and ``Label``; other columns are metadata.

A case id is the user's data: any non-empty string, kept verbatim (it is never used as a path; see
:func:`radcore.io.store.group_name`). A case may appear on several rows with different labels (one
result row per label) as long as its image and mask stay the same. Images and masks may be paths or URLs
(``s3://bucket/ct/1.nii.gz``, any scheme fsspec knows; see :mod:`radcore.io.remote`), and the manifest
may itself be at a URL; relative paths are resolved against the manifest's folder, or its URL's prefix.
Files are not opened here: a missing or unreadable image is a per-case failure of the cohort run.

A row that cannot be run (no case id, no image or mask, a label that is not an integer) becomes a
:class:`ManifestProblem`, reported as an error row of stage ``manifest`` while the other rows run. Only a
manifest that cannot be parsed at all (no such file, not CSV, none of the key columns) or whose repeated
case ids make it ambiguous is refused as a whole, with a :class:`~radcore.errors.ManifestError` naming
the row and the id.
"""

from __future__ import annotations

import csv
import io
import os
import posixpath
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from radcore.errors import ManifestError
from radcore.io import remote

ALL_LABELS = "all"
#: separates the ROI names of one manifest row (``GTV|CTV``)
ROI_SEPARATOR = "|"
_NATIVE = ("case_id", "image", "mask")
_PYRADIOMICS = ("Image", "Mask")

Labels = tuple[int, ...] | Literal["all"] | None


@dataclass(frozen=True)
class CaseEntry:
    """One case of a manifest: its files, the labels to extract and metadata.

    ``labels`` is a tuple of labels, ``"all"`` (every label present in the mask) or None (the
    settings' label).
    """

    case_id: str
    image: str
    mask: str
    labels: Labels = None
    metadata: dict[str, str] = field(default_factory=dict)
    #: the ROI of an RTSTRUCT mask or segment of a SEG mask (None: its only one)
    roi: str | None = None
    #: the SeriesInstanceUID to read from an image folder holding several (None: the one the mask refers to)
    series: str | None = None

    @property
    def roi_names(self) -> tuple[str, ...]:
        """The ROI names of ``roi`` (several separated by ``|``); empty when none is given."""
        return tuple(self.roi.split(ROI_SEPARATOR)) if self.roi else ()

    @property
    def roi_labels(self) -> tuple[int, ...] | None:
        """The labels of a row naming several ROIs (1..n, in their order); None otherwise."""
        n = len(self.roi_names)
        return tuple(range(1, n + 1)) if n > 1 else None


@dataclass(frozen=True)
class ManifestProblem:
    """A manifest row that cannot be run: its row number (the header is row 1), the case id as written
    (may be empty), the label when one could be read, and why."""

    row: int
    case_id: str
    label: int | None
    reason: str


@dataclass(frozen=True)
class Manifest:
    """The runnable cases of a manifest, in file order, and the rows that cannot be run."""

    entries: list[CaseEntry]
    problems: list[ManifestProblem]


def check_manifest_path(path: str | Path) -> Path:
    """``path`` as a Path; raises :class:`ManifestError` unless it is a file."""
    path = Path(path)
    if not path.is_file():
        raise ManifestError(f"manifest {str(path)!r} does not exist or is not a file")
    return path


def _manifest_bytes(location: str | Path) -> bytes:
    """The content of the manifest at a path or URL; :class:`ManifestError` when there is none there,
    :class:`~radcore.errors.StorageError` naming the URL for another problem of its storage."""
    if not remote.is_url(location):
        return check_manifest_path(remote.local(location)).read_bytes()
    try:
        return remote.read_bytes(location)
    except (FileNotFoundError, IsADirectoryError) as exc:
        problem = remote.storage_error(location, exc)
        if "bucket does not exist" in str(problem):
            raise problem from exc
        raise ManifestError(f"manifest {remote.shown(location)!r} does not exist or is not a file") from None


def read_manifest(path: str | Path) -> Manifest:
    """The cases of a manifest CSV at a path or URL and its unrunnable rows (see the module docstring)."""
    location = path if remote.is_url(path) else remote.local(path)
    shown = remote.shown(location)
    try:
        reader = csv.DictReader(io.StringIO(_manifest_bytes(location).decode("utf-8-sig"), newline=""))
        columns = [c.strip() for c in (reader.fieldnames or [])]
        rows = list(reader)
    except (UnicodeDecodeError, csv.Error) as exc:
        raise ManifestError(f"manifest {shown!r} is not a readable CSV file: {exc}") from exc
    if all(c in columns for c in _NATIVE):
        key_columns = {"case_id": "case_id", "image": "image", "mask": "mask", "label": "label", "roi": "roi",
                       "series": "series"}
    elif all(c in columns for c in _PYRADIOMICS):
        key_columns = {"case_id": "ID", "image": "Image", "mask": "Mask", "label": "Label", "roi": "ROI",
                       "series": "Series"}
    else:
        raise ManifestError(
            f"manifest {shown!r}: expected columns case_id,image,mask (or a PyRadiomics batch CSV with "
            f"Image,Mask), got {columns}"
        )
    if not rows:
        raise ManifestError(f"manifest {shown!r} holds no case")
    metadata_columns = [c for c in columns if c not in key_columns.values()]
    cases: dict[str, CaseEntry] = {}
    problems: list[ManifestProblem] = []
    seen: set[tuple[str, object]] = set()
    for number, raw in enumerate(rows, start=2):  # row 1 is the header
        row = {(k or "").strip(): v or "" for k, v in raw.items() if k is not None}
        where = f"{posixpath.basename(shown)} row {number}"
        entry = _entry(row, key_columns, metadata_columns, location, where, number, problems)
        if entry is None:
            continue
        label = entry.labels if entry.labels in (None, ALL_LABELS) else entry.labels[0]
        old = cases.get(entry.case_id)
        if old is not None and (old.image, old.mask) != (entry.image, entry.mask):
            raise ManifestError(
                f"{where}: case {entry.case_id!r} appears again with a different image or "
                "mask; case ids must be unique per image"
            )
        if (entry.case_id, label) in seen:
            what = f"label {label}" if label is not None else "no label"
            raise ManifestError(f"{where}: case {entry.case_id!r} with {what} appears twice")
        seen.add((entry.case_id, label))
        cases[entry.case_id] = _merge(old, entry, where)
    return Manifest(list(cases.values()), problems)


def _entry(
    row: dict[str, str], keys: dict[str, str], metadata: list[str], base: str | Path, where: str, number: int,
    problems: list[ManifestProblem],
) -> CaseEntry | None:
    """The entry of one row, or None with a problem recorded when the row cannot be run."""
    image, mask = row.get(keys["image"], "").strip(), row.get(keys["mask"], "").strip()
    case_id = row.get(keys["case_id"], "")
    if not case_id.strip() and keys["case_id"] == "ID" and image:
        case_id = _stem(image)  # PyRadiomics names a case without ID after its image
    label_text = row.get(keys["label"], "").strip()
    labels: Labels = None
    label_value = None
    problem = ""
    if label_text.lower() == ALL_LABELS:
        labels = ALL_LABELS
    elif label_text:
        try:
            label_value = int(label_text)
            labels = (label_value,)
        except ValueError:
            problem = f"label must be an integer or 'all', got {label_text!r}"
    if not image or not mask:
        problem = f"image and mask must both be given, got image={image!r} mask={mask!r}"
    if not case_id.strip():
        problem = f"the case id is empty (image {image!r})"
    if problem:
        problems.append(ManifestProblem(number, case_id, label_value, f"{where}: {problem}"))
        return None
    return CaseEntry(
        case_id,
        _resolve(image, base),
        _resolve(mask, base),
        labels,
        {c: row.get(c, "").strip() for c in metadata},
        row.get(keys["roi"], "").strip() or None,
        row.get(keys["series"], "").strip() or None,
    )


def _merge(old: CaseEntry | None, new: CaseEntry, where: str) -> CaseEntry:
    """One entry per case: further rows of the same case only add labels."""
    if old is None:
        return new
    if old.labels is None or new.labels is None:
        raise ManifestError(f"{where}: case {new.case_id!r} appears on several rows; give each row a label")
    if ALL_LABELS in (old.labels, new.labels):
        raise ManifestError(f"{where}: case {new.case_id!r} has label 'all' on one row and other labels on another")
    return CaseEntry(old.case_id, old.image, old.mask, old.labels + new.labels, old.metadata, old.roi, old.series)


def _stem(image: str) -> str:
    name = Path(image.rstrip("/\\")).name
    for suffix in (".nii.gz", ".nii", ".nrrd", ".nhdr", ".mha", ".mhd"):
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return name


def _resolve(value: str, manifest: str | Path) -> str:
    """A path or URL of a manifest row: a URL as it is (``file://`` as its path), a relative path against the
    manifest's folder, or its URL's prefix when the manifest is at a URL."""
    if remote.is_url(value):
        return value
    path = os.path.expanduser(str(remote.local(value)))
    if os.path.isabs(path):
        return path
    if remote.is_url(manifest):
        url = str(remote.join(remote.parent(manifest), value))
        prefix, rest = url.split("://", 1)
        return f"{prefix}://{posixpath.normpath(rest)}" + ("/" if value.endswith("/") else "")
    return str((Path(manifest).parent / path).resolve())


def write_manifest(entries: list[CaseEntry], path: str | Path) -> None:
    """Write ``entries`` as a radcore manifest (one row per label; metadata columns after the keys)."""
    metadata = sorted({k for e in entries for k in e.metadata})
    optional = [k for k in ("roi", "series") if any(getattr(e, k) for e in entries)]
    with Path(path).open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["case_id", "image", "mask", "label", *optional, *metadata])
        for e in entries:
            for label in (e.labels,) if e.labels == ALL_LABELS else e.labels or (None,):
                w.writerow([e.case_id, e.image, e.mask, "" if label is None else label,
                            *(getattr(e, k) or "" for k in optional), *(e.metadata.get(k, "") for k in metadata)])
