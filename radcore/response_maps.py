"""Response maps of a whole image under radcore settings (the ``radcore filter`` command).

The image goes through the settings' grid steps (interpolation and intensity rounding, on the whole
image), then each image type of ``settings.image_types`` makes its maps (:func:`radcore.image_types.responses`;
``original`` gives the preprocessed image itself). Re-segmentation and discretisation act on ROI
intensities only, so they do not change a map.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from radcore import image_types
from radcore.errors import SettingsError
from radcore.io.images import Volume
from radcore.preprocess.interpolate import interpolate_case
from radcore.roi import RoiImage
from radcore.settings import Settings


def preprocessed_image(image: Volume, settings: Settings) -> Volume:
    """``image`` interpolated (when the settings ask for it) and rounded, on its whole grid."""
    if settings.interpolation.spacing is not None:
        whole = Volume(np.ones(image.array.shape, dtype=bool), image.spacing, image.origin, image.direction)
        image = interpolate_case(image, whole, settings.interpolation, math.inf).image
    array = np.asarray(image.array, dtype=np.float64)
    if settings.interpolation.round_intensities:
        array = np.round(array)
    return Volume(array, image.spacing, image.origin, image.direction)


def response_maps(image: Volume, settings: Settings) -> dict[str, Volume]:
    """Every response map of ``settings.image_types`` on the whole of ``image``, by image-type name.

    Raises :class:`SettingsError` for PyRadiomics params (their filters run inside PyRadiomics' own
    preprocessing) and when two image types would give maps of the same name.
    """
    if settings.profile != "ibsi":
        raise SettingsError("radcore filter needs radcore settings; a PyRadiomics params file is not supported")
    pre = preprocessed_image(image, settings)
    everywhere = np.ones(pre.array.shape, dtype=bool)
    roi = RoiImage(pre.array, everywhere, everywhere, tuple(pre.spacing))
    out: dict[str, Volume] = {}
    for image_type in settings.image_types:
        for name, response in image_types.responses(roi, image_type):
            if name in out:
                raise SettingsError(f"image_types: two image types give the map {name!r}")
            out[name] = dataclasses.replace(pre, array=np.asarray(response, dtype=np.float64))
    return out
