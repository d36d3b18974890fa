"""One case end to end: read it, and hand it to the profile its settings state (:mod:`radcore.profiles`)."""

from __future__ import annotations

from pathlib import Path

import SimpleITK as sitk

from radcore.errors import EmptyROIError
from radcore.io.images import Volume, mask_labels, read_pair
from radcore.naming import FeatureKey
from radcore.profiles import profile_of
from radcore.settings import Settings

ImageLike = str | Path | sitk.Image


def extract_volumes(image: Volume, mask: Volume, settings: Settings, label: int | None = None) -> dict[FeatureKey, float]:
    """Features of an already loaded case: ``mask`` is the ROI (bool) or a label map whose ``label`` is the
    ROI; on the image grid for the IBSI profile, on its own grid (judged by its checks) for PyRadiomics."""
    return profile_of(settings).extract_volumes(image, mask, settings, label)


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
    return profile_of(settings).extract_images(img, msk, settings, label)
