"""Grey-level run-length counts (IBSI 3.7) for any list of directions.

API of the IBSI GLRLM family (the PyRadiomics classes count runs with
:func:`radcore.kernels.pyrad_texture.run_lengths` on their own layout):

``run_lengths_volume(levels, offsets, n_levels, max_run=None) -> (k, Ng, max_run) float64``
    One matrix per direction over the whole volume.
``run_lengths_slices(levels, offsets, n_levels, max_run=None) -> (n_slices, k, Ng, max_run) float64``
    One matrix per (z) slice and direction; every direction must be in-plane (``dz == 0``).
``longest_possible_run(shape, offsets) -> int``
    The default ``max_run``: the longest run any of the directions fits into an array of ``shape``.

``levels`` is an int32 (z, y, x) array of grey levels, 1..Ng inside the ROI and 0 (or below) outside.
``offsets`` is an int64 (k, 3) array of ``(dz, dy, dx)`` steps (see :mod:`radcore.kernels.directions`).
A run is a maximal chain ``v, v + d, v + 2d, ...`` of ROI voxels with one grey level; ``M[k, i - 1, j - 1]``
counts the runs of level i and length j along ``offsets[k]``. Each ROI voxel lies in exactly one run per
direction, so ``sum_ij j M[k, i, j]`` is the number of ROI voxels. Counts are not normalised.
Slices are along z; for another slicing axis pass ``levels`` transposed (and the offsets permuted).
"""

from __future__ import annotations

import numba
import numpy as np

from radcore.kernels.glcm import validate_inputs


@numba.njit(cache=True, nogil=True)
def _run_lengths(levels, offsets, by_slice, out):
    """Add the run counts of ``levels`` along each offset into ``out`` (n_groups, k, Ng, max_run).

    The group is the z index of the run's first voxel when ``by_slice``, else 0.
    """
    nz, ny, nx = levels.shape
    max_run = out.shape[3]
    for k in range(offsets.shape[0]):
        dz = offsets[k, 0]
        dy = offsets[k, 1]
        dx = offsets[k, 2]
        for z in range(nz):
            s = z if by_slice else 0
            for y in range(ny):
                for x in range(nx):
                    g = levels[z, y, x]
                    if g <= 0:
                        continue
                    # only start counting at the first voxel of a run
                    pz = z - dz
                    py = y - dy
                    px = x - dx
                    if 0 <= pz < nz and 0 <= py < ny and 0 <= px < nx and levels[pz, py, px] == g:
                        continue
                    n = 1
                    qz = z + dz
                    qy = y + dy
                    qx = x + dx
                    while 0 <= qz < nz and 0 <= qy < ny and 0 <= qx < nx and levels[qz, qy, qx] == g:
                        n += 1
                        qz += dz
                        qy += dy
                        qx += dx
                    if n > max_run:
                        n = max_run
                    out[s, k, g - 1, n - 1] += 1.0


def longest_possible_run(shape: tuple[int, ...], offsets: np.ndarray) -> int:
    """The longest run any direction of ``offsets`` fits into an array of ``shape`` (at least 1)."""
    longest = 1
    for d in np.asarray(offsets).reshape(-1, 3):
        fits = [-(-n // abs(int(c))) for n, c in zip(shape, d) if c != 0]
        if fits:
            longest = max(longest, min(fits))
    return longest


def _allocate_max_run(levels: np.ndarray, offsets: np.ndarray, max_run: int | None) -> int:
    if max_run is None:
        return longest_possible_run(levels.shape, offsets)
    if max_run < 1:
        raise ValueError(f"max_run must be >= 1, got {max_run}")
    return int(max_run)


def run_lengths_volume(
    levels: np.ndarray, offsets: np.ndarray, n_levels: int, max_run: int | None = None
) -> np.ndarray:
    """Run-length counts over the whole volume, one matrix per direction: (k, Ng, max_run) float64.

    Runs longer than ``max_run`` are counted in the last column.
    """
    lv, off = validate_inputs(levels, offsets, n_levels)
    if np.any(np.all(off == 0, axis=1)):
        raise ValueError("offsets must not contain the zero step (0, 0, 0)")
    out = np.zeros((1, off.shape[0], n_levels, _allocate_max_run(lv, off, max_run)), np.float64)
    _run_lengths(lv, off, False, out)
    return out[0]


def run_lengths_slices(
    levels: np.ndarray, offsets: np.ndarray, n_levels: int, max_run: int | None = None
) -> np.ndarray:
    """Run-length counts per z slice and in-plane direction: (n_slices, k, Ng, max_run) float64."""
    lv, off = validate_inputs(levels, offsets, n_levels)
    if off.shape[0] and np.any(off[:, 0] != 0):
        raise ValueError(f"per-slice matrices need in-plane offsets (dz == 0), got {off.tolist()}")
    if np.any(np.all(off == 0, axis=1)):
        raise ValueError("offsets must not contain the zero step (0, 0, 0)")
    n_runs = _allocate_max_run(lv, off, max_run)
    out = np.zeros((lv.shape[0], off.shape[0], n_levels, n_runs), np.float64)
    _run_lengths(lv, off, True, out)
    return out
