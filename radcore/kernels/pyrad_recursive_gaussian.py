"""ITK's recursive (Deriche) Gaussian filters along one axis, and their Laplacian (PyRadiomics' LoG).

PyRadiomics' ``LoG`` image type is ITK's ``LaplacianRecursiveGaussianImageFilter`` (normalised across
scale). This kernel reproduces that filter's arithmetic step by step, so its float32 output matches ITK's:

- 1D filter (Deriche, 4th order, coefficients of Farneback & Westin): for a line x[0..n-1] (n >= 4)
  y+[i] = N0 x[i] + N1 x[i-1] + N2 x[i-2] + N3 x[i-3] - (D1 y+[i-1] + D2 y+[i-2] + D3 y+[i-3] + D4 y+[i-4])
  y-[i] = M1 x[i+1] + M2 x[i+2] + M3 x[i+3] + M4 x[i+4] - (D1 y-[i+1] + ... + D4 y-[i+4])
  y = y+ + y-; outside the line the signal is taken constant (its first / last sample), with the
  boundary coefficients BN = D SN / SD, BM = D SM / SD. Lines are processed in float64 and stored as
  float32, as ITK's internal images are.
- coefficients (:func:`coefficients`): order 0 (smoothing) and 2 (second derivative, times sigma^2 when
  normalised across scale) for sigma in voxels sigma_d = sigma / spacing.
- Laplacian: for each axis d (ITK order x, y, z): the second derivative along d, then smoothing along the
  other axes (in ITK order), accumulated in float32 as acc = acc + L_d / spacing_d^2.

``laplacian(image float64 (z, y, x), spacing (z, y, x) mm, sigma mm) -> float32 (z, y, x)``
"""

from __future__ import annotations

import math

import numba
import numpy as np

#: Farneback & Westin's constants for the Gaussian (index 0), its first (1) and second (2) derivative
_A1 = (1.3530, -0.6724, -1.3563)
_B1 = (1.8151, -3.4327, 5.2318)
_A2 = (-0.3531, 0.6724, 0.3446)
_B2 = (0.0902, 0.6100, -2.2355)
_W1, _L1, _W2, _L2 = 0.6681, -1.3932, 2.0787, -1.3732


def _n_coefficients(sigmad, k):
    a1, b1, a2, b2 = _A1[k], _B1[k], _A2[k], _B2[k]
    sin1, sin2 = math.sin(_W1 / sigmad), math.sin(_W2 / sigmad)
    cos1, cos2 = math.cos(_W1 / sigmad), math.cos(_W2 / sigmad)
    exp1, exp2 = math.exp(_L1 / sigmad), math.exp(_L2 / sigmad)
    n0 = a1 + a2
    n1 = exp2 * (b2 * sin2 - (a2 + 2 * a1) * cos2)
    n1 += exp1 * (b1 * sin1 - (a1 + 2 * a2) * cos1)
    n2 = (a1 + a2) * cos2 * cos1
    n2 -= b1 * cos2 * sin1 + b2 * cos1 * sin2
    n2 *= 2 * exp1 * exp2
    n2 += a2 * exp1 * exp1 + a1 * exp2 * exp2
    n3 = exp2 * exp1 * exp1 * (b2 * sin2 - a2 * cos2)
    n3 += exp1 * exp2 * exp2 * (b1 * sin1 - a1 * cos1)
    return [n0, n1, n2, n3], n0 + n1 + n2 + n3, n1 + 2 * n2 + 3 * n3, n1 + 4 * n2 + 9 * n3


