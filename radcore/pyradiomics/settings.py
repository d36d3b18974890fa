"""PyRadiomics extraction parameters as a typed, frozen record (PyRadiomics' own spellings).

Defaults are PyRadiomics' documented defaults. :mod:`radcore.pyradiomics.params` builds this record from
an unmodified params YAML (``setting`` / ``imageType`` / ``featureClass``) and rejects unknown keys.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any


@dataclass(frozen=True)
class PyRadiomicsSetting:
    """The ``setting`` section (global options; per-image-type overrides live in ``ImageTypeParams``)."""

    # preprocessing
    minimumROIDimensions: int = 2
    minimumROISize: int | None = None
    normalize: bool = False
    normalizeScale: float = 1.0
    removeOutliers: float | None = None
    resampledPixelSpacing: tuple[float, float, float] | None = None
    interpolator: str | int | None = "sitkBSpline"
    preCrop: bool = False
    padDistance: int = 5
    geometryTolerance: float | None = None
    correctMask: bool = False
    label: int = 1
    label_channel: int = 0
    additionalInfo: bool = True
    # resegmentation
    resegmentRange: tuple[float, ...] | None = None
    resegmentMode: str = "absolute"
    resegmentShape: bool = False
    # discretisation and voxel shift
    binWidth: float = 25.0
    binCount: int | None = None
    voxelArrayShift: float = 0.0
    # 2D
    force2D: bool = False
    force2Ddimension: int = 0
    # texture
    distances: tuple[int, ...] = (1,)
    symmetricalGLCM: bool = True
    weightingNorm: str | None = None
    gldm_a: float = 0.0
    # filters (defaults; LoG sigma has none)
    sigma: tuple[float, ...] = ()
    start_level: int = 0
    level: int = 1
    wavelet: str = "coif1"
    gradientUseSpacing: bool = True
    lbp2DRadius: float = 1.0
    lbp2DSamples: int = 8  # PyRadiomics' code default (its docs say 9)
    lbp2DMethod: str = "uniform"
    lbp3DLevels: int = 2
    lbp3DIcosphereRadius: float = 1.0
    lbp3DIcosphereSubdivision: int = 1


@dataclass(frozen=True)
class ImageTypeParams:
    """One enabled image type (``Original``, ``LoG``, ``Wavelet``, ...) with its own setting overrides."""

    name: str
    overrides: tuple[tuple[str, Any], ...] = ()


@dataclass(frozen=True)
class PyRadiomicsParams:
    """A whole params file: settings, image types, and feature classes (None = all default features)."""

    setting: PyRadiomicsSetting = PyRadiomicsSetting()
    image_types: tuple[ImageTypeParams, ...] = (ImageTypeParams("Original"),)
    feature_classes: tuple[tuple[str, tuple[str, ...] | None], ...] = ()
    #: the ``voxelSetting`` section, validated: the settings of voxel maps (:mod:`radcore.pyradiomics.maps`)
    voxel_setting: tuple[tuple[str, Any], ...] = ()

    def image_type_setting(self, image_type: ImageTypeParams) -> PyRadiomicsSetting:
        """The settings an image type runs with: the global ``setting`` updated by its own overrides."""
        return replace(self.setting, **dict(image_type.overrides)) if image_type.overrides else self.setting
