"""The IBSI-2 filters as image types of radcore's own settings: names, reach and responses.

Each entry of ``Settings.image_types`` names one filter with scalar options (one response map each; list
several entries for several filters). Options and defaults (checked by :mod:`radcore.filter_options` when
the settings are built):

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
from typing import Any, Iterator

import numpy as np

from radcore.filter_options import options
from radcore.filters import gabor, laplacian_of_gaussian, laws, mean, separable_wavelet, simoncelli
from radcore.image_types import Filter


class Ibsi2(Filter):
    """An IBSI-2 image type of radcore settings: its one map, named by :func:`response_name`."""

    def names(self) -> list[str]:
        return [response_name(self.name, self.options)]

    def reach(self, spacing, shape=None) -> float:
        return reach_mm(self.name, self.options, spacing)

    def responses(self, roi) -> Iterator[tuple[str, np.ndarray]]:
        yield response_name(self.name, self.options), response(self.name, self.options, roi.image, roi.spacing)


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
