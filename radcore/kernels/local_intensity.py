"""Numba kernel of the local intensity family (IBSI-1 3.2): means over a sphere around voxels.

The sphere is given as rows along x: for each (dz, dy) offset the run of x offsets [lo, hi] whose voxel
centres lie within the radius. Row sums come from prefix sums along x, so one sphere costs one
subtraction per row instead of one addition per voxel.
"""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True, nogil=True)
def sphere_means(image: np.ndarray, centres: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Mean intensity of the voxels of ``image`` within the sphere around each centre.

    image    (z, y, x) float64
    centres  (n, 3) int64 voxel indices (z, y, x)
    rows     (r, 4) int64: dz, dy, lo, hi; the sphere holds offsets (dz, dy, dx) with lo <= dx <= hi
    Voxels of the sphere outside the image are left out of the mean. Returns (n,) float64.
    """
    nz, ny, nx = image.shape
    prefix = np.zeros((nz, ny, nx + 1))
    for z in range(nz):
        for y in range(ny):
            acc = 0.0
            for x in range(nx):
                acc += image[z, y, x]
                prefix[z, y, x + 1] = acc
    out = np.empty(centres.shape[0])
    for i in range(centres.shape[0]):
        cz, cy, cx = centres[i, 0], centres[i, 1], centres[i, 2]
        total = 0.0
        count = 0
        for r in range(rows.shape[0]):
            z = cz + rows[r, 0]
            y = cy + rows[r, 1]
            if z < 0 or z >= nz or y < 0 or y >= ny:
                continue
            lo = max(cx + rows[r, 2], 0)
            hi = min(cx + rows[r, 3], nx - 1)
            if hi < lo:
                continue
            total += prefix[z, y, hi + 1] - prefix[z, y, lo]
            count += hi - lo + 1
        out[i] = total / count
    return out
