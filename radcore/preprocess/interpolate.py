"""Interpolation to a new voxel grid (IBSI 2.4), computed on the region around the ROI only.

Grid alignment (IBSI "align grid centres"): per axis with n_old voxels of size s_old, the new grid has

    n_new = ceil(n_old * s_old / s_new)

voxels of size s_new and the same centre as the original grid. In the original grid's index units the
new voxel j lies at

    p_j = (n_old - 1) / 2 + (j - (n_new - 1) / 2) * s_new / s_old,     j = 0 .. n_new - 1.

``by_slice`` keeps the slices (z is not interpolated). Intensities are sampled with nearest-neighbour
(order 0), linear (1) or cubic-spline (3) interpolation, positions outside the original grid take the
nearest edge value. The mask is interpolated as a float with ``mask_order`` and kept where the value is
at least ``mask_threshold`` (less 1e-9, so values exactly at the threshold are kept despite rounding).

Only the new voxels within the ROI's reach plus ``margin_mm`` are computed, from the original voxels
they depend on (plus a few more so a cubic spline's prefilter sees the same neighbourhood), at the
positions of the whole-image grid: the result equals a crop of the whole interpolated image.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from radcore.crop import box_and_count
from radcore.errors import EmptyROIError
from radcore.io.images import Volume
from radcore.kernels.resample import resample_axis_taps, resampled_sum_min_max
from radcore.settings import InterpolationSettings

#: half-width (old voxels) beyond which a new mask voxel cannot reach the threshold, per interpolation order
_MASK_REACH = {0: 0.5, 1: 1.0, 3: 2.0}
#: extra original voxels read around the needed ones, per image interpolation order (cubic: prefilter decay)
_SOURCE_PAD = {0: 1, 1: 1, 3: 14}
#: output slices of a nearest-neighbour or linear interpolation whose whole-image statistics are summed at a time
_STATS_SLICES = 16
#: slack of the mask threshold: a value meant to be exactly at the threshold (e.g. 0.5 halfway between an
#: ROI slice and a background slice) can come out a rounding error below it
_MASK_EPS = 1e-9


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
    offset       (z, y, x) index in the whole interpolated image of the crop's first voxel
    diagnostics  ``img_dim_*``, ``vox_dim_*`` and (when asked) ``mean/min/max_int`` ``_interp_img`` tags
    """

    image: Volume
    mask: Volume
    grid_shape: tuple[int, int, int]
    offset: tuple[int, int, int]
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


def _taps(pos: np.ndarray, n: int, order: int) -> tuple[np.ndarray, np.ndarray]:
    """Source indices and weights, each (taps, len(pos)), of 1D interpolation on ``n`` samples.

    Positions are clamped to [0, n - 1] (outside: the nearest edge value). Order 3 weights are the
    cubic B-spline's, applied to spline coefficients, with coefficient indices mirrored at the edges.
    """
    p = np.clip(np.asarray(pos, dtype=np.float64), 0.0, n - 1.0)
    if order == 0 or n == 1:
        return np.minimum(np.floor(p + 0.5), n - 1).astype(np.intp)[None], np.ones((1, p.size))
    if order == 1:
        i0 = np.minimum(np.floor(p), n - 2).astype(np.intp)
        f = p - i0
        return np.stack([i0, i0 + 1]), np.stack([1.0 - f, f])
    i0 = np.floor(p).astype(np.intp)
    t = p - i0
    idx = np.stack([i0 - 1, i0, i0 + 1, i0 + 2])
    idx = np.abs(idx)  # mirror below 0
    idx = np.where(idx > n - 1, 2 * (n - 1) - idx, idx)  # mirror above n - 1
    t2, t3 = t * t, t * t * t
    w = np.stack([(1.0 - t) ** 3, 3.0 * t3 - 6.0 * t2 + 4.0, -3.0 * t3 + 3.0 * t2 + 3.0 * t + 1.0, t3]) / 6.0
    return idx, w


def _axis_taps(pos: np.ndarray, n: int, order: int) -> tuple[np.ndarray, np.ndarray]:
    """int64 source indices and weights of one axis; the identity (one tap of weight 1) when ``pos`` are the
    ``n`` original positions (:func:`resample_axis` then leaves the axis as it is)."""
    if _is_identity(pos, n):
        return np.arange(n, dtype=np.int64)[None], np.ones((1, n))
    idx, w = _taps(pos, n, order)
    return idx.astype(np.int64), w


def _is_identity(pos: np.ndarray, n: int) -> bool:
    return pos.size == n and np.array_equal(pos, np.arange(n, dtype=np.float64))


