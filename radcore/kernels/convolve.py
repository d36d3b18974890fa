"""Dilated 1D correlation along one axis, the boundary given by an index table: the kernel behind every
separable IBSI-2 filter (mean, LoG, Laws, separable wavelets; :mod:`radcore.filters.convolution`).

``correlate_planes(x (outer, n, inner), taps (K,), step, source (n + (K - 1) step,), out (outer, n, inner))``:

    out[o, i, j] = sum_k taps[k] * e[o, i + k step, j],   e[o, u, j] = x[o, source[u], j]  (0 where source[u] < 0)

the taps added in ascending k, float64 throughout. ``source`` maps each position of the extended line to
the voxel it repeats (the boundary condition; -1 for zero padding), so no padded copy is made. The
innermost loop runs over the contiguous ``j``, so any axis of a C-contiguous array is reached by a
reshape, without transposes; ``correlate_lines`` is the same for the last axis (``inner`` = 1): each line
is extended into a buffer, then one tap at a time is accumulated over the whole line.

``box_planes`` and ``box_lines`` are the same correlation with ``size`` equal taps ``1 / size`` (the mean
filter), computed by a running sum: the window's sum is updated by the voxel entering and the voxel leaving.
"""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True, nogil=True)
def correlate_planes(x, taps, step, source, out):
    """``out[o, i, j] = sum_k taps[k] x[o, source[i + k step], j]`` (see the module doc)."""
    outer, n, inner = out.shape
    for o in range(outer):
        for i in range(n):
            acc = out[o, i]
            for j in range(inner):
                acc[j] = 0.0
            for k in range(taps.shape[0]):
                w = taps[k]
                s = source[i + k * step]
                if w == 0.0 or s < 0:
                    continue
                src = x[o, s]
                for j in range(inner):
                    acc[j] += w * src[j]


@numba.njit(cache=True, nogil=True)
def correlate_lines(x, taps, step, source, out):
    """``out[o, i] = sum_k taps[k] x[o, source[i + k step]]``: :func:`correlate_planes` along the last axis."""
    lines, n = out.shape
    ext = np.empty(source.shape[0], np.float64)
    for o in range(lines):
        src = x[o]
        for u in range(source.shape[0]):
            s = source[u]
            ext[u] = src[s] if s >= 0 else 0.0
        acc = out[o]
        for i in range(n):
            acc[i] = 0.0
        for k in range(taps.shape[0]):
            w = taps[k]
            if w == 0.0:
                continue
            base = k * step
            for i in range(n):
                acc[i] += w * ext[base + i]


@numba.njit(cache=True, nogil=True)
def box_planes(x, size, source, out):
    """``out[o, i, j] = (1 / size) sum_{k < size} x[o, source[i + k], j]`` (0 where source < 0), by a running
    sum along the middle axis: two additions per voxel whatever the size."""
    outer, n, inner = out.shape
    acc = np.empty(inner, np.float64)
    scale = 1.0 / size
    for o in range(outer):
        for j in range(inner):
            acc[j] = 0.0
        for k in range(size):
            s = source[k]
            if s >= 0:
                for j in range(inner):
                    acc[j] += x[o, s, j]
        for i in range(n):
            row = out[o, i]
            for j in range(inner):
                row[j] = acc[j] * scale
            if i + 1 < n:
                s_in = source[i + size]
                s_out = source[i]
                if s_in >= 0:
                    for j in range(inner):
                        acc[j] += x[o, s_in, j]
                if s_out >= 0:
                    for j in range(inner):
                        acc[j] -= x[o, s_out, j]


@numba.njit(cache=True, nogil=True)
def box_lines(x, size, source, out):
    """:func:`box_planes` along the last axis of ``x`` (lines, n)."""
    lines, n = out.shape
    ext = np.empty(source.shape[0], np.float64)
    scale = 1.0 / size
    for o in range(lines):
        src = x[o]
        for u in range(source.shape[0]):
            s = source[u]
            ext[u] = src[s] if s >= 0 else 0.0
        acc = 0.0
        for k in range(size):
            acc += ext[k]
        line = out[o]
        for i in range(n):
            line[i] = acc * scale
            if i + 1 < n:
                acc += ext[i + size] - ext[i]
