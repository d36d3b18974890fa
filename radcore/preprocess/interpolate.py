"""Interpolation to a new voxel grid (IBSI 2.4), computed on the region around the ROI only.

Grid alignment (IBSI "align grid centres"): per axis with n_old voxels of size s_old, the new grid has

    n_new = ceil(n_old * s_old / s_new)

voxels of size s_new and the same centre as the original grid. In the original grid's index units the
new voxel j lies at

    p_j = (n_old - 1) / 2 + (j - (n_new - 1) / 2) * s_new / s_old,     j = 0 .. n_new - 1.

``by_slice`` keeps the slices (z is not interpolated). Intensities are sampled with nearest-neighbour
(order 0), linear (1) or cubic-spline (3) interpolation, positions outside the original grid take the
nearest edge value. The mask is interpolated as a float with ``mask_order`` and kept where the value is
at least ``mask_threshold``.

Only the new voxels within the ROI's reach plus ``margin_mm`` are computed, from the original voxels
they depend on (plus a few more so a cubic spline's prefilter sees the same neighbourhood), at the
positions of the whole-image grid: the result equals a crop of the whole interpolated image.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from radcore.errors import EmptyROIError
from radcore.io.images import Volume
from radcore.settings import InterpolationSettings

#: half-width (old voxels) beyond which a new mask voxel cannot reach the threshold, per interpolation order
_MASK_REACH = {0: 0.5, 1: 1.0, 3: 2.0}
#: extra original voxels read around the needed ones, per image interpolation order (cubic: prefilter decay)
_SOURCE_PAD = {0: 1, 1: 1, 3: 10}
#: voxels per block when sampling a large grid (bounds the memory of the coordinate arrays)
_BLOCK_VOXELS = 1 << 21


@dataclass(frozen=True)
class AxisGrid:
    """The new grid along one axis: ``n`` voxels of ``spacing`` mm at old-index positions
    ``start + j * step``."""

    n: int
    spacing: float
    start: float
    step: float

    def positions(self, lo: int = 0, hi: int | None = None) -> np.ndarray:
        """Old-index positions of new voxels ``lo .. hi - 1``."""
        hi = self.n if hi is None else hi
        return self.start + np.arange(lo, hi, dtype=np.float64) * self.step


@dataclass(frozen=True)
class Interpolated:
    """Result of :func:`interpolate_case`.

    image, mask  the interpolated crop (float64 intensities, bool mask) with its world geometry
    grid_shape   (z, y, x) size of the whole interpolated image
    diagnostics  ``img_dim_*``, ``vox_dim_*`` and (when asked) ``mean/min/max_int`` ``_interp_img`` tags
    """

    image: Volume
    mask: Volume
    grid_shape: tuple[int, int, int]
    diagnostics: dict[str, float]


def axis_grid(n_old: int, s_old: float, s_new: float) -> AxisGrid:
    """The centre-aligned new grid of one axis (see the module docstring)."""
    n_new = max(int(math.ceil(round(n_old * s_old / s_new, 9))), 1)
    step = s_new / s_old
    return AxisGrid(n_new, float(s_new), (n_old - 1) / 2.0 - (n_new - 1) / 2.0 * step, step)


def new_grid(shape: tuple[int, ...], spacing: tuple[float, ...], settings: InterpolationSettings) -> tuple[AxisGrid, ...]:
    """The new grid of an image of ``shape`` and ``spacing`` (both z, y, x); z untouched when by_slice."""
    if settings.spacing is None:
        raise ValueError("interpolation.spacing is None: there is no new grid")
    target = tuple(float(v) for v in settings.spacing[::-1])  # settings are (x, y, z)
    grids = []
    for axis, (n, s_old, s_new) in enumerate(zip(shape, spacing, target)):
        if axis == 0 and settings.by_slice:
            s_new = s_old
        grids.append(axis_grid(int(n), float(s_old), s_new))
    return tuple(grids)


def sample(array: np.ndarray, positions: tuple[np.ndarray, ...], order: int, prefiltered: bool = False) -> np.ndarray:
    """``array`` interpolated at the tensor grid of per-axis ``positions`` (old index units).

    Out-of-range positions take the nearest edge value. ``prefiltered``: ``array`` already holds cubic
    spline coefficients (:func:`scipy.ndimage.spline_filter` with mode ``nearest``).
    """
    data = np.asarray(array, dtype=np.float64)
    if order > 1 and not prefiltered:
        data = ndimage.spline_filter(data, order=order, mode="nearest", output=np.float64)
    pz, py, px = positions
    out = np.empty((pz.size, py.size, px.size), np.float64)
    slab = max(1, _BLOCK_VOXELS // max(py.size * px.size, 1))
    for z0 in range(0, pz.size, slab):
        zz, yy, xx = np.meshgrid(pz[z0:z0 + slab], py, px, indexing="ij")
        ndimage.map_coordinates(
            data, (zz, yy, xx), output=out[z0:z0 + slab], order=order, mode="nearest", prefilter=False
        )
    return out


def interpolate_case(
    image: Volume,
    mask: Volume,
    settings: InterpolationSettings,
    margin_mm: float = 0.0,
    whole_image_stats: bool = False,
) -> Interpolated:
    """Interpolate the region of ``image`` and ``mask`` (whole, uncropped volumes) around the ROI.

    The crop holds every new voxel the interpolated ROI may reach plus ``margin_mm``. With
    ``whole_image_stats`` the whole image is interpolated as well for its mean, minimum and maximum
    (IBSI diagnostics); the intensities are rounded first when ``settings.round_intensities``.
    """
    if not mask.array.any():
        raise EmptyROIError("the ROI holds no voxel before interpolation")
    grids = new_grid(image.array.shape, image.spacing, settings)
    box = np.nonzero(mask.array)
    reach = _MASK_REACH[settings.mask_order]
    new_ranges, src = [], []
    for g, idx, n_old, s_old in zip(grids, box, image.array.shape, image.spacing):
        lo_pos = idx.min() - reach - margin_mm / s_old
        hi_pos = idx.max() + reach + margin_mm / s_old
        j0 = min(max(int(math.ceil((lo_pos - g.start) / g.step - 1e-9)), 0), g.n - 1)
        j1 = max(min(int(math.floor((hi_pos - g.start) / g.step + 1e-9)), g.n - 1), j0)
        pad = max(_SOURCE_PAD[settings.image_order], _SOURCE_PAD[settings.mask_order])
        p0, p1 = g.start + j0 * g.step, g.start + j1 * g.step
        s0 = max(int(math.floor(p0)) - pad, 0)
        s1 = min(int(math.ceil(p1)) + pad + 1, n_old)
        new_ranges.append((j0, j1 + 1))
        src.append(slice(s0, s1))
    src = tuple(src)
    positions = tuple(g.positions(a, b) - s.start for g, (a, b), s in zip(grids, new_ranges, src))
    img = sample(image.array[src], positions, settings.image_order)
    msk = sample(mask.array[src].astype(np.float64), positions, settings.mask_order) >= settings.mask_threshold
    spacing = tuple(g.spacing for g in grids)
    first = np.array([g.start + a * g.step for g, (a, _) in zip(grids, new_ranges)])  # z, y, x old index
    origin = _world(image, first)
    diag = _grid_diagnostics(grids)
    if whole_image_stats:
        diag.update(_whole_image_stats(image.array, grids, settings))
    return Interpolated(
        Volume(img, spacing, origin, image.direction),
        Volume(msk, spacing, origin, image.direction),
        tuple(g.n for g in grids),
        diag,
    )


def _world(image: Volume, index_zyx: np.ndarray) -> tuple[float, float, float]:
    """World (x, y, z) position of a (fractional) voxel index of ``image``."""
    d = np.array(image.direction, dtype=np.float64).reshape(3, 3)
    offset = index_zyx[::-1] * np.array(image.spacing[::-1], dtype=np.float64)
    return tuple(float(v) for v in np.array(image.origin, dtype=np.float64) + d @ offset)


def _grid_diagnostics(grids: tuple[AxisGrid, ...]) -> dict[str, float]:
    out = {}
    for axis, g in zip("zyx", grids):
        out[f"img_dim_{axis}_interp_img"] = float(g.n)
        out[f"vox_dim_{axis}_interp_img"] = float(g.spacing)
    return out


def _whole_image_stats(array: np.ndarray, grids: tuple[AxisGrid, ...], settings: InterpolationSettings) -> dict[str, float]:
    """Mean, minimum and maximum of the whole interpolated (and rounded) image, one z-slab at a time."""
    data = np.asarray(array, dtype=np.float64)
    order = settings.image_order
    if order > 1:
        data = ndimage.spline_filter(data, order=order, mode="nearest", output=np.float64)
    pz, py, px = (g.positions() for g in grids)
    total, lo, hi = 0.0, math.inf, -math.inf
    slab = max(1, _BLOCK_VOXELS // max(py.size * px.size, 1))
    for z0 in range(0, pz.size, slab):
        block = sample(data, (pz[z0:z0 + slab], py, px), order, prefiltered=True)
        if settings.round_intensities:
            block = np.round(block)
        total += float(block.sum())
        lo, hi = min(lo, float(block.min())), max(hi, float(block.max()))
    return {
        "mean_int_interp_img": total / (pz.size * py.size * px.size),
        "min_int_interp_img": lo,
        "max_int_interp_img": hi,
    }