def _evaluate(coef: np.ndarray, pos: np.ndarray, axis: int, order: int) -> np.ndarray:
    idx, w = _taps(pos, coef.shape[axis], order)
    return resample_axis_taps(np.ascontiguousarray(coef, dtype=np.float64), idx.astype(np.int64), w, axis)


def _coefficients(data: np.ndarray, axis: int, order: int) -> np.ndarray:
    """Cubic B-spline coefficients along ``axis`` (mirror boundary) for order 3, else ``data``."""
    if order == 3 and data.shape[axis] > 1:
        return ndimage.spline_filter1d(data, order=3, axis=axis, mode="mirror", output=np.float64)
    return data


def resample_axis(data: np.ndarray, pos: np.ndarray, axis: int, order: int) -> np.ndarray:
    """``data`` (float64) interpolated along one ``axis`` at positions ``pos`` (old index units).

    Order 3 first turns the samples along the axis into cubic B-spline coefficients (mirror boundary).
    Positions outside [0, n - 1] take the nearest edge value.
    """
    pos = np.asarray(pos, dtype=np.float64)
    if _is_identity(pos, data.shape[axis]):
        return data
    return _evaluate(_coefficients(data, axis, order), pos, axis, order)


def sample(array: np.ndarray, positions: tuple[np.ndarray, ...], order: int) -> np.ndarray:
    """``array`` interpolated at the tensor grid of per-axis ``positions`` (old index units).

    Separable (the interpolation kernels are tensor products): one :func:`resample_axis` pass per axis,
    the most shrinking axis first. Positions outside the array take the nearest edge value.
    """
    data = np.asarray(array, dtype=np.float64)
    for axis in sorted(range(data.ndim), key=lambda a: len(positions[a]) / data.shape[a]):
        data = resample_axis(data, positions[axis], axis, order)
    return data


def interpolate_case(
    image: Volume,
    mask: Volume,
    settings: InterpolationSettings,
    margin_mm: float = 0.0,
    whole_image_stats: bool = False,
) -> Interpolated:
    """Interpolate the region of ``image`` and ``mask`` around the ROI.

    ``image`` and ``mask`` are the whole volumes, or a crop of them that says where it lies
    (``Volume.full_shape``, ``Volume.offset``): the new grid is always that of the whole image. The
    result holds every new voxel the interpolated ROI may reach plus ``margin_mm`` (as far as the crop
    has data), as a crop of the new grid. With ``whole_image_stats`` and a whole ``image``, the whole image
    is interpolated as well for its mean, minimum and maximum (IBSI diagnostics), rounded first when
    ``settings.round_intensities``; a crop cannot give them (a cohort worker, which reads crops, gets them
    from :func:`interpolated_intensity` once per case).
    """
    box, _ = box_and_count(mask.array)
    if box is None:
        raise EmptyROIError("the ROI holds no voxel before interpolation")
    # index arithmetic in the whole image's voxel indices; ``image`` may be a crop of it at ``offset``
    shape, offset = image.whole_shape, image.offset
    margin_mm = min(margin_mm, max(n * s for n, s in zip(shape, image.spacing)))  # math.inf: whole image
    grids = new_grid(shape, image.spacing, settings)
    reach = _MASK_REACH[settings.mask_order]
    pad = max(_SOURCE_PAD[settings.image_order], _SOURCE_PAD[settings.mask_order])
    new_ranges, src = [], []
    for g, b, off, n_have, s_old in zip(grids, box, offset, image.array.shape, image.spacing):
        lo_pos = off + b.start - reach - margin_mm / s_old
        hi_pos = off + b.stop - 1 + reach + margin_mm / s_old
        j0 = min(max(int(math.ceil((lo_pos - g.start) / g.step - 1e-9)), 0), g.n - 1)
        j1 = max(min(int(math.floor((hi_pos - g.start) / g.step + 1e-9)), g.n - 1), j0)
        p0, p1 = g.start + j0 * g.step, g.start + j1 * g.step
        s0 = max(int(math.floor(p0)) - pad, off)
        s1 = min(int(math.ceil(p1)) + pad + 1, off + n_have)
        new_ranges.append((j0, j1 + 1))
        src.append((s0, s1))
    crop = tuple(slice(s0 - off, s1 - off) for (s0, s1), off in zip(src, offset))
    positions = tuple(g.positions(a, b) - s0 for g, (a, b), (s0, _) in zip(grids, new_ranges, src))
    img = sample(image.array[crop], positions, settings.image_order)
    msk = sample(mask.array[crop].astype(np.float64), positions, settings.mask_order)
    msk = msk >= settings.mask_threshold - _MASK_EPS
    spacing = tuple(g.spacing for g in grids)
    first = np.array([g.start + a * g.step - off for g, (a, _), off in zip(grids, new_ranges, offset)])
    origin = _world(image, first)  # first is relative to image.array[0, 0, 0]
    diag = _grid_diagnostics(grids)
    if whole_image_stats and tuple(image.array.shape) == tuple(shape):
        diag.update(interpolated_intensity(image, settings))
    new_shape = tuple(g.n for g in grids)
    new_offset = tuple(a for a, _ in new_ranges)
    kw = dict(spacing=spacing, origin=origin, direction=image.direction, full_shape=new_shape, offset=new_offset)
    return Interpolated(Volume(img, **kw), Volume(msk, **kw), new_shape, new_offset, diag)


