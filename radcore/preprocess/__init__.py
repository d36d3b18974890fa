"""From a loaded case to the ROI arrays the feature families read.

Order (IBSI 2): interpolate (optional, only around the ROI) or crop to the mask's bounding box plus a
margin, round, resegment. Discretisation follows per family (:mod:`radcore.preprocess.discretise`).
"""

from __future__ import annotations

import math

import numpy as np

from radcore.crop import bounding_box, crop_origin, grown_box, margin_voxels
from radcore.errors import EmptyROIError, InvalidImageError
from radcore.io.images import Volume
from radcore.preprocess.diagnostics import image_diagnostics, roi_diagnostics
from radcore.preprocess.interpolate import interpolate_case
from radcore.preprocess.resegment import resegment
from radcore.roi import RoiImage
from radcore.settings import Settings

#: radius (mm) of the 1 cm^3 sphere of the local intensity peak, plus one voxel, kept around the ROI
PEAK_RADIUS_MM = (3.0 / (4.0 * math.pi)) ** (1.0 / 3.0) * 10.0


def crop(volume: Volume, mask: Volume, margin_mm: float) -> tuple[Volume, Volume]:
    """Image and mask cut to the mask's bounding box grown by ``margin_mm`` (clipped at the borders;
    ``math.inf`` keeps the whole image).

    The crops record the whole image's shape and their offset in it (``Volume.full_shape``, ``offset``).
    """
    shape = volume.array.shape
    grown = grown_box(bounding_box(mask.array), margin_voxels(margin_mm, volume.spacing, shape), shape)
    origin = crop_origin(volume.origin, volume.spacing, volume.direction, [g.start for g in grown])
    offset = tuple(o + g.start for o, g in zip(volume.offset, grown))
    kw = dict(origin=origin, direction=volume.direction, full_shape=volume.whole_shape, offset=offset)
    return Volume(volume.array[grown], volume.spacing, **kw), Volume(mask.array[grown], mask.spacing, **kw)


def prepare(image: Volume, mask: Volume, settings: Settings, margin_mm: float = PEAK_RADIUS_MM) -> RoiImage:
    """The preprocessed ROI of one case (see module docstring), with IBSI diagnostics recorded.

    ``image`` and ``mask`` are the whole volumes or a crop of them that records where it lies
    (``Volume.full_shape``, ``Volume.offset``, e.g. read from a store around the ROI); grid-dependent steps
    act as on the whole image. The result covers the ROI's bounding box plus ``margin_mm`` on the
    (interpolated) grid. The whole interpolated image is computed only for the ``diagnostics`` family
    (its mean, minimum and maximum intensity) and only from a whole image; a crop leaves those
    whole-image intensity diagnostics out (a cohort worker, which reads crops, adds them once per case:
    :func:`radcore.profiles.ibsi.whole_image_values`).
    """
    diag: dict[str, float] = {}
    diag.update(image_diagnostics(image, "init"))
    diag.update(roi_diagnostics(image.array, mask.array, mask.array, image.whole_shape, "init"))
    if settings.interpolation.spacing is not None:
        done = interpolate_case(
            image, mask, settings.interpolation, margin_mm, whole_image_stats="diagnostics" in settings.families
        )
        img, msk, grid_shape = done.image, done.mask, done.grid_shape
        diag.update(done.diagnostics)
    else:
        img, msk = crop(image, mask, margin_mm)
        grid_shape = image.whole_shape
        diag.update(image_diagnostics(image, "interp"))
    array = img.array
    if settings.interpolation.round_intensities:
        array = np.round(array)
    morph = np.asarray(msk.array, dtype=bool)
    if not morph.any():
        raise EmptyROIError("the ROI holds no voxel after interpolation")
    diag.update(roi_diagnostics(array, morph, morph, grid_shape, "interp"))
    if not np.isfinite(array[morph]).all():
        raise InvalidImageError("the image holds non-finite intensities (NaN or inf) inside the ROI")
    intensity = resegment(array, morph, settings.resegmentation)
    if not intensity.any():
        raise EmptyROIError(
            f"the ROI holds no voxel after resegmentation with {settings.resegmentation}"
        )
    diag.update(roi_diagnostics(array, morph, intensity, grid_shape, "reseg"))
    return RoiImage(array, morph, intensity, img.spacing, diag, tuple(img.origin), tuple(img.direction))
