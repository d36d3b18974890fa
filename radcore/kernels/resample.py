"""Numba kernels of separable interpolation (IBSI-1 2.4): one axis of a 3D array at a time.

An axis is resampled with taps: output sample j along the axis is

    out[j] = sum_k w[k, j] * data[idx[k, j]],     k = 0 .. taps - 1

(``idx``, ``w`` of shape (taps, n_out), e.g. the two neighbours and weights 1 - f, f of linear
interpolation). The terms are added in order k = 0, 1, ... starting from 0.0.
"""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True, nogil=True)
def resample_axis_taps(data: np.ndarray, idx: np.ndarray, w: np.ndarray, axis: int) -> np.ndarray:
    """``data`` (z, y, x) float64 resampled along ``axis`` with taps ``idx`` (int64) and weights ``w``
    (float64), both (taps, n_out); the other axes are kept. Returns a new float64 array."""
    nz, ny, nx = data.shape
    taps, n_out = idx.shape
    if axis == 0:
        out = np.zeros((n_out, ny, nx))
        for j in range(n_out):
            for k in range(taps):
                src, wk = idx[k, j], w[k, j]
                for y in range(ny):
                    for x in range(nx):
                        out[j, y, x] += data[src, y, x] * wk
    elif axis == 1:
        out = np.zeros((nz, n_out, nx))
        for z in range(nz):
            for j in range(n_out):
                for k in range(taps):
                    src, wk = idx[k, j], w[k, j]
                    for x in range(nx):
                        out[z, j, x] += data[z, src, x] * wk
    else:
        out = np.zeros((nz, ny, n_out))
        for z in range(nz):
            for y in range(ny):
                for j in range(n_out):
                    acc = 0.0
                    for k in range(taps):
                        acc += data[z, y, idx[k, j]] * w[k, j]
                    out[z, y, j] = acc
    return out


@numba.njit(cache=True, nogil=True)
def resampled_sum_min_max(data: np.ndarray, idx: np.ndarray, w: np.ndarray, rounded: bool) -> np.ndarray:
    """Sum, minimum and maximum of ``data`` (z, y, x) float64 resampled along axis 0 with taps ``idx``,
    ``w`` (as :func:`resample_axis_taps`), each sample rounded half to even first when ``rounded``,
    without holding the resampled array. Returns float64 [sum, min, max]."""
    nz, ny, nx = data.shape
    taps, n_out = idx.shape
    row = np.empty(nx)
    total, lo, hi = 0.0, np.inf, -np.inf
    for j in range(n_out):
        for y in range(ny):
            row[:] = 0.0
            for k in range(taps):
                src, wk = idx[k, j], w[k, j]
                for x in range(nx):
                    row[x] += data[src, y, x] * wk
            for x in range(nx):
                v = np.rint(row[x]) if rounded else row[x]
                total += v
                lo = min(lo, v)
                hi = max(hi, v)
    return np.array([total, lo, hi])
