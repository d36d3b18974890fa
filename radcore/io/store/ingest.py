"""Ingesting one manifest case: read its image and mask files once, and write them to the store
(:func:`radcore.io.store.write.write_case`) unless the stored copy is current (same input digests and
manifest row). Images and masks at URLs are fetched once into the local cache to be read
(:mod:`radcore.io.fetch`)."""

from __future__ import annotations

import dataclasses
import hashlib
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import numpy as np
import SimpleITK as sitk
import zarr

from radcore.errors import GeometryMismatchError, ImageReadError, InvalidImageError
from radcore.io import fetch, remote
from radcore.io.images import (
    OTHER_SERIES_KEY, Volume, check_geometry, other_series, read_mask, read_pair, read_volume, to_image, to_volume,
)
from radcore.io.integrity import is_nifti
from radcore.io.manifest import CaseEntry
from radcore.io.store.layout import DEFAULT_CHUNKS, DecodedCase, group_name, labels_attr, open_store
from radcore.io.store.write import write_case


def file_digest(path: str | Path, what: str = "file") -> str:
    """``sha256:<hex>`` of a file, or of a folder's files (names and contents, sorted by name)."""
    path = Path(path)
    h = hashlib.sha256()
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file())
        for p in files:
            h.update(str(p.relative_to(path)).encode() + b"\0")
            _hash_file(h, p)
    elif path.is_file():
        _hash_file(h, path)
    else:
        raise ImageReadError(f"{what} {str(path)!r} does not exist")
    return "sha256:" + h.hexdigest()


def _hash_file(h, path: Path) -> None:
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)


def ingest_case(store: str | Path, entry: CaseEntry, chunks: tuple[int, int, int] = DEFAULT_CHUNKS) -> str:
    """Read one manifest case and write it to the store: ``"written"``, or ``"unchanged"`` when the stored
    copy is current (:func:`ingest_decoded`)."""
    return "unchanged" if ingest_decoded(store, entry, chunks) is None else "written"


def ingest_decoded(
    store: str | Path, entry: CaseEntry, chunks: tuple[int, int, int] = DEFAULT_CHUNKS
) -> DecodedCase | None:
    """Read one manifest case and write it to the store; the case as written, still in memory (a worker
    extracts from it rather than reading it back), or None when the stored copy is current.

    Raises :class:`ImageReadError` (missing, unreadable or damaged file, non-finite voxels) or
    :class:`InvalidImageError` (not 3D scalar). An RTSTRUCT mask is
    rasterised onto the image grid once, here (its ROI ``entry.roi`` as label 1; see
    :func:`radcore.io.images.read_mask`).

    A mask off the image grid (size, spacing, origin or direction beyond 1e-3) is kept as it was read
    (``labels/native/0``, with its geometry) beside its nearest-neighbour resampling onto the image grid
    (``labels/mask/0``), and the mismatch is recorded (``geometry_mismatch``): IBSI settings refuse such a
    case when they run it, PyRadiomics params apply their own ``geometryTolerance`` and ``correctMask``
    to the mask as read, as PyRadiomics does.
    """
    digests = {"image": input_digest(entry.image, "image"), "mask": input_digest(entry.mask, "mask")}
    root = open_store(store, create=True)
    name = group_name(entry.case_id)
    if name in root and _is_current(root[name], entry, digests):
        return None
    with local_inputs(entry) as local:
        img, msk, note, modality = _read_volumes(local)
        note = note.replace(local.mask, remote.shown(entry.mask)) if local.mask != entry.mask else note
    native, mismatch = None, ""
    try:
        check_geometry(img, msk)
    except GeometryMismatchError as exc:  # kept: PyRadiomics' correctMask may still use the case
        native, mismatch = msk, str(exc)
        mask = to_image(msk)
        on_grid = sitk.Resample(mask, img.array.shape[::-1], sitk.Transform(), sitk.sitkNearestNeighbor,
                                img.origin, img.spacing[::-1], img.direction, 0, mask.GetPixelID())
        msk = to_volume(on_grid, "mask")
    modality = entry.metadata.get("modality") or modality
    return write_case(
        store, entry.case_id, img, msk,
        metadata=entry.metadata, labels=_entry_labels(entry), digests=digests, rois=tuple(entry.roi_names),
        sources={"image": remote.shown(entry.image), "mask": remote.shown(entry.mask),
                 **({"roi": entry.roi} if entry.roi else {}),
                 **({"series": entry.series} if entry.series else {})},
        modality=modality, chunks=chunks, native_mask=native, geometry_mismatch=mismatch, mask_other_series=note,
    )


