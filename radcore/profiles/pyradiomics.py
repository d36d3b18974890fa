"""The PyRadiomics profile: PyRadiomics' preprocessing, image types and feature classes
(:mod:`radcore.pyradiomics`), on the params the settings carry."""

from __future__ import annotations

from radcore.pyradiomics import extractor


def extract_images(image, mask, settings, label=None):
    """Features of SimpleITK images as read, keyed by PyRadiomics image type, class and feature."""
    return extractor.extract_images(image, mask, settings.pyradiomics, label)


def extract_volumes(image, mask, settings, label=None):
    """Features of a loaded :class:`radcore.io.images.Volume` pair, each on its own grid."""
    return extractor.extract_volumes(image, mask, settings.pyradiomics, label)


def source_box(settings, info, label):
    """The box (slices (z, y, x)) of a stored case (:class:`radcore.io.store.CaseInfo`) a cohort worker reads
    for ``label``: :func:`radcore.pyradiomics.extractor.source_box`, whose crop gives the whole image's
    features. None (read the whole image and the mask as ingested) when the mask has a geometry of its own
    (PyRadiomics' ``geometryTolerance`` and ``correctMask`` judge it as read), when ``normalize`` needs the
    whole image's statistics and the store predates them, or when the label is not in the mask."""
    params = settings.pyradiomics
    if info.geometry_mismatch or label not in info.boxes:
        return None
    own = info.mask_geometry
    grid = {"spacing": info.spacing, "origin": info.origin, "direction": info.direction}
    if own and any(tuple(own[k]) != tuple(grid[k]) for k in grid):
        return None
    if params.setting.normalize and not {"mean", "sigma"} <= set(info.normalisation):
        return None
    return extractor.source_box(params, info.shape, info.spacing, info.origin, info.direction, info.boxes[label])


def whole_image_keys(settings):
    """No key: the crop :func:`source_box` reads gives every value of the whole image."""
    return []


def whole_image_values(image, settings):
    """Nothing to add to a crop's values (see :func:`whole_image_keys`)."""
    return {}


def feature_keys(settings):
    """Every feature key the params can give (see :func:`radcore.pyradiomics.extractor.feature_keys`)."""
    return extractor.feature_keys(settings.pyradiomics)
