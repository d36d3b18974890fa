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


def check_maps(settings, skip_unmapped=False):
    """The classes with voxel maps, after :func:`radcore.pyradiomics.maps.check`."""
    from radcore.pyradiomics import maps

    maps.check(settings.pyradiomics, skip_shape=skip_unmapped)
    return tuple(maps.mapped_classes(settings.pyradiomics, skip_unmapped))


def image_maps(image, mask, settings, label=None, parallel=False):
    """PyRadiomics' voxel-based maps of SimpleITK images as read (:func:`radcore.pyradiomics.maps.extract_maps`)."""
    from radcore.pyradiomics import maps

    return maps.extract_maps(image, mask, settings.pyradiomics, label, parallel=parallel)


def volume_maps(image, mask, settings, label=None):
    """The maps of a loaded case read from :func:`map_box` (one thread; shape classes skipped)."""
    from radcore.io.images import to_volume
    from radcore.pyradiomics import maps

    found = maps.extract_volume_maps(image, mask, settings.pyradiomics, label, skip_shape=True)
    return {key: to_volume(image, str(key)) for key, image in found.items()}


def map_box(settings, info, label):
    """The features' box (:func:`source_box`) grown by the kernel radius, so the maps' grid and every kernel
    on it lie inside (:func:`radcore.pyradiomics.maps.map_source_box`); None: the whole image, as the
    features read it."""
    from radcore.pyradiomics.maps import map_source_box

    box = source_box(settings, info, label)
    return None if box is None else map_source_box(settings.pyradiomics, info, label, box)