def input_digest(location: str | Path, what: str) -> str:
    """:func:`file_digest` of a path, or of the object (or prefix) at a URL as fetched; the digest of a URL is
    kept with the object's version, so a case whose stored copy is current is found so without a download
    (:func:`radcore.io.fetch.digest`)."""
    if not remote.is_url(location):
        return file_digest(location, what)
    return fetch.digest(str(location), what, lambda local: file_digest(local, what))


@contextmanager
def local_inputs(entry: CaseEntry) -> Iterator[CaseEntry]:
    """``entry`` with its image and mask as local paths while the block runs: those at URLs fetched into the
    local cache (:func:`radcore.io.fetch.fetched`); errors raised in the block name the URLs."""
    with fetch.fetched(entry.image, "image") as image, fetch.fetched(entry.mask, "mask") as mask:
        yield dataclasses.replace(entry, image=str(image), mask=str(mask))


def _read_volumes(entry: CaseEntry) -> tuple[Volume, Volume, str, str]:
    """Image and mask of one manifest case as volumes, the note of a mask of another series
    (:func:`radcore.io.images.other_series`) and the DICOM modality of the image ("" when none). A pair of
    NIfTI files is decoded straight into arrays (:func:`radcore.io.images.read_volume`)."""
    names = list(entry.roi_names)
    if len(names) <= 1 and entry.roi is None and is_nifti(entry.image) and is_nifti(entry.mask):
        return read_volume(entry.image, "image"), read_volume(entry.mask, "mask"), "", ""
    if len(names) > 1:
        image, mask = _read_rois(entry, names)
    else:
        image, mask = read_pair(entry.image, entry.mask, entry.roi, entry.series)
    return to_volume(image, "image"), to_volume(mask, "mask"), other_series(mask), _modality(entry.image, image)


def _read_rois(entry: CaseEntry, names: list[str]) -> tuple[sitk.Image, sitk.Image]:
    """The image and the ROIs ``names`` of its RTSTRUCT or SEG mask as one mask of bits (label k: bit k - 1,
    so overlapping ROIs stay whole)."""
    if len(names) > 32:
        raise InvalidImageError(f"case {entry.case_id!r} names {len(names)} ROIs; at most 32 fit in one case")
    image, first = read_pair(entry.image, entry.mask, names[0], entry.series)
    bits = sitk.GetArrayFromImage(first).astype(np.uint32)
    for k, name in enumerate(names[1:], start=1):
        bits |= (sitk.GetArrayFromImage(read_mask(entry.mask, image, name)).astype(np.uint32) & 1) << k
    mask = sitk.GetImageFromArray(bits)
    mask.CopyInformation(image)
    if other_series(first):
        mask.SetMetaData(OTHER_SERIES_KEY, other_series(first))
    return image, mask


def _entry_labels(entry: CaseEntry):
    """The labels to record for ``entry``: its own, else one per ROI of a several-ROI row."""
    return entry.labels if entry.labels is not None else entry.roi_labels


def _is_current(group: Any, entry: CaseEntry, digests: dict[str, str]) -> bool:
    a = group.attrs.get("radcore", {}) if isinstance(group, zarr.Group) else {}
    return (
        a.get("case_id") == entry.case_id and a.get("digests") == digests and a.get("metadata") == entry.metadata
        and a.get("labels") == labels_attr(_entry_labels(entry)) and a.get("sources", {}).get("roi") == entry.roi
        and a.get("sources", {}).get("series") == entry.series
    )


def _modality(source: str, image: sitk.Image) -> str:
    """The DICOM modality (0008,0060) when the image came from DICOM, else ""."""
    key = "0008|0060"
    if image.HasMetaDataKey(key):
        return image.GetMetaData(key).strip()
    path = Path(source)
    if path.is_dir():
        first = next((p for p in sorted(path.iterdir()) if p.is_file()), None)
        if first is not None:
            reader = sitk.ImageFileReader()
            reader.SetFileName(str(first))
            try:
                reader.ReadImageInformation()
            except RuntimeError:
                return ""
            if reader.HasMetaDataKey(key):
                return reader.GetMetaData(key).strip()
    return ""
