"""IBSI-2 Laplacian of Gaussian: a sampled, truncated kernel, not renormalised.

With ``sigma_a = sigma / spacing_a`` (voxels along axis a) the kernel is sampled on the integer offsets
``|k_a| <= R_a = floor(t * sigma_a + 0.5)`` (``t``: truncation in units of sigma):

    w(k) = - sum_a (1 / sigma_a^2) (1 - k_a^2 / sigma_a^2) * prod_b (2 pi sigma_b^2)^(-1/2) exp(-k_b^2 / (2 sigma_b^2))

over the d = 2 (per axial slice) or 3 axes; for equal sigmas this is the IBSI's
``-(1/s^2) (2 pi s^2)^(-d/2) (d - |k|^2/s^2) exp(-|k|^2 / (2 s^2))``. The sum of d separable products is
computed as d separable convolutions with an IBSI boundary condition.

This is *not* PyRadiomics' LoG (:mod:`radcore.filters.log`): that one is scale-normalised (times
sigma^2), uses ITK's recursive (infinite, Deriche) Gaussian and has no truncation or boundary condition
to choose. The two image types are kept apart on purpose (``laplacian_of_gaussian`` and ``log``).
"""

from __future__ import annotations

import math

import numpy as np

from radcore.errors import SettingsError
from radcore.filters.convolution import convolve_separable
from radcore.filters.mean import kernel_axes


def radius(sigma_voxels: float, truncation: float) -> int:
    """Kernel radius R = floor(t sigma + 0.5) voxels."""
    return int(math.floor(truncation * sigma_voxels + 0.5))


def gaussian_factors(sigma_voxels: float, truncation: float) -> tuple[np.ndarray, np.ndarray]:
    """``(g, h)``: the sampled normalised Gaussian ``g(k) = (2 pi s^2)^(-1/2) exp(-k^2 / (2 s^2))`` and its
    Laplacian factor ``h(k) = -(1 / s^2)(1 - k^2 / s^2) g(k)`` on ``|k| <= R``."""
    r = radius(sigma_voxels, truncation)
    k = np.arange(-r, r + 1, dtype=np.float64)
    s2 = sigma_voxels**2
    g = np.exp(-(k**2) / (2.0 * s2)) / math.sqrt(2.0 * math.pi * s2)
    return g, -(1.0 - k**2 / s2) * g / s2


def laplacian_of_gaussian(
    image: np.ndarray,
    spacing: tuple[float, float, float],
    sigma: float,
    truncation: float = 4.0,
    dimensions: str = "3D",
    boundary: str = "mirror",
) -> np.ndarray:
    """The IBSI-2 LoG response of ``image`` (z, y, x), ``spacing`` (z, y, x) mm, ``sigma`` mm (float64).

    Parameters
    ----------
    image : ndarray (z, y, x)
    spacing : (float, float, float)
        Voxel size in mm; sigma is divided by it per axis.
    sigma : float
        Gaussian width in mm, > 0.
    truncation : float
        Kernel radius in units of sigma (IBSI: 4).
    dimensions : {"2D", "3D"}
    boundary : {"zero", "nearest", "periodic", "mirror"}

    Examples
    --------
    >>> import numpy as np
    >>> x = np.zeros((9, 9, 9)); x[4, 4, 4] = 1.0
    >>> y = laplacian_of_gaussian(x, (1.0, 1.0, 1.0), 1.0, 4.0, "3D", "zero")
    >>> round(float(y[4, 4, 4]), 6) == round(-3 * (2 * np.pi) ** -1.5, 6)
    True
    """
    if not sigma > 0 or not truncation > 0:
        raise SettingsError(f"LoG sigma and truncation must be positive, got {sigma} and {truncation}")
    axes = kernel_axes(dimensions)
    factors = {a: gaussian_factors(sigma / spacing[a], truncation) for a in axes}
    out = None
    for a in axes:
        kernels = {b: factors[b][1] if b == a else factors[b][0] for b in axes}
        term = convolve_separable(image, kernels, boundary)
        out = term if out is None else out + term
    return out


def reach_voxels(sigma: float, spacing: float, truncation: float = 4.0) -> int:
    """Voxels the kernel reaches from its centre along an axis of ``spacing`` mm."""
    return radius(sigma / spacing, truncation)
