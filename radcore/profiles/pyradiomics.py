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


def feature_keys(settings):
    """Every feature key the params can give (see :func:`radcore.pyradiomics.extractor.feature_keys`)."""
    return extractor.feature_keys(settings.pyradiomics)
