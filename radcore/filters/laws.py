"""IBSI-2 Laws kernels, rotation-invariant pooling and energy maps.

The 1D kernels (each divided by its L2 norm)

    L5 = [1, 4, 6, 4, 1]   E5 = [-1, -2, 0, 2, 1]   S5 = [-1, 0, 2, 0, -1]   W5 = [-1, 2, 0, -2, 1]
    R5 = [1, -4, 6, -4, 1] L3 = [1, 2, 1]           E3 = [-1, 0, 1]          S3 = [-1, 2, -1]

are chained in axis order x, y, z: ``E3W5R5`` is E3 along x, W5 along y, R5 along z (three kernels: 3D;
two: 2D, per axial slice); the filter is their separable product, a true convolution with an IBSI
boundary condition. With rotation invariance the kernel is applied in every orientation of
:func:`radcore.filters.convolution.orientations` (24 in 3D, 4 in 2D) and the signed responses are pooled
voxel by voxel (``max``, ``min`` or ``mean``); orientations that give the same map or its negation (the
kernels are symmetric or antisymmetric) are computed once. The energy map with ``delta`` (voxels) then averages the
absolute (pooled) response over a ``(2 delta + 1)^d`` window with the same boundary condition:

    E(x) = (2 delta + 1)^-d sum_{|k_a| <= delta} |y(x + k)|
"""

from __future__ import annotations

import numpy as np

from radcore.errors import SettingsError
from radcore.filter_options import KERNELS_1D, laws_parts
from radcore.filters.convolution import orientation_classes, pool_classes, separable_responses
from radcore.filters.mean import mean_filter


def parse_kernel(name: str) -> list[np.ndarray]:
    """The L2-normalised 1D kernels of a Laws name such as ``E5L5S5`` (x, y[, z] order)."""
    out = []
    for part in laws_parts(name):
        k = np.array(KERNELS_1D[part], dtype=np.float64)
        out.append(k / np.linalg.norm(k))
    return out


def laws_filter(
    image: np.ndarray,
    kernel: str,
    boundary: str = "mirror",
    rotation_invariance: bool = False,
    pooling: str = "max",
    energy_delta: int | None = None,
) -> np.ndarray:
    """The Laws response (or energy map) of ``image`` (z, y, x), float64, shape of ``image``.

    Parameters
    ----------
    image : ndarray (z, y, x)
    kernel : str
        e.g. ``E5L5S5`` (3D) or ``L5S5`` (2D, per axial slice); see the module doc.
    boundary : {"zero", "nearest", "periodic", "mirror"}
    rotation_invariance : bool
        Pool over the 24 (3D) or 4 (2D) orientations.
    pooling : {"max", "min", "mean"}
    energy_delta : int or None
        Energy window half-width in voxels; None returns the (pooled) response itself.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.zeros((1, 5, 5)); x[0, 2, 2] = 1.0
    >>> y = laws_filter(x, "L3L3", "zero")
    >>> round(float(y[0, 2, 2]), 6)  # (2 / sqrt 6)^2
    0.666667
    """
    kernels = parse_kernel(kernel)
    dimensions = "3D" if len(kernels) == 3 else "2D"
    classes = orientation_classes([kernels], dimensions, rotation_invariance)
    cascades = [[(axis, k, 1) for axis, k in c.kernels[0].items()] for c in classes]
    response = pool_classes(classes, separable_responses(image, cascades, boundary), pooling)
    if energy_delta is None:
        return response
    if energy_delta < 0:
        raise SettingsError(f"Laws energy_delta must be >= 0 voxels, got {energy_delta}")
    return mean_filter(np.abs(response), 2 * int(energy_delta) + 1, dimensions, boundary)


def reach_voxels(kernel: str, energy_delta: int | None = None) -> int:
    """Voxels the filter reaches from its centre: half the longest 1D kernel plus ``energy_delta``."""
    return max(k.size for k in parse_kernel(kernel)) // 2 + int(energy_delta or 0)
