"""How much image around an ROI a worker must read so that preprocessing and filters see real neighbours.

The margin (mm) is the sum of

- the local intensity peak's sphere radius, :data:`radcore.preprocess.PEAK_RADIUS_MM`;
- for interpolation, two voxels of the coarser of the original and the new grid (the support of the
  cubic B-spline is two voxels each side);
- for each filtered image type the filter's reach: a Gaussian / LoG of scale sigma is truncated at
  4 sigma; a wavelet of ``L`` taps decomposed to level ``J`` reaches (L - 1)(2^J - 1) voxels; gradient
  and local binary patterns reach their radius (at least one voxel); point-wise transforms (square,
  square root, logarithm, exponential) need nothing.

A filter this module does not know gets :data:`UNKNOWN_FILTER_VOXELS` voxels, which is generous.
"""

from __future__ import annotations

from typing import Any, Iterable

from radcore.preprocess import PEAK_RADIUS_MM
from radcore.settings import Settings

UNKNOWN_FILTER_VOXELS = 16
_POINTWISE = {"original", "square", "squareroot", "square_root", "sqrt", "logarithm", "exponential", "exp"}
#: filter taps of the common wavelets (PyWavelets names)
_WAVELET_TAPS = {"haar": 2, "db1": 2, "coif1": 6, "coif2": 12, "coif3": 18, "sym2": 4, "sym3": 6, "sym4": 8}


def required_margin_mm(settings: Settings, spacing: Iterable[float] | None = None) -> float:
    """Margin (mm) to read around an ROI's bounding box for ``settings``.

    ``spacing`` is the image's voxel size (any order); when None only the target grid counts for
    interpolation and one millimetre stands for a voxel.
    """
    voxel = max(spacing) if spacing is not None else 1.0
    margin = PEAK_RADIUS_MM
    target = _target_spacing(settings)
    if target is not None:
        voxel = max(voxel, max(target))
        margin += 2.0 * voxel
    margin += max((_filter_reach_mm(name, dict(options), voxel) for name, options in _image_types(settings)),
                  default=0.0)
    return float(margin)


def _target_spacing(settings: Settings) -> tuple[float, ...] | None:
    if settings.interpolation.spacing is not None:
        return tuple(settings.interpolation.spacing)
    if settings.pyradiomics is not None and settings.pyradiomics.setting.resampledPixelSpacing:
        return tuple(v for v in settings.pyradiomics.setting.resampledPixelSpacing if v)
    return None


def _image_types(settings: Settings) -> list[tuple[str, Any]]:
    """(name, options) of every image type, from radcore settings and a PyRadiomics params record."""
    out = [(t.name, t.options) for t in settings.image_types]
    if settings.pyradiomics is not None:
        base = settings.pyradiomics.setting
        defaults = {"sigma": base.sigma, "level": base.level, "wavelet": base.wavelet,
                    "lbp2DRadius": base.lbp2DRadius, "lbp3DIcosphereRadius": base.lbp3DIcosphereRadius}
        for t in settings.pyradiomics.image_types:
            out.append((t.name, tuple({**defaults, **dict(t.overrides)}.items())))
    return out


def _filter_reach_mm(name: str, options: dict[str, Any], voxel: float) -> float:
    key = name.lower().replace("-", "_")
    if key in _POINTWISE:
        return 0.0
    if key in ("log", "laplacian_of_gaussian", "gaussian", "mean"):
        sigma = options.get("sigma", options.get("sigma_mm", ()))
        sigmas = sigma if isinstance(sigma, (list, tuple)) else [sigma]
        width = options.get("size", options.get("filter_size", 0)) or 0
        reach = max([4.0 * float(s) for s in sigmas] + [0.0])
        return max(reach, 0.5 * float(width) * voxel) + voxel
    if key.startswith("wavelet"):
        taps = _WAVELET_TAPS.get(str(options.get("wavelet", "coif1")).lower(), 20)
        level = int(options.get("level", options.get("decomposition_level", 1)) or 1)
        return (taps - 1) * (2**level - 1) * voxel + voxel
    if key in ("gradient",):
        return 2.0 * voxel
    if key.startswith("lbp"):
        radius = float(options.get("lbp2DRadius", options.get("lbp3DIcosphereRadius", options.get("radius", 1.0))))
        return (radius + 1.0) * voxel
    return UNKNOWN_FILTER_VOXELS * voxel
