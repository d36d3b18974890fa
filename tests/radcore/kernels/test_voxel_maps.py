"""The voxel-map loop against a plain NumPy computation of each kernel: its voxels, their statistics and
its co-occurrence matrices (PyRadiomics' own maps are the reference in tests/radcore/pyradiomics/test_maps.py)."""

import numpy as np
import pytest

from radcore.features import glcm
from radcore.kernels.voxel_maps import FIRSTORDER_COLUMNS, voxel_features
from radcore.pyradiomics.features import EPS, angles


def case(seed: int):
    rng = np.random.default_rng(seed)
    levels = rng.integers(1, 6, (5, 6, 7)).astype(np.int32)
    region = rng.random(levels.shape) < 0.7
    levels[~region] = 0
    image = levels * 10.0 + rng.random(levels.shape)
    return levels, image, region


def kernel_glcm(levels, region, c, radius, offsets, n_levels):
    """Symmetric normalised GLCMs of the kernel around ``c`` over levels 1..n_levels (NumPy loops)."""
    lo = [max(v - radius, 0) for v in c]
    hi = [min(v + radius + 1, n) for v, n in zip(c, levels.shape)]
    inside = np.zeros(levels.shape, bool)
    inside[lo[0]:hi[0], lo[1]:hi[1], lo[2]:hi[2]] = True
    inside &= region
    out = []
    for off in offsets:
        m = np.zeros((n_levels, n_levels))
        for v in np.argwhere(inside):
            w = v + off
            if np.all(w >= 0) and np.all(w < levels.shape) and inside[tuple(w)]:
                m[levels[tuple(v)] - 1, levels[tuple(w)] - 1] += 1
        m = m + m.T
        out.append(m / m.sum() if m.sum() else None)
    return inside, out


@pytest.mark.parametrize("parallel", [False, True])
def test_each_kernel_as_numpy_counts_it(parallel):
    levels, image, region = case(3)
    centres = np.argwhere(region)
    offsets = angles((1,), levels.shape)
    out = voxel_features(levels, image, region, centres, (1, 1, 1), 5, ("firstorder", "glcm"), offsets,
                         angles((1,), levels.shape), angles((1,), levels.shape, bidirectional=True),
                         angles((1,), (3, 3, 3)), True, EPS, 0.0, 0.0, parallel)
    column = dict(zip(FIRSTORDER_COLUMNS, range(len(FIRSTORDER_COLUMNS))))
    present = np.arange(1, 6, dtype=np.float64)
    for t in range(0, len(centres), 7):
        inside, matrices = kernel_glcm(levels, region, centres[t], 1, offsets, 5)
        values = np.sort(image[inside])
        row = out["firstorder"][t]
        assert row[column["n_voxels"]] == values.size
        assert row[column["mean"]] == pytest.approx(values.mean())
        assert row[column["minimum"]] == values[0] and row[column["maximum"]] == values[-1]
        p = np.bincount(levels[inside], minlength=6)[1:] / values.size
        assert row[column["entropy"]] == pytest.approx(-np.sum(p[p > 0] * np.log2(p[p > 0] + EPS)))
        full = [m for m in matrices if m is not None]
        expected = np.nanmean(glcm.evaluate(np.array(full), present, EPS, ibsi=False), axis=0)
        np.testing.assert_allclose(out["glcm"][t], expected, rtol=1e-9, atol=1e-12)
        empty = sum(1 << a for a, m in enumerate(matrices) if m is None)
        assert out["glcm_empty"][t] == empty


def test_serial_and_parallel_loops_are_cached_apart():
    """numba's cache keys a function by name, line and signature, not by ``parallel``: the two loops must be
    two functions, or the one compiled first serves both."""
    from radcore.kernels import ibsi_voxel_maps, voxel_maps

    for serial, parallel in ((voxel_maps._serial, voxel_maps._parallel),
                             (voxel_maps._stack_serial, voxel_maps._stack_parallel),
                             (ibsi_voxel_maps._serial, ibsi_voxel_maps._parallel)):
        assert serial.targetoptions.get("parallel") is None and parallel.targetoptions["parallel"] is True
        assert serial.py_func.__qualname__ != parallel.py_func.__qualname__
