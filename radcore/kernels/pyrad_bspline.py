"""ITK's cubic B-spline resampling (``sitkBSpline`` in ``ResampleImageFilter``), as PyRadiomics resamples.

Reproduces, in numba, the arithmetic of ITK's identity-transform resampling with
``BSplineInterpolateImageFunction`` (order 3):

- coefficients (``BSplineDecompositionImageFilter``): along ITK axes x, y, z in turn, every line c[0..n-1]
  (n > 1) is scaled by the gain (1 - z)(1 - 1/z), z = sqrt(3) - 2, then filtered causally
  c[i] += z c[i-1] from c[0] = sum_{k < h} z^k c[k] (h = ceil(ln 1e-10 / ln|z|) when h < n; otherwise the
  exact mirror sum), and anti-causally c[i] = z (c[i+1] - c[i]) from c[n-1] = z / (z^2 - 1) (z c[n-2] + c[n-1]).
- sample positions: per output scan line (along x) the input continuous indices of its first voxel and of
  the voxel one past its end, interpolated linearly (alpha = i / n_x) between them.
- value at continuous index x: the 4 x 4 x 4 coefficients from floor(float32(x)) - 1, mirrored at the
  image ends, weighted by the cubic B-spline weights of w = x - (floor + 0), summed in ITK's order; 0 for a
  sample outside [-0.5, n - 0.5) along any axis; stored as float32 (the image's own pixel type in
  PyRadiomics' float32 CT; other types are cast by the caller).

``resample(image float (z, y, x), origin, spacing, direction (ITK x, y, z order), out_origin, out_spacing,
out_size (x, y, z)) -> float64 (z, y, x)`` the interpolated values (before the cast to the pixel type).
"""

from __future__ import annotations

import math

import numba
import numpy as np

_POLE = math.sqrt(3.0) - 2.0
_TOLERANCE = 1e-10
#: terms of the causal initial sum: |z|^h <= _TOLERANCE
_HORIZON = int(math.ceil(math.log(_TOLERANCE) / math.log(abs(_POLE))))


@numba.njit(cache=True, nogil=True)
def _line_coefficients(s, n, z, horizon):
    c0 = (1.0 - z) * (1.0 - 1.0 / z)
    for i in range(n):
        s[i] *= c0
    zn = z
    if horizon < n:
        total = s[0]
        for i in range(1, horizon):
            total += zn * s[i]
            zn *= z
        s[0] = total
    else:
        iz = 1.0 / z
        z2n = z ** (n - 1)
        total = s[0] + z2n * s[n - 1]
        z2n *= z2n * iz
        for i in range(1, n - 1):
            total += (zn + z2n) * s[i]
            zn *= z
            z2n *= iz
        s[0] = total / (1.0 - zn * zn)
    for i in range(1, n):
        s[i] += z * s[i - 1]
    s[n - 1] = (z / (z * z - 1.0)) * (z * s[n - 2] + s[n - 1])
    for i in range(n - 2, -1, -1):
        s[i] = z * (s[i + 1] - s[i])


@numba.njit(cache=True, nogil=True)
def _column_coefficients(a, z, horizon, total):
    """:func:`_line_coefficients` applied to every column of ``a`` (n, m) at once (n > 1): the same
    arithmetic per column, with the inner loops running along the contiguous rows."""
    n, m = a.shape
    c0 = (1.0 - z) * (1.0 - 1.0 / z)
    for i in range(n):
        for j in range(m):
            a[i, j] *= c0
    if horizon < n:
        for j in range(m):
            total[j] = a[0, j]
        zn = z
        for i in range(1, horizon):
            for j in range(m):
                total[j] += zn * a[i, j]
            zn *= z
        for j in range(m):
            a[0, j] = total[j]
    else:
        zn = z
        iz = 1.0 / z
        z2n = z ** (n - 1)
        for j in range(m):
            total[j] = a[0, j] + z2n * a[n - 1, j]
        z2n *= z2n * iz
        for i in range(1, n - 1):
            for j in range(m):
                total[j] += (zn + z2n) * a[i, j]
            zn *= z
            z2n *= iz
        for j in range(m):
            a[0, j] = total[j] / (1.0 - zn * zn)
    for i in range(1, n):
        for j in range(m):
            a[i, j] += z * a[i - 1, j]
    f = z / (z * z - 1.0)
    for j in range(m):
        a[n - 1, j] = f * (z * a[n - 2, j] + a[n - 1, j])
    for i in range(n - 2, -1, -1):
        for j in range(m):
            a[i, j] = z * (a[i + 1, j] - a[i, j])


