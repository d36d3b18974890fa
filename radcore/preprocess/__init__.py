"""From a loaded case to the ROI arrays the feature families read.

Order (IBSI 2): crop to the mask's bounding box plus a margin, interpolate (optional), round, resegment.
"""

from __future__ import annotations

import math

import numpy as np

from radcore.errors import EmptyROIError, InvalidImageError
from radcore.io.images import Volume
from radcore.roi import RoiImage
from radcore.settings import Settings

#: radius (mm) of the 1 cm^3 sphere of the local intensity peak, plus one voxel, kept around the ROI
PEAK_RADIUS_MM = (3.0 / (4.0 * math.pi)) ** (1.0 / 3.0) * 10.0


def bounding_box(mask: np.ndarray) -> tuple[slice, ...]:
    """The smallest box (slices per axis) holding every True voxel of ``mask``."""
    idx = np.nonzero(mask)
    return tuple(slice(int(i.min()), int(i.max()) + 1) for i in idx)


def crop(volume: Volume, mask: Volume, margin_mm: float) -> tuple[Volume, Volume]:
    """Image and mask cut to the mask's bounding box grown by ``margin_mm`` (clipped at the borders)."""
    box = bounding_box(mask.array)
    grown = []
    for s, sp, n in zip(box, volume.spacing, volume.array.shape):
        m = int(math.ceil(margin_mm / sp)) + 1
        grown.append(slice(max(s.start - m, 0), min(s.stop + m, n)))
    grown = tuple(grown)
    start = np.array([g.start for g in grown][::-1], dtype=float)  # x, y, z index
    d = np.array(volume.direction).reshape(3, 3)
    origin = tuple(np.array(volume.origin) + d @ (start * np.array(volume.spacing[::-1])))
    return (
        Volume(volume.array[grown], volume.spacing, origin, volume.direction),
        Volume(mask.array[grown], mask.spacing, origin, mask.direction),
    )


def prepare(image: Volume, mask: Volume, settings: Settings, margin_mm: float = PEAK_RADIUS_MM) -> RoiImage:
    """The preprocessed ROI of one case (see module docstring), with IBSI diagnostics recorded."""
    from radcore.preprocess.diagnostics import image_diagnostics, roi_diagnostics
    from radcore.preprocess.resegment import resegment

    diag: dict[str, float] = {}
    diag.update(image_diagnostics(image, "init"))
    diag.update(roi_diagnostics(image.array, mask.array, image.spacing, "init"))
    img, msk = crop(image, mask, margin_mm + _interpolation_margin(image, settings))
    if settings.interpolation.spacing is not None:
        from radcore.preprocess.interpolate import interpolate_case

        img, msk, whole = interpolate_case(img, msk, image, settings.interpolation)
        diag.update(whole)
    else:
        diag.update(image_diagnostics(image, "interp"))
    array = img.array
    if settings.interpolation.round_intensities:
        array = np.round(array)
    morph = np.asarray(msk.array, dtype=bool)
    if not morph.any():
        raise EmptyROIError("the ROI holds no voxel after interpolation")
    diag.update(roi_diagnostics(array, morph, img.spacing, "interp"))
    if not np.isfinite(array[morph]).all():
        raise InvalidImageError("the image holds non-finite intensities (NaN or inf) inside the ROI")
    intensity = resegment(array, morph, settings.resegmentation)
    if not intensity.any():
        raise EmptyROIError(
            f"the ROI holds no voxel after resegmentation with {settings.resegmentation}"
        )
    diag.update(roi_diagnostics(array, intensity, img.spacing, "reseg"))
    return RoiImage(array, morph, intensity, img.spacing, diag)


def _interpolation_margin(image: Volume, settings: Settings) -> float:
    """Extra margin (mm) so interpolation near the ROI border sees real neighbours."""
    if settings.interpolation.spacing is None:
        return 0.0
    return 2.0 * max(max(image.spacing), max(settings.interpolation.spacing))
