"""Bilinear resampling of every slice of a volume by one 2D affine map (in-plane rotations and shifts).

``affine_planes_linear(data (z, y, x) float64, matrix (2, 2) float64, offset (2,) float64, constant: bool,
out (z, Y, X) float64)``: out[k, i, j] is ``data[k]`` interpolated bilinearly at (y, x) = matrix (i, j) +
offset. Outside the slice's extent [0, n − 1] the nearest edge value is used, or 0 with ``constant``
(scipy.ndimage's ``mode="nearest"`` and ``mode="constant"``, order 1: the reference the tests compare with).
"""

from __future__ import annotations

import numba


@numba.njit(cache=True, nogil=True)
def affine_planes_linear(data, matrix, offset, constant, out):
    nz, ny, nx = data.shape
    m00, m01, m10, m11 = matrix[0, 0], matrix[0, 1], matrix[1, 0], matrix[1, 1]
    for k in range(nz):
        plane = data[k]
        for i in range(out.shape[1]):
            for j in range(out.shape[2]):
                y = m00 * i + m01 * j + offset[0]
                x = m10 * i + m11 * j + offset[1]
                if constant and (y < 0.0 or y > ny - 1.0 or x < 0.0 or x > nx - 1.0):
                    out[k, i, j] = 0.0
                    continue
                y = min(max(y, 0.0), ny - 1.0)
                x = min(max(x, 0.0), nx - 1.0)
                y0 = min(int(y), max(ny - 2, 0))
                x0 = min(int(x), max(nx - 2, 0))
                y1 = min(y0 + 1, ny - 1)
                x1 = min(x0 + 1, nx - 1)
                fy = y - y0
                fx = x - x0
                out[k, i, j] = ((1.0 - fy) * ((1.0 - fx) * plane[y0, x0] + fx * plane[y0, x1])
                                + fy * ((1.0 - fx) * plane[y1, x0] + fx * plane[y1, x1]))
