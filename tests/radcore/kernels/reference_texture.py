"""Slow NumPy references for the texture matrices (co-occurrence and run-length counts by grey level), and the
seeded random level arrays the texture and neighbourhood kernel tests share."""

import itertools

import numpy as np


def reference_cooccurrence(levels, offsets, n_levels, symmetric=True, by_slice=False):
    """Slow NumPy reference: shifted views of the array, pairs counted with np.add.at."""
    nz = levels.shape[0]
    out = np.zeros((nz if by_slice else 1, len(offsets), n_levels, n_levels))
    for k, d in enumerate(offsets):
        src, dst = [], []
        for n, step in zip(levels.shape, d):
            src.append(slice(max(0, -step), min(n, n - step)))
            dst.append(slice(max(0, step), min(n, n + step)))
        a, b = levels[tuple(src)], levels[tuple(dst)]
        z = np.broadcast_to(np.arange(nz)[src[0]][:, None, None], a.shape)
        keep = (a > 0) & (b > 0)
        group = z[keep] if by_slice else np.zeros(keep.sum(), int)
        np.add.at(out, (group, k, a[keep] - 1, b[keep] - 1), 1.0)
        if symmetric:
            np.add.at(out, (group, k, b[keep] - 1, a[keep] - 1), 1.0)
    return out if by_slice else out[0]


def reference_run_lengths(levels, offsets, n_levels, max_run, by_slice=False):
    """Slow reference: walk every line of each direction and group equal neighbours."""
    shape = np.array(levels.shape)
    nz = levels.shape[0]
    out = np.zeros((nz if by_slice else 1, len(offsets), n_levels, max_run))
    for k, d in enumerate(np.asarray(offsets)):
        for start in itertools.product(*(range(n) for n in levels.shape)):
            prev = np.array(start) - d
            if np.all((prev >= 0) & (prev < shape)):
                continue  # not the first voxel of a line
            line, pos = [], np.array(start)
            while np.all((pos >= 0) & (pos < shape)):
                line.append((levels[tuple(pos)], pos[0]))
                pos = pos + d
            index = 0
            for g, group in itertools.groupby(line, key=lambda t: t[0]):
                n = len(list(group))
                if g > 0:
                    z = line[index][1] if by_slice else 0
                    out[z, k, g - 1, min(n, max_run) - 1] += 1
                index += n
    return out if by_slice else out[0]


def seeded_levels(shape, seed, n_levels=5, nonempty=True):
    """Levels 1..n_levels from ``default_rng(seed)``, about 30% set to 0 (outside the ROI); with ``nonempty``
    an all-zero draw gets level 2 at its first voxel."""
    rng = np.random.default_rng(seed)
    levels = rng.integers(1, n_levels + 1, size=shape).astype(np.int32)
    levels[rng.random(shape) < 0.3] = 0
    if nonempty and not levels.any():
        levels.flat[0] = 2
    return levels
