"""The two profiles: the IBSI's and PyRadiomics' ways through one case, over the same kernels and formulas.

A profile is what differs between the conventions once the matrices and formulas are shared: how the image
is read and preprocessed (IBSI interpolation and rounding vs ITK B-spline resampling and whole-image
normalisation), which filters it knows, how matrices are aggregated, and how much of the image a cohort
worker must read. Settings state their profile (:attr:`radcore.settings.Settings.profile`): radcore's own
YAML says ``profile: pyradiomics`` or (the default) ``ibsi``; a PyRadiomics params file implies
``pyradiomics``. Every caller goes through :func:`profile_of`; nothing else branches on the convention.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from radcore.profiles import ibsi, pyradiomics


@dataclass(frozen=True)
class Profile:
    """One convention's way through a case.

    extract_images   (image: sitk.Image, mask: sitk.Image, settings, label) -> {FeatureKey: value}; the
                     images as read (pixel types kept), the mask a label map, an RTSTRUCT's or SEG's ROI
    extract_volumes  (image: Volume, mask: Volume, settings, label) -> {FeatureKey: value}; the mask the ROI
                     (bool) or a label map whose ``label`` is the ROI
    feature_keys     (settings) -> [FeatureKey]: every key a case can give, from the registry and the image
                     types' names, without computing a case (the dataset's columns and catalogue)
    source_box       None: a cohort worker reads the ROI's bounding box grown by
                     :func:`radcore.cohort.margin.required_margin_mm` on the image grid; otherwise
                     (settings, info: radcore.io.store.CaseInfo, label) -> the box (slices (z, y, x)) of the
                     whole image whose crop gives the whole image's features, or None when the worker must
                     read the whole image and the mask as ingested, on its own grid
    """

    name: str
    extract_images: Callable
    extract_volumes: Callable
    feature_keys: Callable
    source_box: Callable | None


IBSI = Profile("ibsi", ibsi.extract_images, ibsi.extract_volumes, ibsi.feature_keys, source_box=None)
PYRADIOMICS = Profile("pyradiomics", pyradiomics.extract_images, pyradiomics.extract_volumes,
                      pyradiomics.feature_keys, source_box=pyradiomics.source_box)
PROFILES = {p.name: p for p in (IBSI, PYRADIOMICS)}


def profile_of(settings) -> Profile:
    """The :class:`Profile` the settings state."""
    return PROFILES[settings.profile]
