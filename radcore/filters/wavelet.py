"""Undecimated (stationary) wavelet decompositions, as PyRadiomics' ``Wavelet`` image type makes them.

One level applies, along each transformed axis in turn, the wavelet's low-pass filter ``lo`` (L) or
high-pass filter ``hi`` (H) without down-sampling, with periodic extension:

    y[i] = sum_k f[k] * x[(i + L/2 - k) mod N]        (L = filter length, f = lo or hi)

giving ``2**d`` decompositions of ``d`` axes (``LLH`` = low along x, low along y, high along z; the
characters follow the axes x, y, z, i.e. array axes 2, 1, 0). PyRadiomics repeats this *same* one-level
transform on the previous level's all-low approximation: levels ``start_level .. start_level + level - 1``
are returned, each with its ``2**d - 1`` detail images, then the last approximation. An axis of odd length
is first extended by one sample, wrapping round (its first sample appended), and cut back afterwards.

Only orthogonal wavelets are implemented (``haar``, ``db1``-``db10``, ``sym2``-``sym10``,
``coif1``-``coif5``); the high-pass filter is the quadrature mirror of the low-pass one.

The IBSI-2 separable wavelets (:mod:`radcore.filters.separable_wavelet`) take the same filter bank and,
with a periodic boundary at level 1, give the same maps (``tests/radcore/filters/test_separable_wavelet.py``
checks it); they add the boundary, the à trous dilation and the orientations as parameters of the
separable convolution all IBSI-2 filters share. This module keeps its own kernel
(:mod:`radcore.kernels.pyrad_swt`) because it must repeat PyWavelets' float32 order of summation bit for bit.
"""

from __future__ import annotations

import math
from itertools import product

import numpy as np

from radcore.errors import SettingsError
from radcore.filters.wavelet_filters import DEC_LO
from radcore.kernels.pyrad_swt import swt_lines, swt_planes


def filter_bank(wavelet: str) -> tuple[np.ndarray, np.ndarray]:
    """``(lo, hi)`` decomposition filters of ``wavelet`` as float64 arrays."""
    if wavelet not in DEC_LO:
        raise SettingsError(f"wavelet {wavelet!r} is not implemented; choose one of {list(DEC_LO)}")
    lo = np.array(DEC_LO[wavelet], dtype=np.float64)
    taps = lo.size
    hi = np.array([(-1) ** (k + 1) * lo[taps - 1 - k] for k in range(taps)], dtype=np.float64)
    return lo, hi


def filter_bank_f32(wavelet: str) -> tuple[np.ndarray, np.ndarray]:
    """``(lo, hi)`` as PyWavelets holds them for float32 data: the float64 filters rounded to float32,
    except Coiflets, which it keeps divided by sqrt(2) and scales in float32: f32(f32(c / sqrt 2) * f32(sqrt 2))."""
    lo, hi = filter_bank(wavelet)
    if wavelet.startswith("coif"):
        root2 = np.float32(math.sqrt(2.0))
        return (
            (lo / math.sqrt(2.0)).astype(np.float32) * root2,
            (hi / math.sqrt(2.0)).astype(np.float32) * root2,
        )
    return lo.astype(np.float32), hi.astype(np.float32)


def margin(wavelet: str, start_level: int, level: int) -> int:
    """Voxels needed on each side of a region for its responses to equal the whole image's (no wrap)."""
    return (start_level + level) * (len(DEC_LO[wavelet]) // 2) if wavelet in DEC_LO else 0


def _along(x: np.ndarray, axis: int, lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(low, high) one-level transforms of ``x`` along ``axis``, in the type of ``x`` (float32 in
    PyWavelets' float32 order of the taps, float64 in ascending order), C-contiguous, no transposes."""
    x = np.ascontiguousarray(x)
    n = x.shape[axis]
    inner = int(np.prod(x.shape[axis + 1:], dtype=np.int64))
    out_lo = np.empty_like(x)
    out_hi = np.empty_like(x)
    pywt_order = x.dtype == np.float32
    if inner == 1:
        rows = (-1, n)
        swt_lines(x.reshape(rows), lo, hi, pywt_order, out_lo.reshape(rows), out_hi.reshape(rows))
    else:
        planes = (-1, n, inner)
        swt_planes(x.reshape(planes), lo, hi, pywt_order, out_lo.reshape(planes), out_hi.reshape(planes))
    return out_lo, out_hi


def swt_one_level(x: np.ndarray, wavelet: str, axes: tuple[int, ...], float32: bool = False) -> dict[str, np.ndarray]:
    """All ``2**len(axes)`` one-level decompositions of ``x`` (every axis in ``axes`` of even length),
    keyed by names such as ``LLH`` whose characters follow ``axes`` in order, in float64; with
    ``float32`` a float32 ``x`` is transformed in float32 as PyWavelets does it (its filters and summation
    order, :func:`filter_bank_f32`, :func:`radcore.kernels.pyrad_swt.swt_lines`)."""
    if float32 and np.asarray(x).dtype == np.float32:
        lo, hi = filter_bank_f32(wavelet)
        out = {"": np.asarray(x)}
    else:
        lo, hi = filter_bank(wavelet)
        out = {"": np.asarray(x, dtype=np.float64)}
    for axis in axes:
        nxt = {}
        for name, arr in out.items():
            low, high = _along(arr, axis, lo, hi)
            nxt[name + "L"] = low
            nxt[name + "H"] = high
        out = nxt
    return out


def decomposition_names(n_axes: int, level: int) -> list[tuple[int, str]]:
    """``(level index from 1, name)`` of :func:`decompositions` in its order, for ``n_axes`` axes."""
    all_low = "L" * n_axes
    names = [(index, "".join(combo)) for index in range(1, level + 1) for combo in product("LH", repeat=n_axes)
             if "".join(combo) != all_low]
    return names + [(level, all_low)]


def decompositions(
    image: np.ndarray,
    wavelet: str = "coif1",
    start_level: int = 0,
    level: int = 1,
    axes: tuple[int, ...] = (2, 1, 0),
    float32: bool = False,
) -> list[tuple[int, str, np.ndarray]]:
    """PyRadiomics' wavelet images of ``image``: ``(level index from 1, name, array)`` in its order.

    For every returned level the detail images come in the order ``LLH, LHL, LHH, HLL, ...`` (all
    combinations but the all-low one); the approximation of the last level comes last. Arrays have the
    shape of ``image`` and are float64; with ``float32`` a float32 image gives float32 arrays computed in
    PyWavelets' float32 arithmetic (as PyRadiomics gets them).
    """
    keep32 = float32 and np.asarray(image).dtype == np.float32
    data = np.asarray(image, dtype=np.float32 if keep32 else np.float64)
    pads = [(0, 1 if n % 2 else 0) for n in data.shape]
    data = np.pad(data, pads, mode="wrap")
    cut = tuple(slice(0, n) for n in image.shape)
    all_low = "L" * len(axes)
    for _ in range(start_level):
        data = swt_one_level(data, wavelet, axes, keep32)[all_low]
    out: list[tuple[int, str, np.ndarray]] = []
    for index in range(1, level + 1):
        dec = swt_one_level(data, wavelet, axes, keep32)
        for combo in product("LH", repeat=len(axes)):
            name = "".join(combo)
            if name != all_low:
                out.append((index, name, np.ascontiguousarray(dec[name][cut])))
        data = dec[all_low]
    out.append((level, all_low, np.ascontiguousarray(data[cut])))
    return out
