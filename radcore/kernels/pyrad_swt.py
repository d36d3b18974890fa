"""One-level undecimated (stationary) wavelet transform along rows, without a modulo per tap.

``swt_rows(x float64 (m, n), lo, hi float64 (L,), out_lo, out_hi float64 (m, n))``:
``out_lo[r, i] = sum_k lo[k] x[r, (i + L // 2 - k) mod n]`` (and ``out_hi`` with ``hi``), summed over k
in ascending order: the same values, bit for bit, as :func:`radcore.kernels.swt.swt_rows`. Each row is
first copied into a periodically extended buffer ``e[u] = x[(u - (L - 1) + L // 2) mod n]`` so that the
tap k of output i reads ``e[i + L - 1 - k]``.
"""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True, nogil=True)
def swt_rows(x, lo, hi, out_lo, out_hi):
    m, n = x.shape
    taps = lo.shape[0]
    shift = taps // 2
    ext = np.empty(n + taps - 1)
    for r in range(m):
        for u in range(n + taps - 1):
            ext[u] = x[r, (u - (taps - 1) + shift) % n]
        for i in range(n):
            a = 0.0
            d = 0.0
            for k in range(taps):
                v = ext[i + taps - 1 - k]
                a += lo[k] * v
                d += hi[k] * v
            out_lo[r, i] = a
            out_hi[r, i] = d


@numba.njit(cache=True, nogil=True)
def swt_rows_f32(x, lo, hi, out_lo, out_hi):
    """float32 ``x`` (m, n), float32 filters: the same transform with float32 products and sums in the
    order PyWavelets sums them for float32 data (periodization, step 1): output i (tap centre
    t = i + L // 2) adds f[k] x[(t - k) mod n] for k ascending, except when t >= n, where the taps that
    wrap round (k = t - n, t - n - 1, ..., 0, descending) come first, then k = t - n + 1 .. L - 1."""
    m, n = x.shape
    taps = lo.shape[0]
    half = taps // 2
    zero = np.float32(0.0)
    for r in range(m):
        for i in range(n):
            t = i + half
            a = zero
            d = zero
            if t < n:
                for k in range(taps):
                    q = t - k
                    if q < 0:
                        q += n * ((-q + n - 1) // n)
                    v = x[r, q]
                    a += lo[k] * v
                    d += hi[k] * v
            else:
                for k in range(min(t - n, taps - 1), -1, -1):
                    q = (t - k) % n
                    v = x[r, q]
                    a += lo[k] * v
                    d += hi[k] * v
                for k in range(t - n + 1, taps):
                    q = t - k
                    if q < 0:
                        q += n * ((-q + n - 1) // n)
                    v = x[r, q]
                    a += lo[k] * v
                    d += hi[k] * v
            out_lo[r, i] = a
            out_hi[r, i] = d
