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
    rows     (r, 4) int64: dz, dy, lo, hi (lo <= hi); the sphere holds offsets (dz, dy, dx) with lo <= dx <= hi
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
    n_rows = rows.shape[0]
    reach = np.zeros(3, np.int64)  # the sphere's extent along z, y, x
    whole = 0  # its voxel count
    lo_step = np.empty(n_rows, np.int64)  # a row's ends as steps in the raveled prefix sums
    hi_step = np.empty(n_rows, np.int64)
    for r in range(n_rows):
        reach[0] = max(reach[0], abs(rows[r, 0]))
        reach[1] = max(reach[1], abs(rows[r, 1]))
        reach[2] = max(reach[2], -rows[r, 2], rows[r, 3])
        whole += rows[r, 3] - rows[r, 2] + 1
        start = (rows[r, 0] * ny + rows[r, 1]) * (nx + 1)
        lo_step[r] = start + rows[r, 2]
        hi_step[r] = start + rows[r, 3] + 1
    flat = prefix.ravel()
    out = np.empty(centres.shape[0])
    for i in range(centres.shape[0]):
        cz, cy, cx = centres[i, 0], centres[i, 1], centres[i, 2]
        total = 0.0
        if (reach[0] <= cz < nz - reach[0] and reach[1] <= cy < ny - reach[1]
                and reach[2] <= cx < nx - reach[2]):  # the sphere lies inside the image
            c = (cz * ny + cy) * (nx + 1) + cx
            for r in range(n_rows):
                total += flat[np.uint64(c + hi_step[r])] - flat[np.uint64(c + lo_step[r])]
            out[i] = total / whole
            continue
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