@numba.njit(cache=True, nogil=True)
def _coefficients(src, c):
    """B-spline coefficients of ``src`` (any float type, (z, y, x)) into float64 ``c`` (same shape, C
    order): along x, then y, then z (:func:`_line_coefficients` on every line, in float64)."""
    z = _POLE
    horizon = _HORIZON
    nz, ny, nx = src.shape
    if nx > 1:  # rows of each slice transposed into columns (read from src): the same arithmetic, vectorised
        t = np.empty((nx, ny))
        total = np.empty(ny)
        for a in range(nz):
            for b in range(ny):
                for i in range(nx):
                    t[i, b] = src[a, b, i]
            _column_coefficients(t, z, horizon, total)
            for b in range(ny):
                for i in range(nx):
                    c[a, b, i] = t[i, b]
    else:
        for a in range(nz):
            for b in range(ny):
                c[a, b, 0] = src[a, b, 0]
    if ny > 1:  # whole contiguous slices and planes: strided views would not vectorise
        total = np.empty(nx)
        for a in range(nz):
            _column_coefficients(c[a], z, horizon, total)
    if nz > 1:
        _column_coefficients(c.reshape(nz, ny * nx), z, horizon, np.empty(ny * nx))


@numba.njit(cache=True, nogil=True)
def _to_cindex(point, origin, phys_to_index, out):
    for r in range(3):
        total = 0.0
        for k in range(3):
            total += phys_to_index[r, k] * (point[k] - origin[k])
        out[r] = total


@numba.njit(cache=True, nogil=True, inline="always")
def _mirror(q, last):
    """Index q reflected into [0, last] (ITK's mirror boundary for coefficients)."""
    if last == 0:
        return 0
    if q < 0:
        q = -q
    if q >= last:
        q = last - (q - last)
    return q


@numba.njit(cache=True, nogil=True, inline="always")
def _axis(x, n, stride):
    """Cubic B-spline weights (w0..w3) and mirrored flat offsets (o0..o3) along one axis of length n at
    continuous index x: first = floor(float32(x)) - 1, t = x - (first + 1)."""
    xf = np.float32(x)
    f = np.int64(xf)
    if np.float32(f) > xf:  # floor of the float32 value
        f -= 1
    first = f - 1
    t = x - np.float64(first + 1)
    w3 = (1.0 / 6.0) * t * t * t
    w0 = (1.0 / 6.0) + 0.5 * t * (t - 1.0) - w3
    w2 = t + w0 - 2.0 * w3
    w1 = 1.0 - w0 - w2 - w3
    last = n - 1
    return (w0, w1, w2, w3, _mirror(first, last) * stride, _mirror(first + 1, last) * stride,
            _mirror(first + 2, last) * stride, _mirror(first + 3, last) * stride)


@numba.njit(cache=True, nogil=True, inline="always")
def _position(start, end, i, ox, nx, ny, nz):
    """Continuous input index of output voxel i of a scan line, and whether it is inside the image."""
    alpha = i / float(ox)
    beta = 1.0 - alpha
    x0 = start[0] * beta + end[0] * alpha
    x1 = start[1] * beta + end[1] * alpha
    x2 = start[2] * beta + end[2] * alpha
    inside = x0 >= -0.5 and x0 < nx - 0.5 and x1 >= -0.5 and x1 < ny - 0.5 and x2 >= -0.5 and x2 < nz - 0.5
    return x0, x1, x2, inside


