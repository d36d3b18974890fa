"""Convolution with IBSI-2 boundary conditions and the orientations of rotation-invariant filters.

Arrays are (z, y, x); the IBSI's axes x, y, z are array axes 2, 1, 0. Filtering is true convolution:
for a 1D kernel ``f`` of odd length ``K = 2c + 1`` (centre tap ``c``) and dilation ``d``

    y[i] = sum_k f[k] * x[i + d (c - k)]

where ``x`` beyond the array is given by the boundary condition (IBSI-2 names, for a row ``a b c d``):

============  ======================  =================  ==============
IBSI          padding                 numpy.pad          scipy.ndimage
============  ======================  =================  ==============
``zero``      ``0 0 | a b c d | 0 0`` ``constant``       ``constant``
``nearest``   ``a a | a b c d | d d`` ``edge``           ``nearest``
``periodic``  ``c d | a b c d | a b`` ``wrap``           ``wrap``
``mirror``    ``b a | a b c d | d c`` ``symmetric``      ``reflect``
============  ======================  =================  ==============

(IBSI *mirror* repeats the edge voxel: scipy's ``reflect``, not its ``mirror``.) A separable filter is a
1D kernel per axis, applied one axis after the other by the numba kernel
:func:`radcore.kernels.convolve.correlate_planes`, which reads the boundary from an index table.

A rotation-invariant filter is applied in every orientation of :func:`orientations` and the responses
are pooled voxel by voxel; an orientation permutes the axes and reverses some of them, and reversing an
axis reverses the 1D kernel applied along it. Orientations giving the same response, or its negation,
are computed once (:func:`orientation_classes`, :func:`pool_classes`).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import permutations, product
from typing import Iterator, Sequence

import numpy as np

from radcore.errors import SettingsError
from radcore.filter_options import BOUNDARIES
from radcore.kernels.convolve import box_lines, box_planes, correlate_lines, correlate_planes


def check_boundary(boundary: str) -> str:
    """``boundary`` if it is an IBSI boundary condition, else a :class:`SettingsError` naming the choices."""
    if boundary not in BOUNDARIES:
        raise SettingsError(f"boundary must be one of {list(BOUNDARIES)}, got {boundary!r}")
    return boundary


def pad(x: np.ndarray, widths: Sequence[tuple[int, int]], boundary: str) -> np.ndarray:
    """``x`` extended by ``widths`` (before, after) per axis with the IBSI ``boundary`` condition.

    numpy's ``wrap`` and ``symmetric`` modes repeat the array as often as a width longer than the axis
    needs, so any width works.
    """
    return np.pad(x, widths, mode=BOUNDARIES[check_boundary(boundary)])


def source_index(n: int, before: int, after: int, boundary: str) -> np.ndarray:
    """For each position of a line of ``n`` voxels extended by ``before`` and ``after``, the voxel it
    repeats under ``boundary`` (-1: a zero), int64: :func:`pad` applied to the indices themselves."""
    index = np.arange(n, dtype=np.int64)
    if boundary == "zero":
        return np.pad(index, (before, after), mode="constant", constant_values=-1)
    return pad(index, [(before, after)], boundary)


def convolve_axis(x: np.ndarray, kernel: np.ndarray, axis: int, boundary: str, dilation: int = 1) -> np.ndarray:
    """True convolution of ``x`` with the odd-length 1D ``kernel`` along ``axis`` (float64, shape of ``x``).

    ``y[i] = sum_k kernel[k] x[i + dilation (c - k)]``, ``c = (len(kernel) - 1) / 2``, with ``x`` beyond
    the array given by ``boundary``; computed by :func:`radcore.kernels.convolve.correlate_planes` with the
    reversed kernel and the boundary as an index table (:func:`source_index`).
    """
    kernel = np.asarray(kernel, dtype=np.float64)
    if kernel.ndim != 1 or kernel.size % 2 == 0:
        raise ValueError(f"kernel must be 1D of odd length, got shape {kernel.shape}")
    half = dilation * (kernel.size // 2)
    x = np.ascontiguousarray(x, dtype=np.float64)
    n = x.shape[axis]
    source = source_index(n, half, half, check_boundary(boundary))
    outer = int(np.prod(x.shape[:axis], dtype=np.int64))
    inner = int(np.prod(x.shape[axis + 1:], dtype=np.int64))
    taps = np.ascontiguousarray(kernel[::-1])
    out = np.empty(x.shape, dtype=np.float64)
    if inner == 1:
        correlate_lines(x.reshape(outer, n), taps, dilation, source, out.reshape(outer, n))
    else:
        correlate_planes(x.reshape(outer, n, inner), taps, dilation, source, out.reshape(outer, n, inner))
    return out


def mean_axis(x: np.ndarray, size: int, axis: int, boundary: str) -> np.ndarray:
    """:func:`convolve_axis` with ``size`` (odd) equal taps ``1 / size``, by a running sum
    (:func:`radcore.kernels.convolve.box_planes`): the cost does not grow with ``size``."""
    if size < 1 or size % 2 == 0:
        raise ValueError(f"size must be a positive odd number, got {size}")
    x = np.ascontiguousarray(x, dtype=np.float64)
    n = x.shape[axis]
    source = source_index(n, size // 2, size // 2, check_boundary(boundary))
    outer = int(np.prod(x.shape[:axis], dtype=np.int64))
    inner = int(np.prod(x.shape[axis + 1:], dtype=np.int64))
    out = np.empty(x.shape, dtype=np.float64)
    if inner == 1:
        box_lines(x.reshape(outer, n), size, source, out.reshape(outer, n))
    else:
        box_planes(x.reshape(outer, n, inner), size, source, out.reshape(outer, n, inner))
    return out


def convolve_separable(
    x: np.ndarray, kernels: dict[int, np.ndarray], boundary: str, dilation: int = 1
) -> np.ndarray:
    """``x`` convolved with ``kernels[axis]`` along each axis in ``kernels`` (float64)."""
    out = np.asarray(x, dtype=np.float64)
    for axis, kernel in kernels.items():
        out = convolve_axis(out, kernel, axis, boundary, dilation)
    return out


def separable_responses(
    x: np.ndarray, cascades: Sequence[Sequence[tuple[int, np.ndarray, int]]], boundary: str
) -> Iterator[np.ndarray]:
    """``x`` through each cascade of 1D convolutions ``(axis, kernel, dilation)`` in turn (:func:`convolve_axis`
    one after the other), lazily. Consecutive cascades that begin with the same passes share them: the
    result after each pass is kept until a cascade differs there, so cascades sorted by their passes share
    the most."""
    keys = [[(axis, np.asarray(k, dtype=np.float64).tobytes(), d) for axis, k, d in c] for c in cascades]
    done: list[tuple[tuple[int, bytes, int], np.ndarray]] = []  # each pass and the result after it
    for i, cascade in enumerate(cascades):
        out = np.asarray(x, dtype=np.float64)
        for depth, (axis, kernel, dilation) in enumerate(cascade):
            if depth < len(done) and done[depth][0] == keys[i][depth]:
                out = done[depth][1]
                continue
            del done[depth:]
            out = convolve_axis(out, kernel, axis, boundary, dilation)
            done.append((keys[i][depth], out))
        following = keys[i + 1] if i + 1 < len(keys) else []
        shared = next((d for d, (a, b) in enumerate(zip(keys[i], following)) if a != b), min(len(keys[i]), len(following)))
        del done[shared:]  # keep only what the next cascade begins with
        yield out


def orientations(dimensions: str) -> list[tuple[tuple[int, ...], tuple[bool, ...]]]:
    """The right-handed orientations of the IBSI's axes as ``(permutation, reversed)`` pairs over the
    kernel axes (x, y, z) or (x, y): 24 in 3D (every axis permutation with reversals of determinant +1),
    4 in 2D (in-plane rotations by 0, 90, 180 and 270 degrees). The identity comes first.

    Orientation ``(p, r)`` sends the kernel's axis ``a`` to image axis ``p[a]``, reversed when ``r[a]``.
    """
    n = 3 if dimensions == "3D" else 2
    out = []
    for perm in permutations(range(n)):
        sign = np.linalg.det(np.eye(n)[list(perm)])
        for flips in product((False, True), repeat=n):
            if sign * (-1) ** sum(flips) > 0:
                out.append((perm, flips))
    return out


def oriented_kernels(
    kernels: Sequence[np.ndarray], orientation: tuple[tuple[int, ...], tuple[bool, ...]]
) -> dict[int, np.ndarray]:
    """1D kernels along the IBSI axes (x, y[, z]) turned by ``orientation``, keyed by array axis."""
    perm, flips = orientation
    out = {2 - perm[a]: (kernel[::-1] if flips[a] else kernel) for a, kernel in enumerate(kernels)}
    return dict(sorted(out.items()))


def pool(maps, pooling: str) -> np.ndarray:
    """Voxel-wise ``max``, ``min`` or ``mean`` of an iterable of equally shaped maps."""
    if pooling not in ("max", "min", "mean"):
        raise SettingsError(f"pooling must be 'max', 'min' or 'mean', got {pooling!r}")
    out, count = None, 0
    for m in maps:
        count += 1
        if out is None:
            out = np.array(m, dtype=np.float64)
        elif pooling == "max":
            np.maximum(out, m, out=out)
        elif pooling == "min":
            np.minimum(out, m, out=out)
        else:
            out += m
    return out / count if pooling == "mean" else out


@dataclass(frozen=True)
class OrientationClass:
    """Orientations whose kernels are equal up to sign: ``kernels`` (one ``{array axis: 1D kernel}`` per
    kernel set) gives the response ``R``; ``plus`` orientations give ``R`` and ``minus`` give ``-R``."""

    kernels: tuple[dict[int, np.ndarray], ...]
    plus: int
    minus: int


def _canonical(kernel: np.ndarray) -> tuple[np.ndarray, int]:
    """``(k, sign)`` with ``kernel = sign * k``: an antisymmetric kernel and its reversal (its negation)
    share one ``k``, whose first non-zero tap is negative."""
    if np.array_equal(kernel[::-1], -kernel):
        first = kernel[np.flatnonzero(kernel)[0]] if kernel.any() else -1.0
        return (kernel + 0.0, 1) if first < 0 else (-kernel + 0.0, -1)  # + 0.0: no -0.0 taps in keys
    return kernel + 0.0, 1


def orientation_classes(
    kernel_sets: Sequence[Sequence[np.ndarray]], dimensions: str, rotation_invariance: bool = True
) -> list[OrientationClass]:
    """The orientations of :func:`orientations` (only the identity without ``rotation_invariance``),
    applied to every kernel set alike (e.g. a wavelet's pre-filters and its sub-band filter), grouped by
    the kernels they put on each axis, sorted by those kernels (so that :func:`separable_responses` shares
    the most passes between them).

    Orientations that only permute equal kernels, reverse symmetric ones or reverse antisymmetric ones
    (which negates them) give the same response or its negation, computed once: Laws ``L5E5E5`` has 3
    classes of its 24 orientations, ``E3W5R5`` 6, a wavelet's ``HHH`` 8. Pooling them with
    :func:`pool_classes` gives exactly the pooled maps of all orientations (max and min: the same values;
    mean: the same up to the order of the sum).
    """
    turns = orientations(dimensions) if rotation_invariance else orientations(dimensions)[:1]
    classes: dict[bytes, list] = {}
    for turn in turns:
        sets, sign, key = [], 1, b""
        for kernels in kernel_sets:
            oriented = {}
            for axis, kernel in oriented_kernels(kernels, turn).items():
                canonical, s = _canonical(np.asarray(kernel, dtype=np.float64))
                oriented[axis] = canonical
                sign *= s
                key += bytes([axis]) + canonical.tobytes() + b"|"
            sets.append(oriented)
            key += b"#"
        entry = classes.setdefault(key, [tuple(sets), 0, 0])
        entry[1 if sign > 0 else 2] += 1
    out = [OrientationClass(k, plus, minus) for k, plus, minus in classes.values()]
    return sorted(out, key=_kernels_key)  # classes sharing their first kernels one after the other


def _kernels_key(c: OrientationClass) -> bytes:
    return b"#".join(b"".join(bytes([axis]) + k.tobytes() for axis, k in sorted(s.items())) for s in c.kernels)


def pool_classes(classes: Sequence[OrientationClass], maps, pooling: str) -> np.ndarray:
    """Voxel-wise ``max``, ``min`` or ``mean`` over every orientation, from one map ``R`` per class
    (``maps`` in the order of ``classes``): a class contributes ``R`` and/or ``-R``."""
    if pooling not in ("max", "min", "mean"):
        raise SettingsError(f"pooling must be 'max', 'min' or 'mean', got {pooling!r}")
    total = sum(c.plus + c.minus for c in classes)
    if pooling == "mean":
        out = None
        for c, r in zip(classes, maps):
            weight = c.plus - c.minus
            if out is None:
                out = weight * np.asarray(r, dtype=np.float64)
            elif weight == 1:
                out += r
            elif weight == -1:
                out -= r
            elif weight:
                out += weight * np.asarray(r)
        return out / total

    def signed():
        for c, r in zip(classes, maps):
            if c.plus and c.minus:
                yield np.abs(r) if pooling == "max" else -np.abs(r)
            else:
                yield r if c.plus else -np.asarray(r)

    return pool(signed(), pooling)