def coefficients(sigma: float, spacing: float, order: int, normalize: bool = True) -> np.ndarray:
    """float64 (20,): N0..N3, D1..D4, M1..M4, BN1..BN4, BM1..BM4 of the order-0 or order-2 filter."""
    sigmad = sigma / spacing
    cos1, cos2 = math.cos(_W1 / sigmad), math.cos(_W2 / sigmad)
    exp1, exp2 = math.exp(_L1 / sigmad), math.exp(_L2 / sigmad)
    d4 = exp1 * exp1 * exp2 * exp2
    d3 = -2 * cos1 * exp1 * exp2 * exp2
    d3 += -2 * cos2 * exp2 * exp1 * exp1
    d2 = 4 * cos2 * cos1 * exp1 * exp2
    d2 += exp1 * exp1 + exp2 * exp2
    d1 = -2 * (exp2 * cos2 + exp1 * cos1)
    sd = 1.0 + d1 + d2 + d3 + d4
    dd = d1 + 2 * d2 + 3 * d3 + 4 * d4
    ed = d1 + 4 * d2 + 9 * d3 + 16 * d4
    if order == 0:
        n, sn, _, _ = _n_coefficients(sigmad, 0)
        alpha = 2 * sn / sd - n[0]
        n = [v * (1.0 / alpha) for v in n]
    elif order == 2:
        scale = sigma * sigma if normalize else 1.0
        n_0, sn0, dn0, en0 = _n_coefficients(sigmad, 0)
        n_2, sn2, dn2, en2 = _n_coefficients(sigmad, 2)
        beta = -(2 * sn2 - sd * n_2[0]) / (2 * sn0 - sd * n_0[0])
        n = [n_2[k] + beta * n_0[k] for k in range(4)]
        sn = sn2 + beta * sn0
        dn = dn2 + beta * dn0
        en = en2 + beta * en0
        alpha = en * sd * sd - ed * sn * sd - 2 * dn * dd * sd + 2 * dd * dd * sn
        alpha /= sd * sd * sd
        n = [v * (scale / alpha) for v in n]
    else:
        raise ValueError(f"order must be 0 or 2, got {order}")
    d = [d1, d2, d3, d4]
    m = [n[1] - d1 * n[0], n[2] - d2 * n[0], n[3] - d3 * n[0], -d4 * n[0]]  # symmetric filters
    sn = n[0] + n[1] + n[2] + n[3]
    sm = m[0] + m[1] + m[2] + m[3]
    sd = 1.0 + d1 + d2 + d3 + d4
    bn = [dk * sn / sd for dk in d]
    bm = [dk * sm / sd for dk in d]
    return np.array(n + d + m + bn + bm, dtype=np.float64)


