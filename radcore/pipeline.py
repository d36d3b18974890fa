"""One case end to end: load, check, preprocess, discretise, compute every enabled family."""

from __future__ import annotations

import logging
from pathlib import Path

import SimpleITK as sitk

from radcore.features.registry import available_families, family
from radcore.io.images import Volume, load_case
from radcore.naming import FeatureKey
from radcore.preprocess import prepare
from radcore.preprocess.discretise import discretise
from radcore.roi import RoiImage
from radcore.settings import Settings

log = logging.getLogger(__name__)

ImageLike = str | Path | sitk.Image


def extract_volumes(image: Volume, mask: Volume, settings: Settings) -> dict[FeatureKey, float]:
    """Features of an already loaded case (image float64, mask bool on the same grid)."""
    if settings.pyradiomics is not None:  # PyRadiomics params: its preprocessing, filters and definitions
        from radcore.pyradiomics import extractor

        return extractor.extract_volumes(image, mask, settings.pyradiomics)
    roi = prepare(image, mask, settings)
    return features_of_roi(roi, settings, "original")


def features_of_roi(roi: RoiImage, settings: Settings, image_type: str) -> dict[FeatureKey, float]:
    """Every enabled family on one preprocessed ROI."""
    lower = settings.resegmentation.range[0] if settings.resegmentation.range else None
    disc = discretise(roi, settings.discretisation, lower)
    out: dict[FeatureKey, float] = {}
    present = set(available_families())
    for name in settings.families:
        if name not in present:
            log.warning("feature family %s is not available in this build; skipped", name)
            continue
        for (feature, aggregation), value in family(name).compute(roi, disc, settings).items():
            out[FeatureKey(image_type, name, feature, aggregation)] = value
    return out


def extract_case(image: ImageLike, mask: ImageLike, settings: Settings, label: int | None = None) -> dict[FeatureKey, float]:
    """Read one case from files (or SimpleITK images) and compute its features."""
    if settings.pyradiomics is not None:  # PyRadiomics reads images in their own pixel types
        from radcore.pyradiomics import extractor

        return extractor.extract_case(image, mask, settings.pyradiomics, label)
    img, msk = load_case(image, mask, settings.label if label is None else label)
    return extract_volumes(img, msk, settings)
