"""Reading a stored case back: one ROI with its margin, a region, or the whole case.

Reading takes a path, a URL (:mod:`radcore.io.store.bucket`) or any ``zarr`` store. :func:`read_roi` and :func:`read_region`
read only the chunks the ROI's box touches (the boxes are recorded at ingest, see
:mod:`radcore.io.store.layout`). Each reader also takes a :class:`~radcore.io.store.layout.DecodedCase`,
the case just written and still in memory, and cuts the same volumes out of its arrays.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import zarr

from radcore.crop import crop_origin, grown_box, margin_voxels
from radcore.errors import LabelNotFoundError
from radcore.io.images import Volume
from radcore.io.store import bucket
from radcore.io.store.layout import (
    IMAGE_PATH, MASK_PATH, NATIVE_MASK_PATH, CaseInfo, DecodedCase, StoreLike, label_mask, open_case,
)

Source = StoreLike | zarr.Group | DecodedCase


class _Arrays:
    """The arrays of one case, as Zarr arrays of its group (read when sliced) or as a decoded case's."""

    def __init__(self, store: Source, case_id: str):
        if isinstance(store, DecodedCase):
            if store.info.case_id != case_id:
                raise ValueError(f"the decoded case is {store.info.case_id!r}, not {case_id!r}")
            self.info, self._decoded = store.info, store
        else:
            self._group, self.info = open_case(store, case_id)
            self._decoded = None
            self._bucket = bucket.url_of(store)

    def image(self, box=...) -> np.ndarray:
        return self._cut(IMAGE_PATH, box)

    def labels(self, box=...) -> np.ndarray:
        return self._cut(MASK_PATH, box)

    def native(self) -> np.ndarray:
        """The mask as read (off the image grid), else the mask on the grid."""
        if self._decoded is not None:
            return self._cut(NATIVE_MASK_PATH if self._decoded.native is not None else MASK_PATH, ...)
        return self._cut(NATIVE_MASK_PATH if NATIVE_MASK_PATH in self._group else MASK_PATH, ...)

    def _cut(self, path: str, box) -> np.ndarray:
        if self._decoded is None:
            array = self._group[path]
            if self._bucket is not None and bucket.reads_box(array, box):
                return bucket.read_box(self._bucket, array, box)
            return np.asarray(array[box])
        whole = {IMAGE_PATH: self._decoded.image, MASK_PATH: self._decoded.labels,
                 NATIVE_MASK_PATH: self._decoded.native}[path]
        if box is not ...:
            return whole[box].copy()  # a crop owns its voxels, as one read from disk does
        view = whole.view()
        view.flags.writeable = False  # shared by every label of the case: nobody changes it in place
        return view


def read_roi(store: Source, case_id: str, label: int, margin_mm: float) -> tuple[Volume, Volume]:
    """Image (float64) and mask (bool, ``label``) cut to the label's bounding box plus ``margin_mm``.

    Only the chunks the box touches are read. The volumes carry the whole image's shape (``full_shape``),
    the crop's ``offset`` in it and the physical position of the crop's first voxel (``origin``).
    """
    arrays = _Arrays(store, case_id)
    info = arrays.info
    roi_box = tuple(slice(start, stop) for start, stop in _label_box(info, label))
    box = grown_box(roi_box, margin_voxels(margin_mm, info.spacing, info.shape), info.shape)
    image, mask = _read_box(arrays, label, box)
    return dataclasses.replace(image, array=image.array.astype(np.float64, copy=False)), mask


def read_region(store: Source, case_id: str, label: int, box: tuple[slice, ...]) -> tuple[Volume, Volume]:
    """Image (its stored dtype) and mask (bool, ``label``) cut to ``box`` (slices (z, y, x) of the whole
    image, which must hold the label's bounding box), carrying what :func:`read_roi`'s volumes carry."""
    arrays = _Arrays(store, case_id)
    info = arrays.info
    inside = all(s.start <= a and b <= s.stop for s, (a, b) in zip(box, _label_box(info, label)))
    if not inside or any(s.start < 0 or s.stop > n for s, n in zip(box, info.shape)):
        raise ValueError(f"the box {box} must lie in the image {info.shape} and hold label {label}'s bounding box")
    return _read_box(arrays, label, box)


def _label_box(info: CaseInfo, label: int) -> tuple[tuple[int, int], ...]:
    if label not in info.boxes:
        present = ", ".join(str(v) for v in sorted(info.boxes)) or "none"
        raise LabelNotFoundError(f"label {label} does not occur in the mask of case {info.case_id!r} (labels: {present})")
    return info.boxes[label]


def _read_box(arrays: _Arrays, label: int, box: tuple[slice, ...]) -> tuple[Volume, Volume]:
    """Image (stored dtype) and mask of ``label`` in ``box``; only the chunks the box touches are read."""
    info = arrays.info
    image = arrays.image(box)
    mask = label_mask(arrays.labels(box), label, info.bits)
    offset = tuple(s.start for s in box)
    origin = crop_origin(info.origin, info.spacing, info.direction, offset)
    stats, norm = info.intensity, info.normalisation
    whole = (stats["mean"], stats["min"], stats["max"]) if {"mean", "min", "max"} <= set(stats) else None
    normalisation = (norm["mean"], norm["sigma"]) if {"mean", "sigma"} <= set(norm) else None
    kw = dict(spacing=info.spacing, origin=origin, direction=info.direction, full_shape=info.shape, offset=offset,
              whole_origin=info.origin)
    return Volume(image, whole_intensity=whole, whole_normalisation=normalisation, **kw), Volume(mask, **kw)


def read_case(store: Source, case_id: str, native_mask: bool = False) -> tuple[Volume, Volume]:
    """The whole image (stored dtype) and label mask of one case (see
    :func:`~radcore.io.store.layout.label_mask`).

    ``native_mask``: the mask as it was read, on its own grid (the recorded mask geometry; the mask as
    read when it was off the image grid) instead of the mask on the image grid.
    """
    arrays = _Arrays(store, case_id)
    info = arrays.info
    kw = dict(spacing=info.spacing, origin=info.origin, direction=info.direction)
    image = Volume(arrays.image(), **kw)
    if not native_mask:
        return image, Volume(arrays.labels(), **kw)
    geometry = info.mask_geometry or {"spacing": info.spacing, "origin": info.origin, "direction": info.direction}
    return image, Volume(arrays.native(), tuple(geometry["spacing"]), tuple(geometry["origin"]),
                         tuple(geometry["direction"]))


def read_image(store: Source, case_id: str) -> Volume:
    """The whole image of one case (its stored dtype) with its geometry, without its mask."""
    arrays = _Arrays(store, case_id)
    info = arrays.info
    return Volume(arrays.image(), spacing=info.spacing, origin=info.origin, direction=info.direction)
