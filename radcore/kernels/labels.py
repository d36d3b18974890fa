"""Bounding boxes and sizes of the labels of a label map, in one pass.

``label_box(labels (z, y, x) any integer type, label) -> (lo int64 (3,), hi int64 (3,), count)``:
``lo``/``hi`` the first and last index along each axis (z, y, x) of the voxels equal to ``label`` and
``count`` their number; with no such voxel count is 0 and lo > hi (PyRadiomics' mask checks; the bool
masks of :func:`radcore.crop.box_and_count` as label 1 of their uint8 view).

``label_boxes(labels (z, y, x) non-negative integers, n) -> (lo int64 (n + 1, 3), hi int64 (n + 1, 3),
count int64 (n + 1,))``: the same for every label 1..n at once (``n`` >= the largest label; the store's
record of each label at ingest); row 0 holds the background's count, and no box.
"""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True, nogil=True)
def _label_box(labels, label, lo, hi):
    # a branch-free count per row (vectorised); only rows holding the label are searched for its ends
    nz, ny, nx = labels.shape
    count = 0
    for z in range(nz):
        for y in range(ny):
            line = labels[z, y]
            row = 0
            for x in range(nx):
                row += line[x] == label
            if row == 0:
                continue
            count += row
            first = 0
            while line[first] != label:
                first += 1
            last = nx - 1
            while line[last] != label:
                last -= 1
            lo[0] = min(lo[0], z)
            hi[0] = max(hi[0], z)
            lo[1] = min(lo[1], y)
            hi[1] = max(hi[1], y)
            lo[2] = min(lo[2], first)
            hi[2] = max(hi[2], last)
    return count


def label_box(labels: np.ndarray, label: int) -> tuple[np.ndarray, np.ndarray, int]:
    """(lo, hi, count) of the voxels of ``labels`` (3D integer array) equal to ``label``; see module doc."""
    labels = np.asarray(labels)
    if labels.ndim != 3:
        raise ValueError(f"label_box takes a 3D label map, got {labels.ndim} dimensions")
    if not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(f"label_box takes an integer label map, got {labels.dtype}")
    info = np.iinfo(labels.dtype)
    if not info.min <= int(label) <= info.max:
        return np.array(labels.shape, np.int64), np.full(3, -1, np.int64), 0
    lo = np.array(labels.shape, np.int64)
    hi = np.full(3, -1, np.int64)
    count = _label_box(labels, labels.dtype.type(label), lo, hi)
    return lo, hi, int(count)


@numba.njit(cache=True, nogil=True)
def _label_boxes(labels, lo, hi, count):
    # rows of background only (most of a CT's mask) are passed over after one vectorised OR of the row
    nz, ny, nx = labels.shape
    for z in range(nz):
        for y in range(ny):
            line = labels[z, y]
            seen = line[0]
            for x in range(nx):
                seen |= line[x]
            if seen == 0:
                continue
            for x in range(nx):
                v = line[x]
                if v == 0:
                    continue
                count[v] += 1
                if z < lo[v, 0]:
                    lo[v, 0] = z
                if z > hi[v, 0]:
                    hi[v, 0] = z
                if y < lo[v, 1]:
                    lo[v, 1] = y
                if y > hi[v, 1]:
                    hi[v, 1] = y
                if x < lo[v, 2]:
                    lo[v, 2] = x
                if x > hi[v, 2]:
                    hi[v, 2] = x


def label_boxes(labels: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(lo, hi, count) of every label 1..``n`` of ``labels`` (3D, unsigned integers <= n) and the count of
    zeros (row 0); see module doc."""
    labels = np.asarray(labels)
    if labels.ndim != 3 or labels.dtype.kind != "u":
        raise ValueError(f"label_boxes takes a 3D unsigned integer label map, got {labels.ndim}D {labels.dtype}")
    lo = np.empty((n + 1, 3), np.int64)
    lo[:] = labels.shape
    hi = np.full((n + 1, 3), -1, np.int64)
    count = np.zeros(n + 1, np.int64)
    _label_boxes(labels, lo, hi, count)
    count[0] = labels.size - count[1:].sum()
    return lo, hi, count
