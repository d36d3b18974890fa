"""One case end to end: load, check, preprocess, discretise, compute every enabled family."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import SimpleITK as sitk

from radcore import image_types
from radcore.errors import EmptyROIError, FeatureError
from radcore.features.registry import family
from radcore.io.images import Volume, load_case, mask_labels, read_pair
from radcore.naming import FeatureKey
from radcore.preprocess import PEAK_RADIUS_MM, prepare
from radcore.preprocess.discretise import discretise
from radcore.roi import RoiImage
from radcore.settings import Settings

ImageLike = str | Path | sitk.Image


def extract_volumes(image: Volume, mask: Volume, settings: Settings, label: int | None = None) -> dict[FeatureKey, float]:
    """Features of an already loaded case: ``mask`` is the ROI (bool) on the image grid, or a label map
    whose ``label`` is the ROI (PyRadiomics params: on its own grid, which their checks judge)."""
    if settings.pyradiomics is not None:  # PyRadiomics params: its preprocessing, filters and definitions
        from radcore.pyradiomics import extractor

        return extractor.extract_volumes(image, mask, settings.pyradiomics, label)
    if mask.array.dtype != bool:
        mask = dataclasses.replace(mask, array=mask.array == (settings.label if label is None else label))
    spacing = tuple(image.spacing) + tuple(settings.interpolation.spacing or ())
    roi = prepare(image, mask, settings, PEAK_RADIUS_MM + image_types.margin_mm(settings, spacing))
    names = [t.name for t in settings.image_types]
    independent = tuple(f for f in settings.families if f not in image_types.FILTERED_FAMILIES)
    base = settings if "original" in names else dataclasses.replace(settings, families=independent)
    out = features_of_roi(roi, base, "original")
    filtered = image_types.filtered_settings(settings)
    for image_type in settings.image_types:
        if image_type.name == "original":
            continue
        for name, response in image_types.responses(roi, image_type):
            out.update(features_of_roi(dataclasses.replace(roi, image=response), filtered, name))
    return out


def features_of_roi(roi: RoiImage, settings: Settings, image_type: str) -> dict[FeatureKey, float]:
    """Every enabled family on one preprocessed ROI."""
    lower = settings.resegmentation.range[0] if settings.resegmentation.range else None
    disc = discretise(roi, settings.discretisation, lower)
    out: dict[FeatureKey, float] = {}
    for name in settings.families:
        try:
            values = family(name).compute(roi, disc, settings)
        except Exception as exc:  # noqa: BLE001 - named and chained, so the failure stage is "features"
            raise FeatureError(name, exc) from exc
        for (feature, aggregation), value in values.items():
            out[FeatureKey(image_type, name, feature, aggregation)] = value
    return out


def extract_labels(
    image: ImageLike, mask: ImageLike, settings: Settings, series: str | None = None
) -> dict[int, dict[FeatureKey, float]]:
    """Features of every label present in the mask (read once), keyed by label."""
    img, msk = read_pair(image, mask, series=series)
    labels = mask_labels(msk)
    if not labels:
        raise EmptyROIError("the mask holds no label (every voxel is 0)")
    return {label: extract_case(img, msk, settings, label) for label in labels}


def extract_case(
    image: ImageLike, mask: ImageLike, settings: Settings, label: int | None = None, roi: str | None = None,
    series: str | None = None,
) -> dict[FeatureKey, float]:
    """Read one case from files (or SimpleITK images) and compute its features; ``roi`` names the
    structure of an RTSTRUCT or the segment of a SEG mask, ``series`` the DICOM series of an image folder
    holding several (see :func:`radcore.io.images.read_pair`)."""
    img, msk = read_pair(image, mask, roi, series)
    if settings.pyradiomics is not None:  # PyRadiomics reads images in their own pixel types
        from radcore.pyradiomics import extractor

        return extractor.extract_images(img, msk, settings.pyradiomics, label)
    img_volume, mask_volume = load_case(img, msk, settings.label if label is None else label)
    return extract_volumes(img_volume, mask_volume, settings)
