"""The image types: the filters an image goes through before features are computed, in one table.

Each profile names its own image types:

- radcore settings (``Settings.image_types``, the IBSI profile): ``original``; ``log`` (``sigma``: a list
  of mm), PyRadiomics' scale-normalised Laplacian of Gaussian; ``wavelet`` (``wavelet`` coif1, ``level``
  1), PyRadiomics' undecimated wavelet, 7 detail maps + LLL; the point-wise maps ``square``,
  ``squareroot``, ``logarithm``, ``exponential``, rescaled by M = max |x| in the ROI; ``gradient``, the
  gradient magnitude with spacing in mm; and the IBSI-2 filters ``mean``, ``laplacian_of_gaussian``,
  ``laws``, ``gabor``, ``separable_wavelet`` and ``simoncelli``, one map each, with the options of
  :mod:`radcore.filter_options` (described in :mod:`radcore.filters.ibsi2`).
- a PyRadiomics params file's ``imageType`` (the PyRadiomics profile): ``Original``, ``LoG``, ``Wavelet``,
  ``Square``, ``SquareRoot``, ``Logarithm``, ``Exponential``, ``Gradient``, ``LBP2D``, ``LBP3D``. Their
  options are the params' settings they read.

Each is an :class:`Entry` of :data:`IMAGE_TYPES`: the profile that knows it, its options, and the
:class:`Filter` that applies it. The filters are imported when an image type is applied
(:func:`filter_of`), not here: settings check their image types with the table alone, without loading
numba, SciPy or SimpleITK. Which families run on a map, and with which discretisation, is the profiles'
business (:mod:`radcore.profiles`).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterator, Literal, Mapping

from radcore.errors import SettingsError
from radcore.filter_options import OPTIONS as IBSI2_OPTIONS
from radcore.filter_options import options as ibsi2_options
from radcore.filter_options import wavelets

if TYPE_CHECKING:  # settings check image types with check(): this module must not import them
    from radcore.settings import ImageType, Settings


@dataclass(frozen=True)
class Entry:
    """One image type: the profile whose settings name it, its options (for the PyRadiomics profile, the
    settings it reads), and its :class:`Filter` subclass as ``module:class``."""

    profile: Literal["ibsi", "pyradiomics"]
    options: tuple[str, ...]
    filter: str


@dataclass(frozen=True)
class Filter:
    """One image type (``name``) with its ``options``, as it is applied. A subclass per filter gives

    - :meth:`names`: the names of its maps (column prefixes), in the order :meth:`responses` gives them;
    - :meth:`reach`: how far it reads beyond the ROI's box, so that a crop that much larger gives the whole
      image's maps inside the box;
    - :meth:`responses`: ``(name, map)`` pairs.

    The IBSI profile's filters take a :class:`radcore.roi.RoiImage` (the ROI's box plus a margin) and give
    maps of its whole shape; their reach is in mm (``math.inf``: the whole image). The PyRadiomics
    profile's take a :class:`radcore.pyradiomics.preprocess.Prepared` case and give maps cut to the ROI's
    box; their reach is ``(voxels per axis (z, y, x), whether an axis whose grown box passes the border
    takes the whole axis)``.
    """

    name: str
    options: Mapping[str, Any]

    def names(self) -> list[str]:
        raise NotImplementedError

    def reach(self, spacing: tuple[float, ...], shape: tuple[int, ...] | None = None) -> Any:
        raise NotImplementedError

    def responses(self, source) -> Iterator[tuple[str, Any]]:
        raise NotImplementedError


#: the point-wise maps, radcore name -> PyRadiomics name; each is the function of its radcore name in
#: :mod:`radcore.filters.simple`
POINTWISE = {"square": "Square", "squareroot": "SquareRoot", "logarithm": "Logarithm", "exponential": "Exponential"}

_IBSI = "radcore.filters.responses"
_PYRADIOMICS = "radcore.pyradiomics.image_types"
#: every image type of both profiles, by the name its settings give it
IMAGE_TYPES: dict[str, Entry] = {
    "original": Entry("ibsi", (), f"{_IBSI}:Original"),
    "log": Entry("ibsi", ("sigma",), f"{_IBSI}:LoG"),
    "wavelet": Entry("ibsi", ("wavelet", "level"), f"{_IBSI}:Wavelet"),
    "gradient": Entry("ibsi", (), f"{_IBSI}:Gradient"),
    **{name: Entry("ibsi", (), f"{_IBSI}:Pointwise") for name in POINTWISE},
    **{name: Entry("ibsi", tuple(spec), "radcore.filters.ibsi2:Ibsi2") for name, spec in IBSI2_OPTIONS.items()},
    "Original": Entry("pyradiomics", (), f"{_PYRADIOMICS}:Original"),
    "LoG": Entry("pyradiomics", ("sigma",), f"{_PYRADIOMICS}:LoG"),
    "Wavelet": Entry("pyradiomics", ("wavelet", "start_level", "level", "force2D", "force2Ddimension"),
                     f"{_PYRADIOMICS}:Wavelet"),
    **{name: Entry("pyradiomics", (), f"{_PYRADIOMICS}:Pointwise") for name in POINTWISE.values()},
    "Gradient": Entry("pyradiomics", ("gradientUseSpacing",), f"{_PYRADIOMICS}:Gradient"),
    "LBP2D": Entry("pyradiomics", ("lbp2DRadius", "lbp2DSamples", "lbp2DMethod", "force2Ddimension"),
                   f"{_PYRADIOMICS}:LBP2D"),
    "LBP3D": Entry("pyradiomics", ("lbp3DLevels", "lbp3DIcosphereRadius", "lbp3DIcosphereSubdivision"),
                   f"{_PYRADIOMICS}:LBP3D"),
}


def names_of(profile: str) -> list[str]:
    """The image types the settings of ``profile`` (``ibsi`` or ``pyradiomics``) name, in table order."""
    return [name for name, entry in IMAGE_TYPES.items() if entry.profile == profile]


def filter_of(name: str, options: Mapping[str, Any]) -> Filter:
    """The :class:`Filter` of image type ``name`` with ``options`` (its module is imported now)."""
    module, cls = IMAGE_TYPES[name].filter.split(":")
    return getattr(importlib.import_module(module), cls)(name, options)


def check(image_type: ImageType) -> None:
    """Raise :class:`SettingsError` for an image type or option radcore settings do not know."""
    known = names_of("ibsi")
    if image_type.name not in known:
        raise SettingsError(f"image_types: unknown image type {image_type.name!r}; expected one of {sorted(known)}")
    options = dict(image_type.options)
    if image_type.name in IBSI2_OPTIONS:
        ibsi2_options(image_type.name, options)
        return
    expected = IMAGE_TYPES[image_type.name].options
    unknown = sorted(set(options) - set(expected))
    if unknown:
        raise SettingsError(
            f"image_types.{image_type.name}: unknown option {unknown[0]!r}; expected {list(expected) or 'none'}"
        )
    if image_type.name == "log":
        given = sigmas(options)
        if not given or min(given) <= 0:
            raise SettingsError(f"image_types.log.sigma must be one or more positive numbers (mm), got {given}")
    if image_type.name == "wavelet" and options.get("wavelet", "coif1") not in wavelets():
        raise SettingsError(f"image_types.wavelet.wavelet {options['wavelet']!r} is not implemented")


def reach_mm(image_type: ImageType, spacing: tuple[float, ...]) -> float:
    """How far (mm) the filter looks beyond a voxel, so a crop this much larger than the ROI suffices;
    ``math.inf`` when the filter needs the whole image (Simoncelli)."""
    return _filter(image_type).reach(spacing)


def margin_mm(settings: Settings, spacing: tuple[float, ...]) -> float:
    """The largest filter reach over ``settings.image_types``."""
    return max((reach_mm(t, spacing) for t in settings.image_types), default=0.0)


def responses(roi, image_type: ImageType) -> Iterator[tuple[str, Any]]:
    """``(image type name, response map)`` pairs of one image type of radcore settings on a
    :class:`radcore.roi.RoiImage`; names are column prefixes."""
    check(image_type)
    return _filter(image_type).responses(roi)


def response_names(image_type: ImageType) -> list[str]:
    """The names :func:`responses` gives the maps of ``image_type``, in its order, without computing them."""
    check(image_type)
    return _filter(image_type).names()


def sigmas(options: Mapping[str, Any]) -> list[float]:
    """The ``sigma`` option of ``log``, one number or a list, as a list of floats."""
    sigma = options.get("sigma", ())
    return [float(s) for s in (sigma if isinstance(sigma, (list, tuple)) else [sigma])]


def _filter(image_type: ImageType) -> Filter:
    return filter_of(image_type.name, dict(image_type.options))
