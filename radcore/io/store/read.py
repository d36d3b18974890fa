"""Reading a stored case back: one ROI with its margin, a region, or the whole case.

Reading takes a path or any ``zarr`` store (e.g. object storage). :func:`read_roi` and :func:`read_region`
read only the chunks the ROI's box touches (the boxes are recorded at ingest, see
:mod:`radcore.io.store.layout`).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import zarr

from radcore.crop import crop_origin, grown_box, margin_voxels
from radcore.errors import LabelNotFoundError
from radcore.io.images import Volume
from radcore.io.store.layout import (
    IMAGE_PATH, MASK_PATH, NATIVE_MASK_PATH, CaseInfo, StoreLike, label_mask, open_case,
)


def read_roi(
    store: StoreLike | zarr.Group, case_id: str, label: int, margin_mm: float
) -> tuple[Volume, Volume]:
    """Image (float64) and mask (bool, ``label``) cut to the label's bounding box plus ``margin_mm``.

    Only the chunks the box touches are read. The volumes carry the whole image's shape (``full_shape``),
    the crop's ``offset`` in it and the physical position of the crop's first voxel (``origin``).
    """
    group, info = open_case(store, case_id)
    roi_box = tuple(slice(start, stop) for start, stop in _label_box(info, label))
    box = grown_box(roi_box, margin_voxels(margin_mm, info.spacing, info.shape), info.shape)
    image, mask = _read_box(group, info, label, box)
    return dataclasses.replace(image, array=image.array.astype(np.float64, copy=False)), mask


def read_region(
    store: StoreLike | zarr.Group, case_id: str, label: int, box: tuple[slice, ...]
) -> tuple[Volume, Volume]:
    """Image (its stored dtype) and mask (bool, ``label``) cut to ``box`` (slices (z, y, x) of the whole
    image, which must hold the label's bounding box), carrying what :func:`read_roi`'s volumes carry."""
    group, info = open_case(store, case_id)
    inside = all(s.start <= a and b <= s.stop for s, (a, b) in zip(box, _label_box(info, label)))
    if not inside or any(s.start < 0 or s.stop > n for s, n in zip(box, info.shape)):
        raise ValueError(f"the box {box} must lie in the image {info.shape} and hold label {label}'s bounding box")
    return _read_box(group, info, label, box)


def _label_box(info: CaseInfo, label: int) -> tuple[tuple[int, int], ...]:
    if label not in info.boxes:
        present = ", ".join(str(v) for v in sorted(info.boxes)) or "none"
        raise LabelNotFoundError(f"label {label} does not occur in the mask of case {info.case_id!r} (labels: {present})")
    return info.boxes[label]


def _read_box(group: zarr.Group, info: CaseInfo, label: int, box: tuple[slice, ...]) -> tuple[Volume, Volume]:
    """Image (stored dtype) and mask of ``label`` in ``box``; only the chunks the box touches are read."""
    image = np.asarray(group[IMAGE_PATH][box])
    mask = label_mask(np.asarray(group[MASK_PATH][box]), label, info.bits)
    offset = tuple(s.start for s in box)
    origin = crop_origin(info.origin, info.spacing, info.direction, offset)
    stats, norm = info.intensity, info.normalisation
    whole = (stats["mean"], stats["min"], stats["max"]) if {"mean", "min", "max"} <= set(stats) else None
    normalisation = (norm["mean"], norm["sigma"]) if {"mean", "sigma"} <= set(norm) else None
    kw = dict(spacing=info.spacing, origin=origin, direction=info.direction, full_shape=info.shape, offset=offset,
              whole_origin=info.origin)
    return Volume(image, whole_intensity=whole, whole_normalisation=normalisation, **kw), Volume(mask, **kw)


def read_case(store: StoreLike | zarr.Group, case_id: str, native_mask: bool = False) -> tuple[Volume, Volume]:
    """The whole image (stored dtype) and label mask of one case (see
    :func:`~radcore.io.store.layout.label_mask`).

    ``native_mask``: the mask as it was read, on its own grid (the recorded mask geometry; the mask as
    read when it was off the image grid) instead of the mask on the image grid.
    """
    group, info = open_case(store, case_id)
    kw = dict(spacing=info.spacing, origin=info.origin, direction=info.direction)
    image = Volume(group[IMAGE_PATH][...], **kw)
    if not native_mask:
        return image, Volume(group[MASK_PATH][...], **kw)
    path = NATIVE_MASK_PATH if NATIVE_MASK_PATH in group else MASK_PATH
    geometry = info.mask_geometry or {"spacing": info.spacing, "origin": info.origin, "direction": info.direction}
    return image, Volume(group[path][...], tuple(geometry["spacing"]), tuple(geometry["origin"]),
                         tuple(geometry["direction"]))


def read_image(store: StoreLike | zarr.Group, case_id: str) -> Volume:
    """The whole image of one case (its stored dtype) with its geometry, without its mask."""
    group, info = open_case(store, case_id)
    return Volume(group[IMAGE_PATH][...], spacing=info.spacing, origin=info.origin, direction=info.direction)
