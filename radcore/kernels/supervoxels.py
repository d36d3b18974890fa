"""The assignment step of SLIC supervoxels (Achanta et al., IEEE TPAMI 2012) on a 3D grey-level image.

``slic_assign(image (z, y, x) float64, centres (k, 4) float64, window int64 (3,), spacing float64 (3,),
weight float64, labels int64 (z, y, x), distance float64 (z, y, x))``: each centre is (z, y, x, intensity)
in voxel indices and image units; every voxel within ``window`` voxels of a centre along each axis takes
that centre's index as its label where

    D = (I − I_c)² + weight · Σ_a ((p_a − c_a) · spacing_a)²

is smaller than the ``distance`` it holds (set it to +inf and ``labels`` to −1 first). ``weight`` is
(compactness / S)² with S the supervoxels' side in mm. :mod:`radcore.robustness.supervoxels` drives the
iterations; its NumPy reference :func:`radcore.robustness.supervoxels.assign_reference` is what the tests
compare this kernel with.
"""

from __future__ import annotations

import numba


@numba.njit(cache=True, nogil=True)
def slic_assign(image, centres, window, spacing, weight, labels, distance):
    nz, ny, nx = image.shape
    for c in range(centres.shape[0]):
        cz, cy, cx, ci = centres[c, 0], centres[c, 1], centres[c, 2], centres[c, 3]
        z0, z1 = max(int(cz) - window[0], 0), min(int(cz) + window[0] + 1, nz)
        y0, y1 = max(int(cy) - window[1], 0), min(int(cy) + window[1] + 1, ny)
        x0, x1 = max(int(cx) - window[2], 0), min(int(cx) + window[2] + 1, nx)
        for z in range(z0, z1):
            dz = (z - cz) * spacing[0]
            for y in range(y0, y1):
                dy = (y - cy) * spacing[1]
                for x in range(x0, x1):
                    dx = (x - cx) * spacing[2]
                    di = image[z, y, x] - ci
                    d = di * di + weight * (dz * dz + dy * dy + dx * dx)
                    if d < distance[z, y, x]:
                        distance[z, y, x] = d
                        labels[z, y, x] = c