def source_margin_voxels(settings: InterpolationSettings) -> int:
    """Original voxels beyond the new grid's reach that interpolation reads so a crop interpolates exactly
    like the whole image (cubic splines: until the prefilter's influence has faded below 1e-8)."""
    return max(_SOURCE_PAD[settings.image_order], _SOURCE_PAD[settings.mask_order]) + 1


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


def interpolated_intensity(image: Volume, settings: InterpolationSettings) -> dict[str, float]:
    """Mean, minimum and maximum intensity of the whole ``image`` interpolated with ``settings`` (rounded
    first when ``settings.round_intensities``): the IBSI diagnostics ``mean_int_interp_img``,
    ``min_int_interp_img`` and ``max_int_interp_img``.

    They are of the whole interpolated image, which no crop gives: :func:`interpolate_case` computes them
    when handed the whole image, and a cohort worker, which reads crops, calls this once per case on the
    whole stored image (:func:`radcore.profiles.ibsi.whole_image_values`).

    Raises
    ------
    ValueError
        When ``image`` is a crop (``Volume.full_shape`` larger than its array).
    """
    if tuple(image.array.shape) != tuple(image.whole_shape):
        raise ValueError(f"the interpolated image's intensities need the whole image {image.whole_shape}, "
                         f"got a crop of shape {image.array.shape}")
    return _whole_image_stats(image.array, new_grid(image.array.shape, image.spacing, settings), settings)


def _whole_image_stats(array: np.ndarray, grids: tuple[AxisGrid, ...], settings: InterpolationSettings) -> dict[str, float]:
    """Mean, minimum and maximum of the whole interpolated (and rounded) image.

    In-plane passes first (the more shrinking of y and x first), then z, one source slice at a time
    without holding the interpolated image. Nearest-neighbour and linear interpolation take
    :data:`_STATS_SLICES` output slices at a time, so only the source slices those read are held as float64
    (a cohort worker's whole int16 CT is not copied to float64 whole). A cubic spline needs whole rows and
    columns for its prefilters: its in-plane passes run on the whole volume, then its z coefficients are
    computed.
    """
    order = settings.image_order
    pz, py, px = (g.positions() for g in grids)
    data = array
    y_first = len(py) / data.shape[1] <= len(px) / data.shape[2]
    taps = [_axis_taps(p, n, order) for p, n in zip((pz, py, px), data.shape)]
    if order == 3:
        data = np.ascontiguousarray(data, dtype=np.float64)
        for axis in (1, 2) if y_first else (2, 1):
            data = resample_axis(data, (py, px)[axis - 1], axis, order)
        if not _is_identity(pz, data.shape[0]):
            data = _coefficients(data, 0, order)
        data = np.ascontiguousarray(data)
        taps[1:] = [_axis_taps(np.arange(n, dtype=np.float64), n, 0) for n in data.shape[1:]]
    (z_idx, z_w), (y_idx, y_w), (x_idx, x_w) = taps
    step = z_idx.shape[1] if order == 3 else _STATS_SLICES
    total, lo, hi = 0.0, np.inf, -np.inf
    for j in range(0, z_idx.shape[1], step):
        block = z_idx[:, j:j + step]
        first, last = int(block.min()), int(block.max()) + 1
        part = resampled_sum_min_max(
            np.ascontiguousarray(data[first:last], dtype=np.float64), np.ascontiguousarray(block - first),
            np.ascontiguousarray(z_w[:, j:j + step]), y_idx, y_w, x_idx, x_w, y_first, settings.round_intensities,
        )
        total, lo, hi = total + part[0], min(lo, part[1]), max(hi, part[2])
    return {
        "mean_int_interp_img": total / (pz.size * py.size * px.size),
        "min_int_interp_img": lo,
        "max_int_interp_img": hi,
    }
