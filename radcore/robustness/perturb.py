"""Perturbed versions of one ROI: noise, rotation, sub-voxel translation and volume adaptation.

The method of Zwanenburg et al. (Sci Rep 2019; MIRP implements it on one machine): a feature that
changes little when the image is perturbed slightly, as it would be by a second scan or a second
observer, can be trusted. :func:`versions` lists the versions :class:`~radcore.settings.PerturbationSettings`
ask for, every combination of one value of each option, the unperturbed version ``none`` first;
:func:`perturb` makes one of them from a case's image and ROI mask, in this order:

1. **noise** (repetition r of ``noise_repetitions``): Gaussian noise of standard deviation σ added to every
   voxel, σ = ``noise_level`` or, when None, :func:`estimate_noise` (MIRP's default, after Chang, Yu and
   Vetterli 2000): σ = median(|HH|) / 0.6745 with HH the image filtered by the coif1 high-pass filter
   along y and along x;
2. **rotation** by θ degrees in the axial plane and **translation** of the grid by (tx, ty, tz) fractions of
   a voxel: image and mask are sampled at p_src = c + S⁻¹ R(−θ) S (q − c) + t for each voxel q of the same
   grid, with c the ROI's centroid and S the voxel spacing (image: spline of ``image_order``, edge values
   outside; mask: ``mask_order``, kept where ≥ ``mask_threshold``);
3. **contour randomisation** (repetition r of ``contour_randomisations``): the ROI replaced by a union of
   supervoxels of the image around it, each taken with the probability of its overlap with the ROI
   (:mod:`radcore.robustness.supervoxels`);
4. **volume adaptation** by a fraction f to round((1 + f) · V) voxels: the ROI grows (f > 0) by the voxels
   outside it that are nearest (physical Euclidean distance) to it, or shrinks (f < 0) by the voxels
   inside nearest to its outside; ties are broken at random.

The random parts (the noise, the ties) come from a generator seeded by the settings' ``seed``, the case,
the label and the version's name: the same settings give the same versions on every run and worker.
A version that cannot be made (the ROI becomes empty, a rotation that needs interpolation the settings
forbid) raises; the caller records it and goes on with the other versions.
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import math
from dataclasses import dataclass

import numpy as np

from radcore.errors import EmptyROIError, GeometryMismatchError, SettingsError
from radcore.io.images import Volume
from radcore.settings import PerturbationSettings

UNPERTURBED = "none"
#: the median absolute deviation of a standard normal variable: σ = MAD / 0.6745
MAD_TO_SD = 0.6745


@dataclass(frozen=True)
class Version:
    """One perturbed version: rotation (degrees), translation (x, y, z voxel fractions), volume adaptation
    (fraction), noise repetition (1, 2, ...; 0 for no noise), contour randomisation (1, 2, ...; 0 for the
    contour as drawn). ``name`` lists what differs from none."""

    rotation: float = 0.0
    translation: tuple[float, float, float] = (0.0, 0.0, 0.0)
    adaptation: float = 0.0
    noise: int = 0
    contour: int = 0

    @property
    def name(self) -> str:
        parts = []
        if self.rotation:
            parts.append(f"rot={self.rotation:g}")
        for axis, t in zip("xyz", self.translation):
            if t:
                parts.append(f"t{axis}={t:g}")
        if self.adaptation:
            parts.append(f"vol={self.adaptation:+g}")
        if self.noise:
            parts.append(f"noise={self.noise}")
        if self.contour:
            parts.append(f"contour={self.contour}")
        return ",".join(parts) or UNPERTURBED


def versions(p: PerturbationSettings) -> list[Version]:
    """Every version ``p`` asks for: the product of rotations, translations along x, y and z, volume
    adaptations, noise repetitions and contour randomisations (none when 0), the unperturbed version first.

    Examples
    --------
    >>> from radcore.settings import PerturbationSettings
    >>> [v.name for v in versions(PerturbationSettings(rotation_angles=(0.0, 10.0), noise_repetitions=1))]
    ['none', 'noise=1', 'rot=10', 'rot=10,noise=1']
    """
    noises = range(1, p.noise_repetitions + 1) if p.noise_repetitions else (0,)
    contours = range(1, p.contour_randomisations + 1) if p.contour_randomisations else (0,)
    out = [Version()]
    for rotation, tx, ty, tz, adaptation, noise, contour in itertools.product(
            p.rotation_angles, p.translations, p.translations, p.translations, p.volume_adaptations, noises,
            contours):
        version = Version(float(rotation), (float(tx), float(ty), float(tz)), float(adaptation), int(noise),
                          int(contour))
        if version != out[0]:
            out.append(version)
    return out


def margin_mm(p: PerturbationSettings, extent_mm: tuple[float, ...], spacing: tuple[float, ...]) -> float:
    """How much more than its features need a crop around an ROI of bounding-box ``extent_mm`` (z, y, x)
    must hold so that every version stays inside it: the corners a rotation by θ swings out
    (((|cos θ| − 1) e_y + |sin θ| e_x) / 2 along y, and alike along x), a voxel for translations, and the
    shell a growth adds."""
    extra = 0.0
    e_y, e_x = extent_mm[1:]
    for angle in p.rotation_angles:
        c, s = abs(math.cos(math.radians(angle))), abs(math.sin(math.radians(angle)))
        extra = max(extra, ((c - 1.0) * e_y + s * e_x) / 2.0, ((c - 1.0) * e_x + s * e_y) / 2.0)
    if any(p.translations):
        extra += max(spacing)
    growth = max(max(p.volume_adaptations), 0.0)
    if growth:
        extra += max(extent_mm) * growth + 2.0 * max(spacing)
    return extra


def perturb(
    image: Volume, mask: Volume, version: Version, p: PerturbationSettings, key: str, noise_sd: float | None = None
) -> tuple[Volume, Volume]:
    """``version`` of ``image`` and ``mask`` (bool, the ROI, on the image's grid); ``key`` names the ROI
    (e.g. case id and label) for the random generator. The unperturbed version returns them as they are.
    ``noise_sd``: the noise level when ``p.noise_level`` is None (default :func:`estimate_noise` of the
    image; a caller making several versions of one image estimates it once).

    Raises
    ------
    EmptyROIError
        The ROI holds no voxel after the version's rotation, translation or shrinkage.
    SettingsError
        The version needs interpolation and ``p.interpolate`` is false.
    GeometryMismatchError
        The mask is not on the image's grid.
    """
    if version.name == UNPERTURBED:
        return image, mask
    if mask.array.shape != image.array.shape or mask.array.dtype != bool:
        raise GeometryMismatchError(f"perturbations need the ROI as a bool mask on the image's grid, got "
                                    f"{mask.array.dtype} {mask.array.shape} for an image {image.array.shape}")
    rng = np.random.default_rng(_seed(p.seed, key, version.name))
    values, inside = image.array, mask.array
    if version.noise:
        sigma = p.noise_level if p.noise_level is not None else noise_sd
        sigma = estimate_noise(values) if sigma is None else sigma
        values = values.astype(np.float64) + rng.normal(0.0, sigma, size=values.shape)
    if version.rotation or any(version.translation):
        values, inside = _moved(values, inside, image.spacing, version, p)
    if version.contour and inside.any():
        from radcore.robustness.supervoxels import randomised_contours

        inside = randomised_contours(values, inside, image.spacing, 1, rng)[0]
    if version.adaptation:
        inside = adapt_volume(inside, image.spacing, version.adaptation, rng)
    if not inside.any():
        raise EmptyROIError(f"version {version.name} leaves the ROI without a voxel")
    return dataclasses.replace(image, array=values), dataclasses.replace(mask, array=inside)


def estimate_noise(values: np.ndarray) -> float:
    """The noise standard deviation of an image (z, y, x) as MIRP estimates it by default (Chang, Yu and
    Vetterli 2000): median(|HH|) / 0.6745, HH the image filtered by the coif1 high-pass filter along y
    and x (MIRP divides by 0.6754)."""
    from scipy import ndimage

    from radcore.filters.wavelet import filter_bank

    hi = filter_bank("coif1")[1]
    hh = ndimage.convolve1d(np.asarray(values, dtype=np.float64), hi, axis=1)
    hh = ndimage.convolve1d(hh, hi, axis=2)
    return float(np.median(np.abs(hh)) / MAD_TO_SD)


def adapt_volume(
    inside: np.ndarray, spacing: tuple[float, ...], fraction: float, rng: np.random.Generator
) -> np.ndarray:
    """``inside`` grown (``fraction`` > 0) or shrunk (< 0) to round((1 + fraction) · V) voxels, those nearest to
    the ROI's border in physical distance first (``spacing`` (z, y, x) in mm), ties in random order.

    The distances are computed in the ROI's bounding box grown by the shell a growth may need (the whole
    array when the shell turns out thicker), so the cost follows the ROI, not the image.

    Raises
    ------
    EmptyROIError
        A shrinkage leaves no voxel, or the array has too few voxels outside the ROI for a growth.
    """
    from radcore.crop import box_and_count

    box, volume = box_and_count(inside)
    change = abs(int(round(volume * (1.0 + fraction))) - volume)
    if box is None or change == 0:
        return inside
    grow = fraction > 0
    if not grow and change >= volume:
        raise EmptyROIError(f"shrinking the {volume}-voxel ROI by {-fraction:g} of its volume leaves no voxel")
    reach_mm = 0.0
    if grow:
        extent = max((s.stop - s.start) * sp for s, sp in zip(box, spacing))
        reach_mm = extent * fraction / 2.0 + 2.0 * max(spacing)
    chosen = _nearest(inside, box, spacing, reach_mm, change, grow, rng)
    if chosen is None:  # the shell is thicker than the box allowed for: over the whole array
        whole = tuple(slice(0, n) for n in inside.shape)
        chosen = _nearest(inside, whole, spacing, math.inf, change, grow, rng)
    region, index = chosen
    out = inside.copy()
    out[region][index] = grow
    return out


def _nearest(inside: np.ndarray, box, spacing, reach_mm: float, change: int, grow: bool, rng: np.random.Generator):
    """(region, index in it) of the ``change`` voxels outside (``grow``) or inside the ROI nearest to its
    border, within ``box`` grown by ``reach_mm``; None when that region may miss nearer voxels."""
    from scipy import ndimage

    from radcore.crop import grown_box

    if grow and math.isfinite(reach_mm):
        region = grown_box(box, [int(math.ceil(reach_mm / sp)) for sp in spacing], inside.shape)
    else:
        region = grown_box(box, [1, 1, 1], inside.shape) if not grow else box
    sub = inside[region]
    candidates = ~sub if grow else sub
    where = np.flatnonzero(candidates)
    if where.size < change:
        if math.isfinite(reach_mm):
            return None
        raise EmptyROIError(f"growing the {int(inside.sum())}-voxel ROI needs {change} voxels around it; "
                            f"the image holds {where.size}")
    distance = ndimage.distance_transform_edt(candidates, sampling=spacing).ravel()[where]  # to the border
    cut = np.partition(distance, change - 1)[change - 1]
    if grow and cut > reach_mm - max(spacing):  # a voxel beyond the region might be as near
        if math.isfinite(reach_mm):
            return None
    sure = where[distance < cut]
    tied = where[distance == cut]
    picked = np.concatenate([sure, rng.choice(tied, change - sure.size, replace=False)])
    return region, np.unravel_index(picked, sub.shape)


def _moved(values: np.ndarray, inside: np.ndarray, spacing: tuple[float, ...], version: Version,
           p: PerturbationSettings) -> tuple[np.ndarray, np.ndarray]:
    """Image and mask rotated in the axial plane about the ROI's centroid and translated (see module).

    The transform is separable: a shift along z (one 1D interpolation along the axis,
    :func:`radcore.preprocess.interpolate.resample_axis`), then the same 2D rotation and in-plane shift of
    every slice, which equals the 3D spline interpolation of the whole transform. The mask is computed in
    the box its rotated ROI can reach only."""
    spacing = np.asarray(spacing, dtype=np.float64)
    shift = np.asarray(version.translation[::-1], dtype=np.float64)  # (z, y, x) voxels
    theta = math.radians(version.rotation)
    centre = np.array([c.mean() for c in np.nonzero(inside)])
    if not p.interpolate:
        if version.rotation % 90 or shift.any():
            raise SettingsError(f"version {version.name} needs interpolation and perturbation.interpolate is false "
                                "(only rotations by multiples of 90 degrees are possible)")
        if not math.isclose(spacing[1], spacing[2]):
            raise SettingsError(f"version {version.name} needs interpolation: the in-plane spacing "
                                f"{tuple(spacing[1:])} is not square, and perturbation.interpolate is false")
        centre = np.round(centre)
    cos, sin = round(math.cos(theta), 15), round(math.sin(theta), 15)
    rotation = np.array([[cos, sin], [-sin, cos]])  # R(−θ) acting on (y, x)
    matrix = np.diag(1.0 / spacing[1:]) @ rotation @ np.diag(spacing[1:])
    offset = centre[1:] + shift[1:] - matrix @ centre[1:]
    order_image = p.image_order if p.interpolate else 0
    order_mask = p.mask_order if p.interpolate else 0
    moved = _slices(np.asarray(values, dtype=np.float64), shift[0], matrix, offset, order_image, "nearest")
    region = _reach(inside, matrix, offset)
    local = offset + matrix @ np.array([region[1].start, region[2].start], dtype=np.float64)
    share = _slices(inside.astype(np.float64), shift[0], matrix, local, order_mask, "constant", region=region)
    out = np.zeros(inside.shape, dtype=bool)
    out[region] = share[region[0]] >= p.mask_threshold - 1e-9
    return moved, out


def _slices(data: np.ndarray, shift_z: float, matrix: np.ndarray, offset: np.ndarray, order: int, mode: str,
            region: tuple[slice, ...] | None = None) -> np.ndarray:
    """``data`` shifted by ``shift_z`` voxels along z, then each slice mapped by the 2D affine transform
    (output (y, x) -> input ``matrix`` (y, x) + ``offset``), on the (y, x) box of ``region`` (default: all)."""
    from scipy import ndimage

    from radcore.kernels.rotate import affine_planes_linear
    from radcore.preprocess.interpolate import resample_axis

    if shift_z:
        data = resample_axis(data, np.arange(data.shape[0]) + shift_z, 0, order)
    shape = data.shape[1:] if region is None else (region[1].stop - region[1].start, region[2].stop - region[2].start)
    out = np.empty((data.shape[0], *shape))
    if order == 1:  # the usual case: one pass over the output plane, every slice at once
        affine_planes_linear(np.ascontiguousarray(data), np.ascontiguousarray(matrix), np.asarray(offset, float),
                             mode == "constant", out)
        return out
    for k in range(data.shape[0]):
        ndimage.affine_transform(data[k], matrix, offset, output_shape=shape, output=out[k], order=order, mode=mode)
    return out


def _reach(inside: np.ndarray, matrix: np.ndarray, offset: np.ndarray) -> tuple[slice, ...]:
    """The box of the output grid where the moved ROI can be: its bounding box's corners mapped back
    (output = matrix⁻¹ (input − offset)), two voxels to spare, clipped to the array."""
    from radcore.crop import bounding_box, grown_box

    box = bounding_box(inside)
    corners = np.array([[y, x] for y in (box[1].start - 1, box[1].stop) for x in (box[2].start - 1, box[2].stop)],
                       dtype=np.float64)
    mapped = np.linalg.solve(matrix, (corners - offset).T).T
    lo = np.floor(mapped.min(axis=0)).astype(int)
    hi = np.ceil(mapped.max(axis=0)).astype(int) + 1
    planar = (slice(box[0].start, box[0].stop), slice(int(lo[0]), int(hi[0])), slice(int(lo[1]), int(hi[1])))
    clipped = tuple(slice(max(s.start, 0), min(s.stop, n)) for s, n in zip(planar, inside.shape))
    return grown_box(clipped, (2, 2, 2), inside.shape)


def _seed(seed: int, key: str, name: str) -> int:
    digest = hashlib.sha256(f"{seed}\t{key}\t{name}".encode()).digest()
    return int.from_bytes(digest[:8], "little")