@numba.njit(cache=True, nogil=True)
def _filter_columns(x, c, dst, outs, scratch):
    """ITK's causal + anti-causal recursion down every column of the C-contiguous float64 block ``x``
    (ln, m), ln >= 4, into float32 ``dst``; ``outs`` and ``scratch`` are float64 (ln, m) work space.
    Columns are independent, so the inner loops run along contiguous rows (vectorisable) with each
    column's arithmetic as ITK's."""
    n0, n1, n2, n3 = c[0], c[1], c[2], c[3]
    d1, d2, d3, d4 = c[4], c[5], c[6], c[7]
    m1, m2, m3, m4 = c[8], c[9], c[10], c[11]
    bn1, bn2, bn3, bn4 = c[12], c[13], c[14], c[15]
    bm1, bm2, bm3, bm4 = c[16], c[17], c[18], c[19]
    ln, m = x.shape
    e = ln - 1
    for j in range(m):
        v = x[0, j]
        x1 = x[1, j]
        x2 = x[2, j]
        x3 = x[3, j]
        o0 = v * n0 + v * n1 + v * n2 + v * n3
        o1 = x1 * n0 + v * n1 + v * n2 + v * n3
        o2 = x2 * n0 + x1 * n1 + v * n2 + v * n3
        o3 = x3 * n0 + x2 * n1 + x1 * n2 + v * n3
        o0 -= v * bn1 + v * bn2 + v * bn3 + v * bn4
        o1 -= o0 * d1 + v * bn2 + v * bn3 + v * bn4
        o2 -= o1 * d1 + o0 * d2 + v * bn3 + v * bn4
        o3 -= o2 * d1 + o1 * d2 + o0 * d3 + v * bn4
        outs[0, j] = o0
        outs[1, j] = o1
        outs[2, j] = o2
        outs[3, j] = o3
        w = x[e, j]
        y1 = x[e - 1, j]
        y2 = x[e - 2, j]
        s0 = w * m1 + w * m2 + w * m3 + w * m4
        s1 = w * m1 + w * m2 + w * m3 + w * m4
        s2 = y1 * m1 + w * m2 + w * m3 + w * m4
        s3 = y2 * m1 + y1 * m2 + w * m3 + w * m4
        s0 -= w * bm1 + w * bm2 + w * bm3 + w * bm4
        s1 -= s0 * d1 + w * bm2 + w * bm3 + w * bm4
        s2 -= s1 * d1 + s0 * d2 + w * bm3 + w * bm4
        s3 -= s2 * d1 + s1 * d2 + s0 * d3 + w * bm4
        scratch[e, j] = s0
        scratch[e - 1, j] = s1
        scratch[e - 2, j] = s2
        scratch[e - 3, j] = s3
    for i in range(4, ln):
        xa = x[i]
        xb = x[i - 1]
        xc = x[i - 2]
        xd = x[i - 3]
        oa = outs[i - 1]
        ob = outs[i - 2]
        oc = outs[i - 3]
        od = outs[i - 4]
        o = outs[i]
        for j in range(m):
            t = xa[j] * n0 + xb[j] * n1 + xc[j] * n2 + xd[j] * n3
            t -= oa[j] * d1 + ob[j] * d2 + oc[j] * d3 + od[j] * d4
            o[j] = t
    for i in range(ln - 4, 0, -1):
        xa = x[i]
        xb = x[i + 1]
        xc = x[i + 2]
        xd = x[i + 3]
        sa = scratch[i]
        sb = scratch[i + 1]
        sc = scratch[i + 2]
        sd = scratch[i + 3]
        o = scratch[i - 1]
        for j in range(m):
            t = xa[j] * m1 + xb[j] * m2 + xc[j] * m3 + xd[j] * m4
            t -= sa[j] * d1 + sb[j] * d2 + sc[j] * d3 + sd[j] * d4
            o[j] = t
    for i in range(ln):
        a = outs[i]
        b = scratch[i]
        for j in range(m):
            dst[i, j] = np.float32(a[j] + b[j])

_BLOCK = 128


@numba.njit(cache=True, nogil=True)
def _filter_axis(src, axis, c, dst):
    """Filter every line of ``src`` (C-contiguous 3D) along ``axis`` into float32 ``dst``: blocks of
    lines are copied to a contiguous float64 (line position, line) buffer first."""
    nz, ny, nx = src.shape
    ln = src.shape[axis]
    if axis == 0:
        flat = src.reshape(nz, ny * nx)
        out = dst.reshape(nz, ny * nx)
        total = ny * nx
        buf = np.empty((ln, _BLOCK))
        outs = np.empty((ln, _BLOCK))
        scratch = np.empty((ln, _BLOCK))
        for j0 in range(0, total, _BLOCK):
            j1 = min(j0 + _BLOCK, total)
            m = j1 - j0
            if m != _BLOCK:
                buf = np.empty((ln, m))
                outs = np.empty((ln, m))
                scratch = np.empty((ln, m))
            for i in range(ln):
                for j in range(m):
                    buf[i, j] = np.float64(flat[i, j0 + j])
            _filter_columns(buf, c, out[:, j0:j1], outs, scratch)
    elif axis == 1:
        buf = np.empty((ny, nx))
        outs = np.empty((ny, nx))
        scratch = np.empty((ny, nx))
        for z in range(nz):
            for i in range(ny):
                for j in range(nx):
                    buf[i, j] = np.float64(src[z, i, j])
            _filter_columns(buf, c, dst[z], outs, scratch)
    else:
        buf = np.empty((nx, ny))
        outs = np.empty((nx, ny))
        scratch = np.empty((nx, ny))
        res = np.empty((nx, ny), np.float32)
        for z in range(nz):
            for y in range(ny):
                for x in range(nx):
                    buf[x, y] = np.float64(src[z, y, x])
            _filter_columns(buf, c, res, outs, scratch)
            for y in range(ny):
                for x in range(nx):
                    dst[z, y, x] = res[x, y]


