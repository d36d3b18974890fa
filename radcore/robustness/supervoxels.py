"""Contours randomised from supervoxels, as MIRP makes them (Zwanenburg et al., Sci Rep 2019).

1. The image around the ROI (its bounding box and ``boundary_mm`` more) is clipped to the ROI's intensity
   range widened by 10 % on each side and scaled to [0, 1], smoothed by a Gaussian of σ = the smallest
   spacing, and cut into SLIC supervoxels (:func:`supervoxels`): about one per max(20 voxels, 500 mm³),
   compactness 0.05, spatial distances in mm.
2. Each supervoxel's overlap with the ROI (the fraction of its voxels inside) is the probability that a
   randomised contour holds it; supervoxels covered at 90 % or more are always taken, those under 20 %
   never, the most covered one always.
3. Each repetition draws one uniform number per supervoxel, takes those whose number is below their
   probability, and closes the union (a binary closing with the 6-connected structure) to fill small gaps.

MIRP uses scikit-image's ``slic`` (which also merges supervoxels that are not connected); radcore's SLIC
(:mod:`radcore.kernels.supervoxels` for the assignment, NumPy for the centre updates) does not merge them.
"""

from __future__ import annotations

import math

import numpy as np

#: SLIC's compactness (MIRP's) and the iterations of its k-means
COMPACTNESS = 0.05
ITERATIONS = 10
#: a supervoxel holds at least this many voxels and this volume (mm³)
MIN_VOXELS = 20.0
MIN_VOLUME_MM3 = 500.0


def supervoxels(image: np.ndarray, spacing: tuple[float, ...], n_segments: int,
                compactness: float = COMPACTNESS, iterations: int = ITERATIONS) -> np.ndarray:
    """SLIC supervoxel labels (int64, 0 … k − 1) of a 3D image scaled to [0, 1] (``spacing`` (z, y, x) mm):
    centres start on a regular grid of about ``n_segments`` cells of side S; each iteration assigns every
    voxel to the nearest centre within S along each axis (a 2S × 2S × 2S region, as in SLIC;
    :func:`radcore.kernels.supervoxels.slic_assign`) and moves the
    centres to the mean position and intensity of their voxels. Labels without a voxel are dropped and
    the rest renumbered."""
    from radcore.kernels.supervoxels import slic_assign

    image = np.ascontiguousarray(image, dtype=np.float64)
    spacing_a = np.asarray(spacing, dtype=np.float64)
    centres, side = _grid_centres(image, spacing_a, max(int(n_segments), 1))
    window = np.array([int(math.ceil(side / s)) for s in spacing_a], dtype=np.int64)
    weight = (compactness / side) ** 2
    labels = np.full(image.shape, -1, dtype=np.int64)
    distance = np.empty(image.shape)
    grid = np.indices(image.shape).reshape(3, -1).astype(np.float64)
    for _ in range(iterations):
        labels.fill(-1)
        distance.fill(np.inf)
        slic_assign(image, centres, window, spacing_a, weight, labels, distance)
        centres = _updated(centres, labels.ravel(), grid, image.ravel())
    _, renumbered = np.unique(labels, return_inverse=True)
    return renumbered.reshape(image.shape).astype(np.int64)


def assign_reference(image: np.ndarray, centres: np.ndarray, window: np.ndarray, spacing: np.ndarray,
                     weight: float) -> np.ndarray:
    """The labels of one assignment step, plainly: every voxel's distance to every centre, the nearest
    within the window (the NumPy reference of :func:`radcore.kernels.supervoxels.slic_assign`; ties to the
    first centre)."""
    grid = np.indices(image.shape).astype(np.float64)
    best = np.full(image.shape, np.inf)
    labels = np.full(image.shape, -1, dtype=np.int64)
    for c, (cz, cy, cx, ci) in enumerate(centres):
        near = np.ones(image.shape, dtype=bool)
        for axis, centre in enumerate((cz, cy, cx)):
            near &= np.abs(grid[axis] - int(centre)) <= window[axis]
        spatial = sum(((grid[a] - (cz, cy, cx)[a]) * spacing[a]) ** 2 for a in range(3))
        d = (image - ci) ** 2 + weight * spatial
        better = near & (d < best)
        best[better] = d[better]
        labels[better] = c
    return labels


