"""PyRadiomics' names: image-type prefixes, feature classes, and the columns it writes.

A PyRadiomics column is ``{imageType}_{class}_{Feature}``, e.g. ``original_glcm_Contrast``,
``wavelet-LLH_firstorder_Mean``, ``log-sigma-1-0-mm-3D_glszm_ZoneEntropy``. Shape features are always
written under ``original`` (PyRadiomics computes them once, on the mask). The ``diagnostics_*`` entries
PyRadiomics also writes are provenance, not features: radcore does not produce them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the keys are radcore.naming's, which names columns with this module
    from radcore.naming import FeatureKey

#: PyRadiomics' feature classes, in the order it enables them when a params file names none (shape2D only
#: runs with force2D); their features are those of the class modules (:mod:`radcore.pyradiomics.features`)
CLASSES = ("firstorder", "shape", "shape2D", "glcm", "glrlm", "glszm", "gldm", "ngtdm")

#: classes computed once on the mask, always named under the ``original`` image type
SHAPE_CLASSES = ("shape", "shape2D")
#: the classes PyRadiomics computes per voxel (voxel feature maps)
MAPPED_CLASSES = ("firstorder", "glcm", "glrlm", "glszm", "gldm", "ngtdm")


def pyradiomics_column(key: FeatureKey) -> str:
    """``{image_type}_{class}_{Feature}`` as PyRadiomics writes it, e.g. ``original_glcm_Contrast``.

    The key's image type is already PyRadiomics' prefix (``original``, ``wavelet-LLH``,
    ``log-sigma-1-0-mm-3D``, ``square``, ``lbp-3D-m1`` ...), its family the PyRadiomics class name and its
    feature the PyRadiomics feature name. A key of a radcore-native family (no PyRadiomics equivalent)
    gets the same pattern with an aggregation suffix, so it can never collide with a PyRadiomics column.
    """
    name = f"{key.image_type}_{key.family}_{key.feature}"
    return f"{name}_{key.aggregation}" if key.aggregation else name


def log_image_type(sigma: float) -> str:
    """PyRadiomics' LoG image-type name: ``log-sigma-<sigma with '.' as '-'>-mm-3D`` (sigma as Python prints
    it, so 1.0 gives ``log-sigma-1-0-mm-3D`` and 1 gives ``log-sigma-1-mm-3D``)."""
    return "log-sigma-%s-mm-3D" % str(sigma).replace(".", "-")


def wavelet_image_type(level_index: int, decomposition: str) -> str:
    """PyRadiomics' wavelet image-type name: ``wavelet-LLH`` for the first returned level, ``wavelet2-LLH``
    for the second and so on (``level_index`` counts from 1 over the returned levels)."""
    prefix = "wavelet" if level_index == 1 else f"wavelet{level_index}"
    return f"{prefix}-{decomposition}"
