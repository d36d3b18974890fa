"""Filtered images for radcore's own settings (``Settings.image_types``).

Each image type turns the preprocessed ROI image (interpolated and rounded, cropped to the ROI's bounding
box plus a margin) into one or more response maps; the intensity and texture families then run on each
response inside the same masks. Supported, with their options:

- ``original``                                  the image itself
- ``log``         ``sigma``: list of mm         Laplacian of Gaussian, scale-normalised (sigma^2 nabla^2 G * I)
- ``wavelet``     ``wavelet`` (coif1), ``level`` (1)  undecimated separable wavelet, 7 detail maps + LLL
- ``square``, ``squareroot``, ``logarithm``, ``exponential``  point-wise maps rescaled by M = max |x| in the ROI
- ``gradient``                                  gradient magnitude with spacing in mm
- the IBSI-2 filters ``mean``, ``laplacian_of_gaussian``, ``laws``, ``gabor``, ``separable_wavelet`` and
  ``simoncelli``, one response each, with the options listed in :mod:`radcore.filters.ibsi2`

Which families run on a response, and with which discretisation, is the IBSI profile's business
(:mod:`radcore.profiles.ibsi`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator

import numpy as np

from radcore.errors import SettingsError
from radcore.filters import gradient, ibsi2, log, simple, wavelet
from radcore.filters.ibsi2 import column_number as _number
from radcore.roi import RoiImage

if TYPE_CHECKING:  # settings validate image types with check(): this module must not import them
    from radcore.settings import ImageType, Settings

POINTWISE = {
    "square": simple.square,
    "squareroot": simple.squareroot,
    "logarithm": simple.logarithm,
    "exponential": simple.exponential,
}
OPTIONS = {
    "original": (),
    "log": ("sigma",),
    "wavelet": ("wavelet", "level"),
    "gradient": (),
    **{name: () for name in POINTWISE},
    **{name: tuple(spec) for name, spec in ibsi2.OPTIONS.items()},
}


def check(image_type: ImageType) -> None:
    """Raise :class:`SettingsError` for an unknown image type or option."""
    if image_type.name not in OPTIONS:
        raise SettingsError(f"image_types: unknown image type {image_type.name!r}; expected one of {sorted(OPTIONS)}")
    options = dict(image_type.options)
    if image_type.name in ibsi2.OPTIONS:
        ibsi2.options(image_type.name, options)
        return
    unknown = sorted(set(options) - set(OPTIONS[image_type.name]))
    if unknown:
        raise SettingsError(
            f"image_types.{image_type.name}: unknown option {unknown[0]!r}; "
            f"expected {list(OPTIONS[image_type.name]) or 'none'}"
        )
    if image_type.name == "log":
        sigmas = _sigmas(options)
        if not sigmas or min(sigmas) <= 0:
            raise SettingsError(f"image_types.log.sigma must be one or more positive numbers (mm), got {sigmas}")
    if image_type.name == "wavelet" and options.get("wavelet", "coif1") not in wavelet.WAVELETS:
        raise SettingsError(f"image_types.wavelet.wavelet {options['wavelet']!r} is not implemented")


def reach_mm(image_type: ImageType, spacing: tuple[float, ...]) -> float:
    """How far (mm) the filter looks beyond a voxel, so a crop this much larger than the ROI suffices;
    ``math.inf`` when the filter needs the whole image (Simoncelli)."""
    options = dict(image_type.options)
    if image_type.name in ibsi2.OPTIONS:
        return ibsi2.reach_mm(image_type.name, options, spacing)
    voxel = max(spacing)
    if image_type.name == "log":
        return log.MARGIN_SIGMAS * max(_sigmas(options)) + voxel
    if image_type.name == "wavelet":
        return wavelet.margin(options.get("wavelet", "coif1"), 0, int(options.get("level", 1))) * voxel + voxel
    if image_type.name == "gradient":
        return gradient.MARGIN * voxel
    return 0.0


def margin_mm(settings: Settings, spacing: tuple[float, ...]) -> float:
    """The largest filter reach over ``settings.image_types``."""
    return max((reach_mm(t, spacing) for t in settings.image_types), default=0.0)


def responses(roi: RoiImage, image_type: ImageType) -> Iterator[tuple[str, np.ndarray]]:
    """``(image type name, response map)`` pairs of one image type; names are column prefixes."""
    check(image_type)
    options = dict(image_type.options)
    name = image_type.name
    if name == "original":
        yield "original", roi.image
    elif name == "log":
        for sigma in _sigmas(options):
            response = log.laplacian_of_gaussian(roi.image.astype(np.float32), roi.spacing, sigma)
            yield f"log_sigma_{_number(sigma)}_mm", response.astype(np.float64)
    elif name == "wavelet":
        level = int(options.get("level", 1))
        for index, decomposition, response in wavelet.decompositions(
            roi.image, options.get("wavelet", "coif1"), 0, level
        ):
            suffix = decomposition.lower() + (f"_level_{index}" if level > 1 else "")
            yield f"wavelet_{suffix}", response
    elif name == "gradient":
        yield "gradient", gradient.gradient_magnitude(roi.image, roi.spacing).astype(np.float64)
    elif name in ibsi2.OPTIONS:
        yield ibsi2.response_name(name, options), ibsi2.response(name, options, roi.image, roi.spacing)
    else:
        scale = float(np.max(np.abs(roi.values))) or 1.0
        yield name, POINTWISE[name](roi.image, scale)


def response_names(image_type: ImageType) -> list[str]:
    """The names :func:`responses` gives the maps of ``image_type``, in its order, without computing them."""
    check(image_type)
    options = dict(image_type.options)
    name = image_type.name
    if name == "log":
        return [f"log_sigma_{_number(sigma)}_mm" for sigma in _sigmas(options)]
    if name == "wavelet":
        level = int(options.get("level", 1))
        return [f"wavelet_{dec.lower()}" + (f"_level_{index}" if level > 1 else "")
                for index, dec in wavelet.decomposition_names(3, level)]
    if name in ibsi2.OPTIONS:
        return [ibsi2.response_name(name, options)]
    return [name]


def _sigmas(options: dict) -> list[float]:
    sigma = options.get("sigma", ())
    return [float(s) for s in (sigma if isinstance(sigma, (list, tuple)) else [sigma])]