def randomised_contours(image: np.ndarray, inside: np.ndarray, spacing: tuple[float, ...], repetitions: int,
                        rng: np.random.Generator, boundary_mm: float = 25.0) -> list[np.ndarray]:
    """``repetitions`` contours of the ROI ``inside`` (bool, on ``image``'s grid) randomised from the
    supervoxels of the image around it (see the module docstring), as bool arrays like ``inside``."""
    from scipy import ndimage

    from radcore.crop import bounding_box, grown_box, margin_voxels

    box = grown_box(bounding_box(inside), margin_voxels(boundary_mm, spacing, inside.shape), inside.shape)
    values, roi = np.asarray(image[box], dtype=np.float64), inside[box]
    low, high = float(values[roi].min()), float(values[roi].max())
    widen = 0.1 * (high - low) if high > low else 1.0
    low, high = low - widen, high + widen
    scaled = (np.clip(values, low, high) - low) / (high - low)
    smoothed = ndimage.gaussian_filter(scaled, sigma=[min(spacing) / s for s in spacing], mode="nearest")
    per_segment = max(MIN_VOXELS, MIN_VOLUME_MM3 / float(np.prod(spacing)))
    labels = supervoxels(smoothed, spacing, int(values.size / per_segment))
    n = int(labels.max()) + 1
    inside_count = np.bincount(labels[roi], minlength=n)
    total = np.bincount(labels.ravel(), minlength=n)
    probability = inside_count / np.maximum(total, 1)
    touching = np.flatnonzero(inside_count)
    chance = probability[touching]
    chance[np.argmax(chance)] = 1.0
    chance[chance >= 0.9] = 1.0
    chance[chance < 0.2] = 0.0
    out = []
    for _ in range(repetitions):
        taken = np.zeros(n, dtype=bool)
        taken[touching[rng.random(touching.size) < chance]] = True
        contour = np.zeros(inside.shape, dtype=bool)
        contour[box] = ndimage.binary_closing(taken[labels])
        out.append(contour)
    return out


def _grid_centres(image: np.ndarray, spacing: np.ndarray, n_segments: int) -> tuple[np.ndarray, float]:
    """Centres (z, y, x, intensity) on a regular grid of cubes of side S = (volume / n)^(1/3) mm, each at
    its cell's middle, and S."""
    extent = np.array(image.shape) * spacing
    side = float((np.prod(extent) / n_segments) ** (1.0 / 3.0))
    axes = []
    for n_vox, s in zip(image.shape, spacing):
        cells = max(int(round(n_vox * s / side)), 1)
        axes.append((np.arange(cells) + 0.5) * n_vox / cells - 0.5)
    zz, yy, xx = np.meshgrid(*axes, indexing="ij")
    points = np.stack([zz.ravel(), yy.ravel(), xx.ravel()], axis=1)
    index = tuple(np.clip(np.round(points).astype(int), 0, np.array(image.shape) - 1).T)
    return np.column_stack([points, image[index]]), side


def _updated(centres: np.ndarray, labels: np.ndarray, grid: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Each centre moved to the mean position and intensity of its voxels (a centre without voxels stays)."""
    k = centres.shape[0]
    columns = (*grid, values)
    if labels.min() < 0:  # voxels no centre reached (none when the windows cover the image)
        assigned = labels >= 0
        labels = labels[assigned]
        columns = tuple(c[assigned] for c in columns)
    count = np.bincount(labels, minlength=k).astype(np.float64)
    out = centres.copy()
    has = count > 0
    for column, data in enumerate(columns):
        out[has, column] = np.bincount(labels, weights=data, minlength=k)[has] / count[has]
    return out