@numba.njit(cache=True, nogil=True)
def _evaluate(coef3, origin, phys_to_index, out_origin, out_index_to_phys, out):
    """B-spline samples of coefficients ``coef3`` on the output grid of ``out`` (see module doc).

    Two neighbouring voxels of a scan line are summed side by side: two independent chains of 64
    additions, each in ITK's order, so the values are unchanged and the adds overlap.
    """
    nz, ny, nx = coef3.shape
    coef = coef3.ravel()
    oz, oy, ox = out.shape
    point = np.empty(3)
    start = np.empty(3)
    end = np.empty(3)
    wx = np.empty(4)
    wy = np.empty(4)
    wz = np.empty(4)
    fx = np.empty(4, np.int64)
    fy = np.empty(4, np.int64)
    fz = np.empty(4, np.int64)
    vx = np.empty(4)
    vy = np.empty(4)
    vz = np.empty(4)
    gx = np.empty(4, np.int64)
    gy = np.empty(4, np.int64)
    gz = np.empty(4, np.int64)
    for k in range(oz):
        for j in range(oy):
            for which in range(2):
                i0 = 0 if which == 0 else ox
                for r in range(3):
                    p = out_origin[r]
                    p += out_index_to_phys[r, 0] * i0
                    p += out_index_to_phys[r, 1] * j
                    p += out_index_to_phys[r, 2] * k
                    point[r] = p
                _to_cindex(point, origin, phys_to_index, start if which == 0 else end)
            i = 0
            while i < ox:
                x0, x1, x2, inside = _position(start, end, i, ox, nx, ny, nz)
                if not inside:
                    out[k, j, i] = 0.0
                    i += 1
                    continue
                wx[0], wx[1], wx[2], wx[3], fx[0], fx[1], fx[2], fx[3] = _axis(x0, nx, 1)
                wy[0], wy[1], wy[2], wy[3], fy[0], fy[1], fy[2], fy[3] = _axis(x1, ny, nx)
                wz[0], wz[1], wz[2], wz[3], fz[0], fz[1], fz[2], fz[3] = _axis(x2, nz, nx * ny)
                pair = False
                if i + 1 < ox:
                    y0, y1, y2, pair = _position(start, end, i + 1, ox, nx, ny, nz)
                if not pair:
                    value = 0.0
                    for c in range(4):
                        for b in range(4):
                            base = fz[c] + fy[b]
                            for a in range(4):
                                value += (wx[a] * wy[b]) * wz[c] * coef[base + fx[a]]
                    out[k, j, i] = value
                    i += 1
                    continue
                vx[0], vx[1], vx[2], vx[3], gx[0], gx[1], gx[2], gx[3] = _axis(y0, nx, 1)
                vy[0], vy[1], vy[2], vy[3], gy[0], gy[1], gy[2], gy[3] = _axis(y1, ny, nx)
                vz[0], vz[1], vz[2], vz[3], gz[0], gz[1], gz[2], gz[3] = _axis(y2, nz, nx * ny)
                value = 0.0
                other = 0.0
                for c in range(4):
                    for b in range(4):
                        base = fz[c] + fy[b]
                        base2 = gz[c] + gy[b]
                        for a in range(4):
                            value += (wx[a] * wy[b]) * wz[c] * coef[base + fx[a]]
                            other += (vx[a] * vy[b]) * vz[c] * coef[base2 + gx[a]]
                out[k, j, i] = value
                out[k, j, i + 1] = other
                i += 2


def resample(image, origin, spacing, direction, out_origin, out_spacing, out_size) -> np.ndarray:
    """B-spline (order 3) samples of ``image`` on the output grid; see module doc (ITK x, y, z order)."""
    image = np.ascontiguousarray(image)
    coef = np.empty(image.shape, np.float64)
    _coefficients(image, coef)
    d = np.asarray(direction, dtype=np.float64).reshape(3, 3)
    index_to_phys = d * np.asarray(spacing, dtype=np.float64)[None, :]
    phys_to_index = np.linalg.inv(index_to_phys)
    out_index_to_phys = d * np.asarray(out_spacing, dtype=np.float64)[None, :]
    out = np.empty(tuple(int(n) for n in out_size[::-1]), np.float64)
    _evaluate(coef, np.asarray(origin, np.float64), phys_to_index, np.asarray(out_origin, np.float64),
              out_index_to_phys, out)
    return out
