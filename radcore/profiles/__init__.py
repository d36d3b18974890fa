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

from radcore.profiles import ibsi, ibsi_maps, pyradiomics


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
    whole_image_keys (settings) -> [FeatureKey]: the keys whose values the crop a cohort worker reads cannot
                     give (they need the whole image); [] when a crop gives every value
    whole_image_values (image: Volume, settings) -> {FeatureKey: value}: those values from the whole image,
                     once per case; a worker puts them in each label's row
    check_maps       (settings, skip_unmapped) -> the families (classes) that have voxel maps, after the
                     checks made before any case; ``skip_unmapped``: the others give features only
    image_maps       (image: sitk.Image, mask: sitk.Image, settings, label, parallel) -> {FeatureKey:
                     sitk.Image}: the voxel feature maps of images as read (:func:`radcore.extract_maps`)
    volume_maps      (image: Volume, mask: Volume, settings, label) -> {FeatureKey: Volume}: the maps of
                     what :func:`map_box` read, on one thread (a cohort worker), unmappable families skipped
    map_box          (settings, info, label) -> the box of a stored case the maps of ``label`` read, or None
                     to read what the features read
    """

    name: str
    extract_images: Callable
    extract_volumes: Callable
    feature_keys: Callable
    source_box: Callable | None
    whole_image_keys: Callable
    whole_image_values: Callable
    check_maps: Callable
    image_maps: Callable
    volume_maps: Callable
    map_box: Callable


IBSI = Profile("ibsi", ibsi.extract_images, ibsi.extract_volumes, ibsi.feature_keys, source_box=None,
               whole_image_keys=ibsi.whole_image_keys, whole_image_values=ibsi.whole_image_values,
               check_maps=ibsi_maps.check,
               image_maps=ibsi_maps.image_maps, volume_maps=ibsi_maps.volume_maps, map_box=ibsi_maps.map_box)
PYRADIOMICS = Profile("pyradiomics", pyradiomics.extract_images, pyradiomics.extract_volumes,
                      pyradiomics.feature_keys, source_box=pyradiomics.source_box,
                      whole_image_keys=pyradiomics.whole_image_keys,
                      whole_image_values=pyradiomics.whole_image_values, check_maps=pyradiomics.check_maps,
                      image_maps=pyradiomics.image_maps, volume_maps=pyradiomics.volume_maps,
                      map_box=pyradiomics.map_box)
PROFILES = {p.name: p for p in (IBSI, PYRADIOMICS)}


def profile_of(settings) -> Profile:
    """The :class:`Profile` the settings state."""
    return PROFILES[settings.profile]
