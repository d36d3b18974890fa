"""QC pictures: the ROI's outline on the image at its largest slice in each of the three planes.

One small PNG per (case, label), ``DATASET/qc/<case>_label<k>.png`` (the case id encoded as for store
groups, :func:`radcore.io.store.group_name`), written by the worker that already holds the image and the
ROI. Panels, left to right: axial (z), coronal (y) and sagittal (x) slices through the ROI's largest
cross-section, each cut to the ROI's box plus a margin, scaled to :data:`PANEL_HEIGHT` pixels with the
voxel spacing's aspect, the outline in red. CT is shown in a soft-tissue window (level 40, width 400 HU),
other modalities between the 1st and 99th percentile of the panel (NaN voxels, where a voxel map is
undefined, black). Drawn as an RGB array and saved as PNG
by :mod:`radcore.io.png`, so a picture costs milliseconds and a worker loads no plotting library.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from radcore.io import remote
from radcore.io.png import encode_png
from radcore.io.store import group_name

PANEL_HEIGHT = 128
MARGIN_VOXELS = 8
CT_WINDOW = (-160.0, 240.0)
OUTLINE = np.array([1.0, 0.15, 0.1])


def picture_path(dataset: str | Path, case_id: str, label: int, what: str = "") -> Path | str:
    """Where the QC picture of (``case_id``, ``label``) goes; ``what="map"``: the picture of its chosen
    voxel feature map (``radcore run --maps --map NAME``)."""
    return remote.join(dataset, "qc", f"{group_name(case_id)}_label{int(label)}{'_' + what if what else ''}.png")


def write_picture(path: str | Path, image: np.ndarray, mask: np.ndarray, spacing, modality: str = "") -> Path | str:
    """Write the three-plane picture of the bool ``mask`` on ``image`` (same (z, y, x) grid) to ``path``."""
    panels = [_panel(image, mask, axis, spacing, modality) for axis in range(3)]
    gap = np.ones((PANEL_HEIGHT, 4, 3))
    row = np.concatenate([p for panel in panels for p in (panel, gap)][:-1], axis=1)
    remote.write_bytes(path, encode_png(np.round(np.clip(row, 0.0, 1.0) * 255).astype(np.uint8)))
    return path


def _panel(image: np.ndarray, mask: np.ndarray, axis: int, spacing, modality: str) -> np.ndarray:
    """The RGB panel normal to ``axis`` through the ROI's largest cross-section."""
    counts = mask.sum(axis=tuple(a for a in range(3) if a != axis))
    index = int(np.argmax(counts))
    picture = np.take(image, index, axis=axis).astype(np.float64)
    outline = np.take(mask, index, axis=axis)
    rows, cols = np.nonzero(outline) if outline.any() else (np.array([0]), np.array([0]))
    r0, r1 = max(rows.min() - MARGIN_VOXELS, 0), min(rows.max() + MARGIN_VOXELS + 1, picture.shape[0])
    c0, c1 = max(cols.min() - MARGIN_VOXELS, 0), min(cols.max() + MARGIN_VOXELS + 1, picture.shape[1])
    picture, outline = picture[r0:r1, c0:c1], outline[r0:r1, c0:c1]
    row_mm, col_mm = (s for a, s in enumerate(spacing) if a != axis)
    width = max(1, int(round(PANEL_HEIGHT * (picture.shape[1] * col_mm) / (picture.shape[0] * row_mm))))
    ri = np.minimum((np.arange(PANEL_HEIGHT) + 0.5) * picture.shape[0] / PANEL_HEIGHT, picture.shape[0] - 1)
    ci = np.minimum((np.arange(width) + 0.5) * picture.shape[1] / width, picture.shape[1] - 1)
    picture = picture[ri.astype(int)][:, ci.astype(int)]
    outline = outline[ri.astype(int)][:, ci.astype(int)]
    finite = np.isfinite(picture)  # a voxel map is NaN where it is undefined (outside the ROI): black
    low, high = CT_WINDOW if modality == "CT" else np.percentile(picture[finite], (1, 99)) if finite.any() else (0, 1)
    grey = np.where(finite, (np.where(finite, picture, low) - low) / max(high - low, 1e-12), 0.0)
    rgb = np.repeat(np.clip(grey, 0, 1)[..., None], 3, axis=2)
    edge = outline & ~_eroded(outline)
    rgb[edge] = OUTLINE
    return rgb


def _eroded(mask: np.ndarray) -> np.ndarray:
    """``mask`` without its pixels that have a 4-neighbour outside it."""
    inner = mask.copy()
    inner[1:] &= mask[:-1]
    inner[:-1] &= mask[1:]
    inner[:, 1:] &= mask[:, :-1]
    inner[:, :-1] &= mask[:, 1:]
    inner[0] = inner[-1] = False
    inner[:, 0] = inner[:, -1] = False
    return inner
