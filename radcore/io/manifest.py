"""Cohort manifests: which image and mask make up each case.

Two CSV dialects are read:

- radcore's own: columns ``case_id,image,mask``, an optional ``label`` column and any number of free
  metadata columns (kept as strings and written next to the features);
- PyRadiomics' batch CSV: columns ``Image,Mask`` with optional ``ID`` (the case id; else the image file
  name without extension) and ``Label``; other columns are metadata.

A case may appear on several rows with different labels (one result row per label) as long as its image
and mask stay the same. Relative paths are resolved against the manifest's folder. Files are not opened
here: a missing or unreadable image is a per-case failure of the cohort run, not a manifest error.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

from radcore.errors import ManifestError

#: case ids become Zarr group names and file-system folders: keep them portable
_CASE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]*$")
_NATIVE = ("case_id", "image", "mask")
_PYRADIOMICS = ("Image", "Mask")


@dataclass(frozen=True)
class CaseEntry:
    """One case of a manifest: its files, the labels to extract (None: the settings' label) and metadata."""

    case_id: str
    image: str
    mask: str
    labels: tuple[int, ...] | None = None
    metadata: dict[str, str] = field(default_factory=dict)


def read_manifest(path: str | Path) -> list[CaseEntry]:
    """The cases of a manifest CSV, in file order (see the module docstring for the columns)."""
    path = Path(path)
    if not path.is_file():
        raise ManifestError(f"manifest {str(path)!r} does not exist or is not a file")
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            columns = [c.strip() for c in (reader.fieldnames or [])]
            rows = list(reader)
    except (UnicodeDecodeError, csv.Error) as exc:
        raise ManifestError(f"manifest {str(path)!r} is not a readable CSV file: {exc}") from exc
    if all(c in columns for c in _NATIVE):
        key_columns = {"case_id": "case_id", "image": "image", "mask": "mask", "label": "label"}
    elif all(c in columns for c in _PYRADIOMICS):
        key_columns = {"case_id": "ID", "image": "Image", "mask": "Mask", "label": "Label"}
    else:
        raise ManifestError(
            f"manifest {str(path)!r}: expected columns case_id,image,mask (or a PyRadiomics batch CSV with "
            f"Image,Mask), got {columns}"
        )
    if not rows:
        raise ManifestError(f"manifest {str(path)!r} holds no case")
    metadata_columns = [c for c in columns if c not in key_columns.values()]
    cases: dict[str, CaseEntry] = {}
    seen: set[tuple[str, int | None]] = set()
    for number, raw in enumerate(rows, start=2):  # row 1 is the header
        row = {(k or "").strip(): (v or "").strip() for k, v in raw.items() if k is not None}
        entry = _entry(row, key_columns, metadata_columns, path.parent, f"{path.name} row {number}")
        label = entry.labels[0] if entry.labels else None
        old = cases.get(entry.case_id)
        if old is not None and (old.image, old.mask) != (entry.image, entry.mask):
            raise ManifestError(
                f"{path.name} row {number}: case {entry.case_id!r} appears again with a different image or "
                "mask; case ids must be unique per image"
            )
        if (entry.case_id, label) in seen:
            what = f"label {label}" if label is not None else "no label"
            raise ManifestError(f"{path.name} row {number}: case {entry.case_id!r} with {what} appears twice")
        seen.add((entry.case_id, label))
        cases[entry.case_id] = _merge(old, entry, f"{path.name} row {number}")
    return list(cases.values())


def _entry(row: dict[str, str], keys: dict[str, str], metadata: list[str], base: Path, where: str) -> CaseEntry:
    image, mask = row.get(keys["image"], ""), row.get(keys["mask"], "")
    if not image or not mask:
        raise ManifestError(f"{where}: image and mask must both be given, got image={image!r} mask={mask!r}")
    case_id = row.get(keys["case_id"], "") or _stem(image)
    if not _CASE_ID.match(case_id):
        raise ManifestError(
            f"{where}: case id {case_id!r} must start with a letter or digit and hold only letters, digits "
            "and . _ + -"
        )
    label_text = row.get(keys["label"], "")
    labels = None
    if label_text:
        try:
            labels = (int(label_text),)
        except ValueError:
            raise ManifestError(f"{where}: label must be an integer, got {label_text!r}") from None
    return CaseEntry(
        case_id,
        _resolve(image, base),
        _resolve(mask, base),
        labels,
        {c: row.get(c, "") for c in metadata},
    )


def _merge(old: CaseEntry | None, new: CaseEntry, where: str) -> CaseEntry:
    """One entry per case: further rows of the same case only add labels."""
    if old is None:
        return new
    if old.labels is None or new.labels is None:
        raise ManifestError(f"{where}: case {new.case_id!r} appears on several rows; give each row a label")
    return CaseEntry(old.case_id, old.image, old.mask, old.labels + new.labels, old.metadata)


def _stem(image: str) -> str:
    name = Path(image.rstrip("/\\")).name
    for suffix in (".nii.gz", ".nii", ".nrrd", ".nhdr", ".mha", ".mhd"):
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return name


def _resolve(value: str, base: Path) -> str:
    p = Path(value).expanduser()
    return str(p if p.is_absolute() else (base / p).resolve())


def write_manifest(entries: list[CaseEntry], path: str | Path) -> None:
    """Write ``entries`` as a radcore manifest (one row per label; metadata columns after the keys)."""
    metadata = sorted({k for e in entries for k in e.metadata})
    with Path(path).open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["case_id", "image", "mask", "label", *metadata])
        for e in entries:
            for label in e.labels or (None,):
                w.writerow([e.case_id, e.image, e.mask, "" if label is None else label,
                            *(e.metadata.get(k, "") for k in metadata)])
