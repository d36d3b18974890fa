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
def resampled_sum_min_max(data: np.ndarray, z_idx: np.ndarray, z_w: np.ndarray, y_idx: np.ndarray,
                          y_w: np.ndarray, x_idx: np.ndarray, x_w: np.ndarray, y_first: bool,
                          rounded: bool) -> np.ndarray:
    """Sum, minimum and maximum of ``data`` (z, y, x) float64 resampled along every axis with the taps
    ``*_idx`` and weights ``*_w`` of that axis (as :func:`resample_axis_taps`), each sample rounded half
    to even first when ``rounded``. In-plane first (y then x when ``y_first``, else x then y), then z: the
    same sums in the same order as three :func:`resample_axis_taps` passes, but one source slice at a
    time, without holding any resampled volume. Returns float64 [sum, min, max]."""
    nz, ny, nx = data.shape
    taps, nz_out = z_idx.shape
    ny_out, nx_out = y_idx.shape[1], x_idx.shape[1]
    planes = np.empty((taps + 1, ny_out, nx_out))  # in-plane resampled source slices
    held = np.full(taps + 1, -1, np.int64)  # the source slice each plane holds
    used = np.full(taps + 1, -1, np.int64)  # the output slice that last read it
    slot = np.empty(taps, np.int64)
    row = np.empty(nx_out)
    total, lo, hi = 0.0, np.inf, -np.inf
    for j in range(nz_out):
        for k in range(taps):
            src = z_idx[k, j]
            s = -1
            for c in range(taps + 1):
                if held[c] == src:
                    s = c
            if s < 0:  # the least recently read plane (never one this output slice reads)
                s = 0
                for c in range(taps + 1):
                    if used[c] < used[s]:
                        s = c
                _resample_plane(data[src], y_idx, y_w, x_idx, x_w, y_first, planes[s])
                held[s] = src
            used[s] = j
            slot[k] = s
        for y in range(ny_out):
            row[:] = 0.0
            for k in range(taps):
                plane, wk = planes[slot[k]], z_w[k, j]
                for x in range(nx_out):
                    row[x] += plane[y, x] * wk
            for x in range(nx_out):
                v = np.rint(row[x]) if rounded else row[x]
                total += v
                lo = min(lo, v)
                hi = max(hi, v)
    return np.array([total, lo, hi])


@numba.njit(cache=True, nogil=True)
def _resample_plane(image: np.ndarray, y_idx: np.ndarray, y_w: np.ndarray, x_idx: np.ndarray,
                    x_w: np.ndarray, y_first: bool, out: np.ndarray) -> None:
    """One (y, x) slice resampled along y and x into ``out``, the sums as in :func:`resample_axis_taps`."""
    ny, nx = image.shape
    ny_out, nx_out = out.shape
    if y_first:
        mid = np.zeros((ny_out, nx))
        for j in range(ny_out):
            for k in range(y_idx.shape[0]):
                src, wk = y_idx[k, j], y_w[k, j]
                for x in range(nx):
                    mid[j, x] += image[src, x] * wk
        for y in range(ny_out):
            for j in range(nx_out):
                acc = 0.0
                for k in range(x_idx.shape[0]):
                    acc += mid[y, x_idx[k, j]] * x_w[k, j]
                out[y, j] = acc
    else:
        mid = np.empty((ny, nx_out))
        for y in range(ny):
            for j in range(nx_out):
                acc = 0.0
                for k in range(x_idx.shape[0]):
                    acc += image[y, x_idx[k, j]] * x_w[k, j]
                mid[y, j] = acc
        out[:, :] = 0.0
        for j in range(ny_out):
            for k in range(y_idx.shape[0]):
                src, wk = y_idx[k, j], y_w[k, j]
                for x in range(nx_out):
                    out[j, x] += mid[src, x] * wk
