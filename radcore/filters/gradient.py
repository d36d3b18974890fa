"""Gradient magnitude as PyRadiomics computes it (``Gradient`` image type).

    |grad I|(x) = sqrt( sum_d ( (I(x + e_d) - I(x - e_d)) / (2 h_d) )^2 )

central differences per axis, ``h_d`` the spacing in mm (``gradientUseSpacing``, default) or 1 voxel,
borders handled as ITK's ``GradientMagnitudeImageFilter`` does (zero-flux Neumann: the edge voxel
repeated).
"""

from __future__ import annotations

import numpy as np
import SimpleITK as sitk

#: central differences reach one voxel; one more keeps the crop's own border away from the region
MARGIN = 2


def gradient_magnitude(image: np.ndarray, spacing: tuple[float, float, float], use_spacing: bool = True) -> np.ndarray:
    """|grad I| of ``image`` ((z, y, x)); ITK's output type (float32 for integer and float32 input)."""
    img = sitk.GetImageFromArray(np.ascontiguousarray(image))
    img.SetSpacing(tuple(float(s) for s in spacing[::-1]))
    filt = sitk.GradientMagnitudeImageFilter()
    filt.SetUseImageSpacing(bool(use_spacing))
    return sitk.GetArrayFromImage(filt.Execute(img))
