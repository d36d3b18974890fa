"""The IBSI-2 filters as image types of radcore's own settings: options, reach and responses.

Each entry of ``Settings.image_types`` names one filter with scalar options (one response map each; list
several entries for several filters). Options and defaults:

========================  ==========================================================================
image type                options (default)
========================  ==========================================================================
``mean``                  ``size`` (voxels, odd), ``dimensions`` (3D), ``boundary`` (mirror)
``laplacian_of_gaussian`` ``sigma`` (mm), ``truncation`` (4.0, in sigmas), ``dimensions``, ``boundary``
``laws``                  ``kernel`` (e.g. E5L5S5; 2 letters-pairs: 2D), ``rotation_invariance`` (false),
                          ``pooling`` (max), ``energy_delta`` (null: no energy map; voxels),
                          ``boundary``
``gabor``                 ``sigma``, ``gamma``, ``wavelength`` (mm), ``theta`` (0, degrees),
                          ``theta_step`` (null: theta only; degrees), ``planes`` (axial | all),
                          ``pooling`` (mean), ``boundary``
``separable_wavelet``     ``wavelet`` (a key of DEC_LO), ``subband`` (e.g. LHL; 2 letters: 2D), ``level``
                          (1), ``rotation_invariance`` (false), ``pooling`` (mean), ``boundary``
``simoncelli``            ``level`` (1), ``dimensions``; always periodic (FFT of the unpadded image)
========================  ==========================================================================

``dimensions`` is ``2D`` (each axial slice on its own) or ``3D``; ``boundary`` is ``zero``, ``nearest``,
``periodic`` or ``mirror`` (:mod:`radcore.filters.convolution`). The definitions are in the filter
modules: :mod:`~radcore.filters.mean`, :mod:`~radcore.filters.laplacian_of_gaussian`,
:mod:`~radcore.filters.laws`, :mod:`~radcore.filters.gabor`, :mod:`~radcore.filters.separable_wavelet`,
:mod:`~radcore.filters.simoncelli`. ``laplacian_of_gaussian`` is the IBSI's sampled kernel; ``log`` stays
PyRadiomics' scale-normalised recursive one, and ``wavelet`` PyRadiomics' periodic decomposition.

Response names (image types of the feature columns), e.g. ``mean_5_3d``,
``laplacian_of_gaussian_sigma_1_5_mm_2d``, ``laws_l5e5e5_invar_max_energy_7``,
``gabor_sigma_5_0_mm_gamma_1_5_lambda_2_0_mm_theta_0_0_step_22_5_mean_all_planes``,
``wavelet_db3_llh_level_1_invar_mean``, ``simoncelli_level_2_3d``: see :func:`response_name`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from radcore.errors import SettingsError
from radcore.filters import gabor, laplacian_of_gaussian, laws, mean, separable_wavelet, simoncelli
from radcore.filters.convolution import BOUNDARIES, DIMENSIONS
from radcore.filters.wavelet_filters import DEC_LO

REQUIRED = object()
_COMMON = {"boundary": "mirror"}
#: options of each IBSI-2 image type with their defaults (REQUIRED: no default)
OPTIONS: dict[str, dict[str, Any]] = {
    "mean": {"size": REQUIRED, "dimensions": "3D", **_COMMON},
    "laplacian_of_gaussian": {"sigma": REQUIRED, "truncation": 4.0, "dimensions": "3D", **_COMMON},
    "laws": {"kernel": REQUIRED, "rotation_invariance": False, "pooling": "max", "energy_delta": None, **_COMMON},
    "gabor": {"sigma": REQUIRED, "gamma": REQUIRED, "wavelength": REQUIRED, "theta": 0.0, "theta_step": None,
              "planes": "axial", "pooling": "mean", **_COMMON},
    "separable_wavelet": {"wavelet": REQUIRED, "subband": REQUIRED, "level": 1, "rotation_invariance": False,
                          "pooling": "mean", **_COMMON},
    "simoncelli": {"level": 1, "dimensions": "3D"},
}
_NUMBERS = {"sigma", "truncation", "gamma", "wavelength", "theta", "theta_step"}
_INTEGERS = {"size", "energy_delta", "level"}
_CHOICES = {"dimensions": DIMENSIONS, "boundary": tuple(BOUNDARIES), "pooling": ("max", "min", "mean"),
            "planes": gabor.PLANES, "wavelet": tuple(DEC_LO)}


def options(name: str, given: dict[str, Any]) -> dict[str, Any]:
    """The options of IBSI-2 image type ``name``: ``given`` checked and completed with the defaults.

    Raises :class:`SettingsError` naming the option for an unknown or missing option or a bad value.
    """
    spec = OPTIONS[name]
    unknown = sorted(set(given) - set(spec))
    if unknown:
        raise SettingsError(f"image_types.{name}: unknown option {unknown[0]!r}; expected {sorted(spec)}")
    out = {k: given.get(k, default) for k, default in spec.items()}
    missing = [k for k, v in out.items() if v is REQUIRED]
    if missing:
        raise SettingsError(f"image_types.{name}: option {missing[0]!r} is required")
    for key, value in out.items():
        _check_value(name, key, value)
    _check_filter(name, out)
    return out


def _check_value(name: str, key: str, value: Any) -> None:
    where = f"image_types.{name}.{key}"
    if value is None and key in ("theta_step", "energy_delta"):
        return
    if key in _NUMBERS and (isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value)):
        raise SettingsError(f"{where}: expected a number, got {value!r}")
    if key in _INTEGERS and (isinstance(value, bool) or not isinstance(value, int)):
        raise SettingsError(f"{where}: expected an integer, got {value!r}")
    if key == "rotation_invariance" and not isinstance(value, bool):
        raise SettingsError(f"{where}: expected true or false, got {value!r}")
    if key == "kernel" and not isinstance(value, str):
        raise SettingsError(f"{where}: expected a Laws kernel name such as 'E5L5S5', got {value!r}")
    if key in _CHOICES and value not in _CHOICES[key]:
        raise SettingsError(f"{where}: expected one of {list(_CHOICES[key])}, got {value!r}")


def _check_filter(name: str, o: dict[str, Any]) -> None:
    """Value ranges the filter functions would refuse, refused when the settings are built."""
    where = f"image_types.{name}"
    positive = [k for k in ("sigma", "truncation", "gamma", "wavelength", "theta_step", "level") if k in o]
    for key in positive:
        if o[key] is not None and not o[key] > 0:
            raise SettingsError(f"{where}.{key} must be positive, got {o[key]}")
    if name == "mean" and (o["size"] < 1 or o["size"] % 2 == 0):
        raise SettingsError(f"{where}.size must be a positive odd number of voxels, got {o['size']}")
    if name == "laws":
        laws.parse_kernel(o["kernel"])
        if o["energy_delta"] is not None and o["energy_delta"] < 0:
            raise SettingsError(f"{where}.energy_delta must be >= 0 voxels or null, got {o['energy_delta']}")
    if name == "gabor":
        gabor.angles(o["theta"], o["theta_step"])
    if name == "separable_wavelet":
        separable_wavelet.check_subband(o["subband"])


def reach_mm(name: str, given: dict[str, Any], spacing: tuple[float, ...]) -> float:
    """How far (mm) the filter reaches beyond a voxel: a crop of the ROI's box grown by this much gives the
    whole image's response inside the box. ``math.inf`` for Simoncelli, which needs the whole image."""
    o = options(name, given)
    voxel = max(spacing)
    if name == "mean":
        return (o["size"] // 2) * voxel + voxel
    if name == "laplacian_of_gaussian":
        return o["truncation"] * o["sigma"] + voxel
    if name == "laws":
        return laws.reach_voxels(o["kernel"], o["energy_delta"]) * voxel + voxel
    if name == "gabor":
        return gabor.reach_mm(o["sigma"], o["gamma"]) + voxel
    if name == "separable_wavelet":
        return separable_wavelet.reach_voxels(o["wavelet"], o["level"]) * voxel + voxel
    return math.inf


def response(name: str, given: dict[str, Any], image: np.ndarray, spacing: tuple[float, float, float]) -> np.ndarray:
    """The response map (float64, shape of ``image`` (z, y, x), ``spacing`` (z, y, x) mm) of one filter."""
    o = options(name, given)
    if name == "mean":
        return mean.mean_filter(image, o["size"], o["dimensions"], o["boundary"])
    if name == "laplacian_of_gaussian":
        return laplacian_of_gaussian.laplacian_of_gaussian(
            image, spacing, o["sigma"], o["truncation"], o["dimensions"], o["boundary"]
        )
    if name == "laws":
        return laws.laws_filter(image, o["kernel"], o["boundary"], o["rotation_invariance"], o["pooling"],
                                o["energy_delta"])
    if name == "gabor":
        return gabor.gabor_filter(image, spacing, o["sigma"], o["gamma"], o["wavelength"], o["theta"],
                                  o["theta_step"], o["planes"], o["boundary"], o["pooling"])
    if name == "separable_wavelet":
        return separable_wavelet.wavelet_filter(image, o["wavelet"], o["subband"], o["level"], o["boundary"],
                                                o["rotation_invariance"], o["pooling"])
    return simoncelli.simoncelli_filter(image, o["level"], o["dimensions"])


def response_name(name: str, given: dict[str, Any]) -> str:
    """The image-type name of the response, lower case, a column prefix (module doc for examples)."""
    o = options(name, given)
    dim = o.get("dimensions", "").lower()
    invar = f"_invar_{o['pooling']}" if o.get("rotation_invariance") else ""
    if name == "mean":
        return f"mean_{o['size']}_{dim}"
    if name == "laplacian_of_gaussian":
        trunc = "" if o["truncation"] == 4.0 else f"_truncation_{column_number(o['truncation'])}"
        return f"laplacian_of_gaussian_sigma_{column_number(o['sigma'])}_mm{trunc}_{dim}"
    if name == "laws":
        energy = "" if o["energy_delta"] is None else f"_energy_{o['energy_delta']}"
        return f"laws_{o['kernel'].lower()}{invar}{energy}"
    if name == "gabor":
        text = (f"gabor_sigma_{column_number(o['sigma'])}_mm_gamma_{column_number(o['gamma'])}"
                f"_lambda_{column_number(o['wavelength'])}_mm_theta_{column_number(o['theta'])}")
        if o["theta_step"] is not None:
            text += f"_step_{column_number(o['theta_step'])}_{o['pooling']}"
        return text + ("_all_planes" if o["planes"] == "all" else "")
    if name == "separable_wavelet":
        return f"wavelet_{o['wavelet']}_{o['subband'].lower()}_level_{o['level']}{invar}"
    return f"simoncelli_level_{o['level']}_{dim}"


def column_number(x: float) -> str:
    """1.0 -> "1_0", 22.5 -> "22_5", 0.125 -> "0_125", -2 -> "m2_0": a column-safe spelling of a number."""
    text = f"{float(x):.3f}".rstrip("0")
    text = text + "0" if text.endswith(".") else text
    return text.replace(".", "_").replace("-", "m") if math.isfinite(x) else "inf"
