"""The ROI's texture layout and the matrices both conventions build on it (IBSI and PyRadiomics).

:class:`Texture` is the discretised ROI laid out for the kernels of :mod:`radcore.kernels.matrices`
(padded, raveled, grey levels renumbered over the levels present). On it:

``cooccurrence_counts(tex, offsets, n_levels, by_slice=False, symmetric=True) -> (groups, k, Ng, Ng)``
    ``M[g, k, i - 1, j - 1]`` counts the ROI voxel pairs (v, v + offsets[k]) of grey levels i and j (plus
    the transposed pairs when ``symmetric``); one group, or one per z slice (offsets in-plane).
``run_length_counts(tex, offsets, n_levels, max_run, by_slice=False) -> (groups, k, Ng, max_run)``
    ``M[g, k, i - 1, j - 1]`` counts the maximal runs of grey level i and length j along ``offsets[k]``
    (each the lexicographically positive one of its pair; longer runs in the last column); a run
    belongs to the slice it lies in. :func:`longest_possible_run` gives the ``max_run`` no run exceeds.

``neighbourhood_counts(tex, offsets, n_levels, alpha) -> (dependence, s, n)``, per z slice of the centre
    voxel: ``dependence (nz, Ng, k + 1)`` counts the voxels of level i with d ROI neighbours (voxel +
    ``offsets``) whose level differs from i by at most ``alpha`` (the NGLDM, j = d + 1); ``s (nz, Ng)``
    sums |i - mean neighbour level| and ``n (nz, Ng)`` counts the voxels with at least one ROI neighbour
    (the NGTDM).

Matrices are indexed by grey level 1..``n_levels`` (rows of absent levels are zero), as the IBSI
defines them; PyRadiomics' classes use the rank matrices of :mod:`radcore.kernels.matrices` directly.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from radcore.kernels.matrices import _cooccurrence, _neighbourhood, _run_lengths, layout, sum_buffer
from radcore.kernels.zones import flat_offsets


@dataclass(frozen=True)
class Texture:
    """The discretised ROI laid out for :mod:`radcore.kernels.matrices`.

    present  float64 (n,) the grey levels present in the ROI, ascending (PyRadiomics' ``grayLevels``)
    counts   float64 (n,) voxels per present level
    values   int32 raveled levels padded by ``pad`` zeros per side (0 outside the ROI)
    ranks    int32 like ``values``: the level's index in ``present`` plus 1 (0 outside)
    roi      int64 flat indices of the ROI voxels in the padded array, ascending
    shape    the unpadded (z, y, x) shape; ``padded_shape`` the padded one
    memo     results shared between classes of one image type (e.g. the GLDM / NGTDM neighbourhoods)
    """

    present: np.ndarray
    counts: np.ndarray
    values: np.ndarray
    ranks: np.ndarray
    roi: np.ndarray
    shape: tuple[int, int, int]
    padded_shape: tuple[int, int, int]
    pad: int
    memo: dict = field(default_factory=dict, compare=False, repr=False)

    def steps(self, offsets: np.ndarray) -> np.ndarray:
        """int64 flat steps of (k, 3) offsets (each component at most ``pad``) in the padded layout."""
        offsets = np.asarray(offsets, dtype=np.int64).reshape(-1, 3)
        if offsets.size and np.abs(offsets).max() > self.pad:
            raise ValueError(f"offsets reach {np.abs(offsets).max()} voxels, the layout is padded by {self.pad}")
        return flat_offsets(offsets, self.padded_shape)


def build_texture(levels: np.ndarray, mask: np.ndarray, pad: int) -> Texture:
    """The :class:`Texture` of int32 ``levels`` (>= 1 inside ``mask``) padded by ``pad`` (>= 1)."""
    values, ranks, roi, hist = layout(levels, mask, pad)
    present = np.flatnonzero(hist)
    present = present[present > 0]
    return Texture(
        present=present.astype(np.float64),
        counts=hist[present].astype(np.float64),
        values=values,
        ranks=ranks,
        roi=roi,
        shape=tuple(levels.shape),
        padded_shape=tuple(n + 2 * pad for n in levels.shape),
        pad=pad,
    )


def shared_texture(cache: dict[int, Texture], levels: np.ndarray, mask: np.ndarray, pad: int) -> Texture:
    """The layout of ``levels`` inside ``mask`` with at least ``pad`` (>= 1) voxels of padding, from
    ``cache`` (padding -> layout) when one is there, else built once and kept in it."""
    pad = max(int(pad), 1)
    for have, tex in cache.items():
        if have >= pad:
            return tex
    tex = build_texture(np.ascontiguousarray(levels, dtype=np.int32), np.asarray(mask, bool), pad)
    cache[pad] = tex
    return tex


def longest_possible_run(shape: tuple[int, ...], offsets: np.ndarray) -> int:
    """The longest run any direction of ``offsets`` fits into an array of ``shape`` (at least 1)."""
    longest = 1
    for d in np.asarray(offsets).reshape(-1, 3):
        fits = [-(-n // abs(int(c))) for n, c in zip(shape, d) if c != 0]
        if fits:
            longest = max(longest, min(fits))
    return longest


def _groups(tex: Texture, by_slice: bool) -> list[tuple[int, np.ndarray]]:
    """(group index, ROI flat indices) per z slice holding ROI voxels, or one group of them all."""
    if not by_slice:
        return [(0, tex.roi)]
    plane = tex.padded_shape[1] * tex.padded_shape[2]
    z = tex.roi // plane - tex.pad
    bounds = np.searchsorted(z, np.arange(tex.shape[0] + 1))
    return [(s, tex.roi[bounds[s]:bounds[s + 1]]) for s in range(tex.shape[0]) if bounds[s + 1] > bounds[s]]


def _in_plane(offsets: np.ndarray, by_slice: bool) -> None:
    if by_slice and offsets.shape[0] and np.any(offsets[:, 0] != 0):
        raise ValueError(f"per-slice matrices need in-plane offsets (dz == 0), got {offsets.tolist()}")


def _by_level(ranked: np.ndarray, present: np.ndarray, n_levels: int, square: bool) -> np.ndarray:
    """Rank-indexed matrices (..., n, n or m) placed at the rows (and columns) of the levels present."""
    index = present.astype(np.int64) - 1
    if index.size and index[-1] >= n_levels:
        raise ValueError(f"the ROI holds grey level {index[-1] + 1} above n_levels = {n_levels}")
    shape = ranked.shape[:-2] + (n_levels, n_levels if square else ranked.shape[-1])
    out = np.zeros(shape, np.float64)
    if square:
        out[..., index[:, None], index[None, :]] = ranked
    else:
        out[..., index, :] = ranked
    return out


def cooccurrence_counts(
    tex: Texture, offsets: np.ndarray, n_levels: int, by_slice: bool = False, symmetric: bool = True
) -> np.ndarray:
    """Co-occurrence counts (groups, k, Ng, Ng) float64; see the module docstring."""
    offsets = np.ascontiguousarray(offsets, dtype=np.int64).reshape(-1, 3)
    _in_plane(offsets, by_slice)
    steps = tex.steps(offsets)
    n = len(tex.present)
    ranked = np.zeros((tex.shape[0] if by_slice else 1, len(steps), n, n), np.float64)
    for g, roi in _groups(tex, by_slice):
        _cooccurrence(tex.ranks, roi, steps, ranked[g])
    if symmetric:
        ranked += ranked.transpose(0, 1, 3, 2)
    return _by_level(ranked, tex.present, n_levels, square=True)


def run_length_counts(
    tex: Texture, offsets: np.ndarray, n_levels: int, max_run: int, by_slice: bool = False
) -> np.ndarray:
    """Run-length counts (groups, k, Ng, max_run) float64; see the module docstring."""
    offsets = np.ascontiguousarray(offsets, dtype=np.int64).reshape(-1, 3)
    _in_plane(offsets, by_slice)
    if max_run < 1:
        raise ValueError(f"max_run must be >= 1, got {max_run}")
    steps = tex.steps(offsets)
    if np.any(steps <= 0):
        raise ValueError("run directions must be the lexicographically positive one of each opposite pair")
    n = len(tex.present)
    ranked = np.zeros((tex.shape[0] if by_slice else 1, len(steps), n, int(max_run)), np.float64)
    length = np.zeros(tex.ranks.shape[0], np.int32)
    for g, roi in _groups(tex, by_slice):
        _run_lengths(tex.ranks, roi, steps, length, ranked[g])
    return _by_level(ranked, tex.present, n_levels, square=False)


def neighbourhood_counts(
    tex: Texture, offsets: np.ndarray, n_levels: int, alpha: float = 0.0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Neighbourhood dependence counts and grey-tone sums per slice; see the module docstring."""
    offsets = np.ascontiguousarray(offsets, dtype=np.int64).reshape(-1, 3)
    steps = tex.steps(offsets)
    n, nz = len(tex.present), tex.shape[0]
    dependence = np.zeros((nz, n, len(steps) + 1), np.float64)
    sums = np.zeros((nz, n), np.float64)
    valid = np.zeros((nz, n), np.float64)
    count = np.zeros(n, np.float64)  # every voxel; the dependence rows hold the same
    total = sum_buffer(tex.values, tex.roi, steps)
    for g, roi in _groups(tex, True):
        _neighbourhood(tex.values, tex.ranks, roi, steps, float(alpha), dependence[g], count, sums[g], total, valid[g])
    return (
        _by_level(dependence, tex.present, n_levels, square=False),
        _by_level(sums[..., None], tex.present, n_levels, square=False)[..., 0],
        _by_level(valid[..., None], tex.present, n_levels, square=False)[..., 0],
    )
