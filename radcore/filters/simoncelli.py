"""IBSI-2 Simoncelli wavelet: a non-separable, isotropic band-pass filter defined in the Fourier domain.

On an image of N_a voxels along each filtered axis a, with the centred frequency grid

    u_a(k) = (k - (N_a - 1) / 2) / ((N_a - 1) / 2),   k = 0 .. N_a - 1,   rho = sqrt(sum_a u_a^2)

(moved to FFT order by an inverse fftshift; the grid of the IBSI-2 reference implementation, not numpy's
fftfreq) and ``w = 2^-(level - 1)``, the transfer function is

    H(rho) = cos(pi / 2 * log2(2 rho / w))   for w / 4 <= rho <= w,   0 elsewhere

and the response is ``Re(IFFT(FFT(I) H))`` on the unpadded image (implicitly periodic). Level 1 peaks at
rho = 1/2; each level halves the band. ``2D`` filters each axial slice with a 2D grid. The filter is
global: every voxel of the image contributes to every other, and the grid depends on the image size, so
only the whole image gives the whole image's response (its reach is infinite).
"""

from __future__ import annotations

import math

import numpy as np
import scipy.fft

from radcore.errors import SettingsError
from radcore.filters.mean import kernel_axes


def transfer_function(shape: tuple[int, ...], level: int) -> np.ndarray:
    """``H`` on the FFT grid of ``shape`` (module doc), float64."""
    if int(level) < 1:
        raise SettingsError(f"simoncelli level must be >= 1, got {level}")
    grids = []
    for n in shape:
        half = (n - 1) / 2.0
        grids.append((np.arange(n, dtype=np.float64) - half) / half if n > 1 else np.zeros(1))
    rho = np.sqrt(sum(g**2 for g in np.meshgrid(*grids, indexing="ij", sparse=True)))
    w = 2.0 ** -(int(level) - 1)
    band = (rho >= w / 4.0) & (rho <= w)
    h = np.zeros(rho.shape)
    h[band] = np.cos(math.pi / 2.0 * np.log2(2.0 * rho[band] / w))
    return np.fft.ifftshift(h)


def simoncelli_filter(image: np.ndarray, level: int = 1, dimensions: str = "3D") -> np.ndarray:
    """The Simoncelli band-pass response of ``image`` (z, y, x) at ``level``, float64.

    Parameters
    ----------
    image : ndarray (z, y, x)
    level : int
        >= 1; the pass band is ``[2^-(level+1), 2^-(level-1)]`` of the grid's Nyquist-like unit.
    dimensions : {"2D", "3D"}
        ``2D``: each axial slice with a 2D grid.

    Examples
    --------
    >>> import numpy as np
    >>> bool(abs(simoncelli_filter(np.full((2, 32, 32), 7.0), 1, "2D")).max() < 1e-9)  # the mean is not passed
    True
    """
    axes = kernel_axes(dimensions)
    image = np.asarray(image, dtype=np.float64)
    h = transfer_function(tuple(image.shape[a] for a in axes), level)
    # Re(IFFT(F H)) of a real image equals IFFT(F H_even) with H_even(k) = (H(k) + H(-k)) / 2 (H itself is
    # not even on this grid): a real, even transfer function, so the half-spectrum (r)FFT suffices
    mirrored = np.roll(np.flip(h), 1, axis=tuple(range(h.ndim)))
    even = 0.5 * (h + mirrored)
    spectrum = scipy.fft.rfftn(image, axes=axes)
    return scipy.fft.irfftn(spectrum * even[..., : spectrum.shape[-1]], s=[image.shape[a] for a in axes], axes=axes)
