"""Dilated 1D correlation along one axis of an already padded array: the kernel behind every separable
IBSI-2 filter (mean, LoG, Laws, separable wavelets; :mod:`radcore.filters.convolution`).

``correlate_planes(x (outer, n + (K - 1) d, inner), taps (K,), d, out (outer, n, inner))``:

    out[o, i, j] = sum_k taps[k] * x[o, i + k d, j]

the taps added in ascending k, float64 throughout. The innermost loop runs over the contiguous ``j``, so
any axis of a C-contiguous array is reached by a reshape, without transposes; ``correlate_lines`` is the
same for the last axis (``inner`` = 1), accumulating one tap over the whole line at a time.
"""

from __future__ import annotations

import numba


@numba.njit(cache=True, nogil=True)
def correlate_planes(x, taps, step, out):
    """``out[o, i, j] = sum_k taps[k] x[o, i + k step, j]`` (see the module doc)."""
    outer, n, inner = out.shape
    for o in range(outer):
        for i in range(n):
            acc = out[o, i]
            for j in range(inner):
                acc[j] = 0.0
            for k in range(taps.shape[0]):
                w = taps[k]
                if w == 0.0:
                    continue
                src = x[o, i + k * step]
                for j in range(inner):
                    acc[j] += w * src[j]


@numba.njit(cache=True, nogil=True)
def correlate_lines(x, taps, step, out):
    """``out[o, i] = sum_k taps[k] x[o, i + k step]``: :func:`correlate_planes` along the last axis."""
    lines, n = out.shape
    for o in range(lines):
        src = x[o]
        acc = out[o]
        for i in range(n):
            acc[i] = 0.0
        for k in range(taps.shape[0]):
            w = taps[k]
            if w == 0.0:
                continue
            base = k * step
            for i in range(n):
                acc[i] += w * src[base + i]
