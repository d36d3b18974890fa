"""IBSI-2 mean filter: the average over an ``M``-voxel square (2D, per axial slice) or cube (3D).

    y(x) = M^-d * sum_{|k_a| <= (M - 1) / 2} I(x + k),   d = 2 or 3

separable: the 1D kernel ``[1/M] * M`` along x and y (and z), with an IBSI boundary condition
(:mod:`radcore.filters.convolution`), computed by running sums (:func:`~radcore.filters.convolution.mean_axis`).
"""

from __future__ import annotations

import numpy as np

from radcore.errors import SettingsError
from radcore.filters.convolution import mean_axis


def kernel_axes(dimensions: str) -> tuple[int, ...]:
    """Array axes a filter of ``dimensions`` (``2D``: in-plane y, x; ``3D``: z, y, x) acts along."""
    if dimensions not in ("2D", "3D"):
        raise SettingsError(f"dimensions must be '2D' or '3D', got {dimensions!r}")
    return (1, 2) if dimensions == "2D" else (0, 1, 2)


def mean_filter(image: np.ndarray, size: int, dimensions: str = "3D", boundary: str = "mirror") -> np.ndarray:
    """The mean of ``image`` (z, y, x) over a ``size``-voxel window (float64, shape of ``image``).

    Parameters
    ----------
    image : ndarray (z, y, x)
    size : int
        Odd window side M in voxels.
    dimensions : {"2D", "3D"}
        ``2D``: each axial slice on its own (M x M); ``3D``: M x M x M.
    boundary : {"zero", "nearest", "periodic", "mirror"}

    Examples
    --------
    >>> import numpy as np
    >>> x = np.zeros((1, 3, 3)); x[0, 1, 1] = 9.0
    >>> mean_filter(x, 3, "2D", "zero")[0].tolist()
    [[1.0, 1.0, 1.0], [1.0, 1.0, 1.0], [1.0, 1.0, 1.0]]
    """
    if size < 1 or size % 2 == 0:
        raise SettingsError(f"mean filter size must be a positive odd number of voxels, got {size}")
    out = np.asarray(image, dtype=np.float64)
    for axis in kernel_axes(dimensions):
        out = mean_axis(out, size, axis, boundary)
    return out
