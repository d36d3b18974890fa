"""Reference for :mod:`radcore.kernels.pyrad_swt` in float64: the one-level undecimated wavelet transform along
the rows of a 2D array, one output at a time with a modulo per tap (the taps added in ascending order)."""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True, nogil=True)
def swt_rows(x: np.ndarray, lo: np.ndarray, hi: np.ndarray, out_lo: np.ndarray, out_hi: np.ndarray) -> None:
    """Periodic filtering of every row of ``x`` (float64, (m, n)) with ``lo`` and ``hi`` (float64, length L).

    ``out_lo[r, i] = sum_k lo[k] * x[r, (i + L // 2 - k) mod n]`` and likewise ``out_hi`` with ``hi``: the
    undecimated one-level transform with periodic extension, aligned as PyWavelets' ``swt`` aligns it.
    """
    m, n = x.shape
    taps = lo.shape[0]
    shift = taps // 2
    for r in range(m):
        for i in range(n):
            a = 0.0
            d = 0.0
            for k in range(taps):
                j = (i + shift - k) % n
                v = x[r, j]
                a += lo[k] * v
                d += hi[k] * v
            out_lo[r, i] = a
            out_hi[r, i] = d
