"""One case end to end: read it, and hand it to the profile its settings state (:mod:`radcore.profiles`)."""

from __future__ import annotations

from pathlib import Path

import SimpleITK as sitk

from radcore.errors import EmptyROIError, GeometryMismatchError, InvalidImageError
from radcore.io.images import Volume, check_geometry, mask_labels, read_pair, read_volume
from radcore.io.integrity import is_nifti
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
    profile = profile_of(settings)
    if roi is None and series is None and profile.source_box is not None:
        crop = _source_crop(image, mask, settings, label)
        if crop is not None:
            return profile.extract_volumes(*crop, settings, settings.label if label is None else label)
    img, msk = read_pair(image, mask, roi, series)
    return profile.extract_images(img, msk, settings, label)


def _source_crop(image: ImageLike, mask: ImageLike, settings: Settings, label: int | None):
    """For a pair of NIfTI files on one grid and a profile that reads a crop (PyRadiomics'
    ``source_box``): the crop a cohort worker reads, cut from the arrays decoded straight from the files
    (:func:`radcore.io.images.read_volume`, :func:`radcore.io.store.decode_case`), whose features are the
    whole image's. None (read the SimpleITK images) otherwise: other inputs, a mask off the image grid
    (PyRadiomics' own checks judge it), a label the mask lacks (the reading says so)."""
    if isinstance(image, sitk.Image) or isinstance(mask, sitk.Image) or not (is_nifti(image) and is_nifti(mask)):
        return None
    from radcore.io.store import decode_case, read_region

    img, msk = read_volume(image, "image"), read_volume(mask, "mask")
    try:
        check_geometry(img, msk)
    except GeometryMismatchError:
        return None
    try:
        decoded = decode_case("case", img, msk)
    except InvalidImageError:  # e.g. a mask of fractions: the reading and the profile's checks say so
        return None
    label = settings.label if label is None else label
    box = profile_of(settings).source_box(settings, decoded.info, label)
    return None if box is None else read_region(decoded, "case", label, box)
