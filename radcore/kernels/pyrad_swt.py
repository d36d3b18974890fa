"""One-level undecimated (stationary) wavelet transform along one axis, vectorised, without transposes.

Output i of a line of length n (tap centre t = i + L // 2, L the filter length) is
``sum_k f[k] x[(t - k) mod n]`` for f = ``lo`` and ``hi``, with products and sums in the type of ``x``:

- float64 (``pywt_order`` False): the taps added in ascending k (radcore's own wavelet filter);
- float32 (``pywt_order`` True): PyWavelets' float32 periodization order -- ascending k, except when
  t >= n, where the taps that wrap round (k = t - n, ..., 0, descending) come first, then
  k = t - n + 1 .. L - 1 -- so the values equal ``pywt.swtn``'s bit for bit.

``swt_planes(x (outer, n, inner), lo, hi, pywt_order, out_lo, out_hi)`` transforms along the middle axis
(any axis of a C-contiguous array, reshaped); ``swt_lines(x (m, n), ...)`` along the last. Each output
adds its own taps one by one in the order above; the loops only interleave different outputs, so the
values do not depend on the loop order.
"""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True, nogil=True, inline="always")
def _tap_order(t, n, taps, pywt_order, order):
    """The taps k of the output with tap centre t in the order they are added: ascending, except (with
    ``pywt_order``, PyWavelets' float32 order) when t >= n: k = t - n, ..., 0 descending, then t - n + 1 .. L - 1."""
    if not pywt_order or t < n:
        for k in range(taps):
            order[k] = k
        return
    m = 0
    for k in range(min(t - n, taps - 1), -1, -1):
        order[m] = k
        m += 1
    for k in range(t - n + 1, taps):
        order[m] = k
        m += 1


@numba.njit(cache=True, nogil=True)
def swt_planes(x, lo, hi, pywt_order, out_lo, out_hi):
    """The transform along the middle axis of ``x`` (outer, n, inner), C-contiguous, any float type:
    ``out[o, i, j] = sum_k f[k] x[o, (i + L // 2 - k) mod n, j]``, the taps added in :func:`_tap_order`'s
    order (products and sums in the type of ``x``: see the module doc). The innermost loop runs over the
    contiguous j, so no transposes are needed and it vectorises; each output still adds its own taps one
    by one in that order, so the values do not depend on the loop order."""
    outer, n, inner = x.shape
    taps = lo.shape[0]
    half = taps // 2
    order = np.empty(taps, np.int64)
    zero = x.dtype.type(0.0)
    for o in range(outer):
        for i in range(n):
            t = i + half
            _tap_order(t, n, taps, pywt_order, order)
            a = out_lo[o, i]
            d = out_hi[o, i]
            for j in range(inner):
                a[j] = zero
                d[j] = zero
            for m in range(taps):
                k = order[m]
                src = x[o, (t - k) % n]
                fl = lo[k]
                fh = hi[k]
                for j in range(inner):
                    v = src[j]
                    a[j] += fl * v
                    d[j] += fh * v


@numba.njit(cache=True, nogil=True)
def swt_lines(x, lo, hi, pywt_order, out_lo, out_hi):
    """The transform along the last axis of ``x`` (m, n), C-contiguous, any float type, with the same
    values as :func:`swt_planes` along it. Each row is copied into a periodic extension
    ``e[u] = x[(u - (L - 1) + L // 2) mod n]`` (tap k of output i reads ``e[i + L - 1 - k]``); the outputs
    whose taps are added in ascending order are accumulated tap by tap over the whole row (vectorised),
    the few others (PyWavelets' wrap-round order) one by one."""
    m, n = x.shape
    taps = lo.shape[0]
    half = taps // 2
    ext = np.empty(n + taps - 1, x.dtype)
    order = np.empty(taps, np.int64)
    zero = x.dtype.type(0.0)
    plain = n if not pywt_order else max(n - half, 0)  # outputs with t < n (all without pywt_order)
    for r in range(m):
        row = x[r]
        for u in range(n + taps - 1):
            ext[u] = row[(u - (taps - 1) + half) % n]
        a = out_lo[r]
        d = out_hi[r]
        for i in range(plain):
            a[i] = zero
            d[i] = zero
        for k in range(taps):
            fl = lo[k]
            fh = hi[k]
            base = taps - 1 - k
            for i in range(plain):
                v = ext[i + base]
                a[i] += fl * v
                d[i] += fh * v
        for i in range(plain, n):
            t = i + half
            _tap_order(t, n, taps, pywt_order, order)
            sa = zero
            sd = zero
            for q in range(taps):
                k = order[q]
                v = ext[i + taps - 1 - k]
                sa += lo[k] * v
                sd += hi[k] * v
            a[i] = sa
            d[i] = sd
