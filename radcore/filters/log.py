"""Laplacian of Gaussian as PyRadiomics computes it (``LoG`` image type).

The image is convolved with the scale-normalised Laplacian of a Gaussian of width ``sigma`` (mm):

    LoG(x) = sigma^2 * sum_d d^2/dx_d^2 [ G_sigma * I ](x),
    G_sigma(x) = (2 pi sigma^2)^(-3/2) exp(-|x|^2 / (2 sigma^2))

computed, as PyRadiomics does, by ITK's recursive (Deriche) Gaussian filters
(``LaplacianRecursiveGaussianImageFilter`` with normalisation across scale), with spacing in mm: the numba
port :func:`radcore.kernels.pyrad_recursive_gaussian.laplacian` repeats ITK's arithmetic (same float32
output, a few times faster on one thread); SimpleITK runs it for images under 4 voxels along an axis.
The recursive filters have infinite support; :func:`margin` gives the voxels per axis beyond which the
image contributes less than ~1e-7 of the response.
"""

from __future__ import annotations

import math

import numpy as np
import SimpleITK as sitk

from radcore.kernels.pyrad_recursive_gaussian import laplacian

#: margin in units of sigma that makes a cropped response equal the whole-image one to ~1e-7
MARGIN_SIGMAS = 10.0


def margin(sigma: float, spacing: tuple[float, float, float]) -> tuple[int, int, int]:
    """Voxels per axis (z, y, x) to keep around a region for ``sigma`` (mm)."""
    return tuple(int(math.ceil(MARGIN_SIGMAS * sigma / s)) + 1 for s in spacing)


def applicable(shape: tuple[int, ...], spacing: tuple[float, float, float], sigma: float) -> bool:
    """PyRadiomics' conditions: every axis of the whole image >= 4 voxels and >= ceil(sigma/spacing) + 1."""
    if min(shape) < 4 or sigma <= 0:
        return False
    return all(n >= math.ceil(sigma / s) + 1 for n, s in zip(shape, spacing))


def laplacian_of_gaussian(image: np.ndarray, spacing: tuple[float, float, float], sigma: float, box=None) -> np.ndarray:
    """The LoG response of ``image`` ((z, y, x), spacing (z, y, x) mm) for ``sigma`` mm.

    The array keeps ITK's output type (float32), as PyRadiomics gets it. With ``box`` (three slices with
    explicit bounds inside ``image``) only ``response[box]`` is returned, computed with less work.
    """
    if np.ndim(image) == 3 and min(np.shape(image)) >= 4:
        return laplacian(image, spacing, float(sigma), box)
    img = sitk.GetImageFromArray(np.ascontiguousarray(image))
    img.SetSpacing(tuple(float(s) for s in spacing[::-1]))
    filt = sitk.LaplacianRecursiveGaussianImageFilter()
    filt.SetNormalizeAcrossScale(True)
    filt.SetSigma(float(sigma))
    out = sitk.GetArrayFromImage(filt.Execute(img))
    return out if box is None else out[tuple(box)]