@numba.njit(cache=True, nogil=True)
def _laplacian(image, coeffs2, coeffs0, inv_spacing2, out):
    """``out`` (float32, zeros) += the Laplacian; coefficient rows per array axis (z, y, x)."""
    tmp = np.empty(image.shape, np.float32)
    tmp2 = np.empty(image.shape, np.float32)
    for itk_dim in range(3):
        axis = 2 - itk_dim
        _filter_axis(image, axis, coeffs2[axis], tmp)
        src = tmp
        dst = tmp2
        for other in range(3):  # smoothing along the other axes, ITK order x, y, z
            if other == itk_dim:
                continue
            oaxis = 2 - other
            _filter_axis(src, oaxis, coeffs0[oaxis], dst)
            src, dst = dst, src
        nz, ny, nx = out.shape
        f = inv_spacing2[axis]
        for z in range(nz):
            for y in range(ny):
                for x in range(nx):
                    out[z, y, x] = np.float32(np.float64(out[z, y, x]) + np.float64(src[z, y, x]) * f)


@numba.njit(cache=True, nogil=True)
def _crop_axis(a, axis, start, stop):
    if axis == 0:
        return np.ascontiguousarray(a[start:stop])
    if axis == 1:
        return np.ascontiguousarray(a[:, start:stop])
    return np.ascontiguousarray(a[:, :, start:stop])


@numba.njit(cache=True, nogil=True)
def _laplacian_box(image, coeffs2, coeffs0, inv_spacing2, lo, out):
    """``out`` (float32, zeros, shape of the box starting at ``lo``) += the Laplacian inside the box.

    Every line is filtered whole, so each value equals :func:`_laplacian`'s; but after the pass along an
    axis only the box's range of that axis is kept, as no later pass mixes values across it."""
    stop = np.empty(3, np.int64)
    for a in range(3):
        stop[a] = lo[a] + out.shape[a]
    order = np.empty(3, np.int64)
    for itk_dim in range(3):
        axis = 2 - itk_dim
        order[0] = axis
        m = 1
        for other in range(3):  # smoothing along the other axes, ITK order x, y, z
            if other != itk_dim:
                order[m] = 2 - other
                m += 1
        a = order[0]
        res = np.empty(image.shape, np.float32)
        _filter_axis(image, a, coeffs2[a], res)
        cur = _crop_axis(res, a, lo[a], stop[a])
        for step in range(1, 3):
            a = order[step]
            res = np.empty(cur.shape, np.float32)
            _filter_axis(cur, a, coeffs0[a], res)
            cur = _crop_axis(res, a, lo[a], stop[a])
        nz, ny, nx = out.shape
        f = inv_spacing2[axis]
        for z in range(nz):
            for y in range(ny):
                for x in range(nx):
                    out[z, y, x] = np.float32(np.float64(out[z, y, x]) + np.float64(cur[z, y, x]) * f)


def laplacian(image: np.ndarray, spacing, sigma: float, box=None) -> np.ndarray:
    """ITK's LaplacianRecursiveGaussian (normalised across scale) of ``image`` as float32; see module doc.

    Every axis needs at least 4 voxels (as in ITK). With ``box`` (three slices with explicit bounds), only
    ``response[box]`` is computed and returned (the same values, less work).
    """
    image = np.ascontiguousarray(image, dtype=np.float64)
    if image.ndim != 3 or min(image.shape) < 4:
        raise ValueError(f"the recursive Gaussian needs a 3D image with >= 4 voxels per axis, got {image.shape}")
    spacing = [float(s) for s in spacing]
    coeffs2 = np.stack([coefficients(sigma, s, 2) for s in spacing])
    coeffs0 = np.stack([coefficients(sigma, s, 0) for s in spacing])
    inv = np.array([1.0 / (s * s) for s in spacing])
    if box is not None:
        lo = np.array([b.start for b in box], np.int64)
        out = np.zeros(tuple(b.stop - b.start for b in box), np.float32)
        _laplacian_box(image, coeffs2, coeffs0, inv, lo, out)
        return out
    out = np.zeros(image.shape, np.float32)
    _laplacian(image, coeffs2, coeffs0, inv, out)
    return out
