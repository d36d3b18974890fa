"""Numba kernel of the 2D local binary pattern of one image plane."""

from __future__ import annotations

import numba
import numpy as np

DEFAULT, ROR, UNIFORM, VAR = 0, 1, 2, 3


@numba.njit(cache=True, nogil=True)
def _pixel(image: np.ndarray, r: float, c: float) -> float:
    """Bilinear interpolation at (r, c); samples outside the plane count as 0."""
    rows, cols = image.shape
    r0 = int(np.floor(r))
    c0 = int(np.floor(c))
    r1 = int(np.ceil(r))
    c1 = int(np.ceil(c))
    dr = r - r0
    dc = c - c0
    v00 = image[r0, c0] if 0 <= r0 < rows and 0 <= c0 < cols else 0.0
    v01 = image[r0, c1] if 0 <= r0 < rows and 0 <= c1 < cols else 0.0
    v10 = image[r1, c0] if 0 <= r1 < rows and 0 <= c0 < cols else 0.0
    v11 = image[r1, c1] if 0 <= r1 < rows and 0 <= c1 < cols else 0.0
    top = (1.0 - dc) * v00 + dc * v01
    bottom = (1.0 - dc) * v10 + dc * v11
    return (1.0 - dr) * top + dr * bottom


@numba.njit(cache=True, nogil=True)
def lbp_plane(image: np.ndarray, dr: np.ndarray, dc: np.ndarray, method: int, out: np.ndarray) -> None:
    """Local binary pattern of every pixel of ``image`` (float64, (rows, cols)) into ``out``.

    The P neighbours sit at (r + dr[p], c + dc[p]); s_p = [I_p >= I_c].
    DEFAULT: sum_p s_p 2^p.  ROR: the smallest value of that P-bit code over its circular rotations.
    UNIFORM: sum_p s_p when the sequence s_0..s_{P-1} changes value at most twice, else P + 1.
    VAR: the population variance of the P neighbour intensities.
    """
    rows, cols = image.shape
    n = dr.shape[0]
    texture = np.empty(n, dtype=np.float64)
    signed = np.empty(n, dtype=np.int64)
    for r in range(rows):
        for c in range(cols):
            centre = image[r, c]
            for p in range(n):
                texture[p] = _pixel(image, r + dr[p], c + dc[p])
                signed[p] = 1 if texture[p] - centre >= 0 else 0
            if method == VAR:
                mean = 0.0
                for p in range(n):
                    mean += texture[p]
                mean /= n
                var = 0.0
                for p in range(n):
                    var += (texture[p] - mean) ** 2
                out[r, c] = var / n
            elif method == UNIFORM:
                changes = 0
                ones = 0
                for p in range(n):
                    ones += signed[p]
                    if p < n - 1 and signed[p] != signed[p + 1]:
                        changes += 1
                out[r, c] = ones if changes <= 2 else n + 1
            else:
                code = 0
                for p in range(n):
                    code += signed[p] << p
                if method == ROR:
                    best = code
                    for shift in range(1, n):
                        rot = ((code >> shift) | (code << (n - shift))) & ((1 << n) - 1)
                        if rot < best:
                            best = rot
                    code = best
                out[r, c] = code
