"""radcore.kernels.matrices against slow references and the former kernels they replaced (copied below)."""

import numba
import numpy as np
import pytest

from radcore.kernels import matrices as pt
from radcore.kernels.texture import build_texture
from radcore.pyradiomics.features import angles
from tests.radcore.kernels.reference_pyrad_neighbours import neighbourhood_counts
from tests.radcore.kernels.reference_texture import reference_cooccurrence, reference_run_lengths, seeded_levels

# --- co-occurrence, run lengths and neighbourhood against slow references ---------------------------


LAYOUT_SHAPES = [(1, 5, 6), (3, 4, 5), (1, 1, 1), (4, 1, 3), (5, 6, 4)]


def layout(levels, pad=1):
    return build_texture(levels, levels > 0, pad)


def dense(tex, matrix):
    """Rows of a matrix over present levels -> rows over levels 1..max (zeros for absent levels)."""
    out = np.zeros((int(tex.present[-1]),) + matrix.shape[1:])
    out[(tex.present - 1).astype(int)] = matrix
    return out


@pytest.mark.parametrize("shape", LAYOUT_SHAPES)
@pytest.mark.parametrize("distances", [(1,), (1, 2)])
def test_cooccurrence_matches_reference(shape, distances):
    levels = seeded_levels(shape, 2)
    offsets = angles(distances, levels.shape)
    tex = layout(levels, max(distances))
    got = pt.cooccurrence(tex.ranks, tex.roi, tex.steps(offsets), len(tex.present))
    want = reference_cooccurrence(levels, offsets, int(levels.max()), symmetric=False)
    keep = (tex.present - 1).astype(int)
    np.testing.assert_array_equal(got, want[:, keep][:, :, keep])


@pytest.mark.parametrize("shape", LAYOUT_SHAPES)
def test_run_lengths_match_reference(shape):
    levels = seeded_levels(shape, 3, n_levels=2)
    offsets = angles((1,), levels.shape)
    tex = layout(levels)
    got = pt.run_lengths(tex.ranks, tex.roi, tex.steps(offsets), len(tex.present), max(shape))
    want = reference_run_lengths(levels, offsets, int(levels.max()), max(shape))
    np.testing.assert_array_equal(got, want[:, (tex.present - 1).astype(int)])


@pytest.mark.parametrize("shape", LAYOUT_SHAPES)
@pytest.mark.parametrize("distances", [(1,), (2,), (1, 2)])
@pytest.mark.parametrize("alpha", [0.0, 1.0, 1.5])
def test_neighbourhood_matches_reference_kernel(shape, distances, alpha):
    levels = seeded_levels(shape, 5)
    offsets = angles(distances, levels.shape, bidirectional=True)
    tex = layout(levels, max(distances))
    dep, n, s = pt.neighbourhood(tex.values, tex.ranks, tex.roi, tex.steps(offsets), alpha, len(tex.present))
    want = neighbourhood_counts(levels, int(levels.max()), offsets, alpha)
    for got, ref in zip((dep, n, s), want):
        np.testing.assert_allclose(dense(tex, got), ref, rtol=1e-12, atol=0)


# --- the shared reference itself: reference_pyrad_neighbours.neighbourhood_counts against a plain loop ------


REFERENCE_SHAPES = [(1, 5, 6), (3, 4, 5), (1, 1, 1), (4, 1, 3)]


def plain_neighbourhood(levels, n_levels, offsets, alpha):
    dep = np.zeros((n_levels, len(offsets) + 1))
    n = np.zeros(n_levels)
    s = np.zeros(n_levels)
    for v in zip(*np.nonzero(levels > 0)):
        g = levels[v]
        neigh = []
        for o in offsets:
            w = tuple(np.array(v) + o)
            if all(0 <= w[k] < levels.shape[k] for k in range(3)) and levels[w] > 0:
                neigh.append(levels[w])
        dep[g - 1, sum(abs(g - h) <= alpha for h in neigh)] += 1
        n[g - 1] += 1
        if neigh:
            s[g - 1] += abs(g - np.mean(neigh))
    return dep, n, s


@pytest.mark.parametrize("shape", REFERENCE_SHAPES)
@pytest.mark.parametrize("distances", [(1,), (2,), (1, 2)])
def test_neighbourhood_counts_match_reference(shape, distances):
    levels = seeded_levels(shape, 1, n_levels=4, nonempty=False)
    offsets = angles(distances, (9, 9, 9), bidirectional=True)
    for alpha in (0, 1):
        got = neighbourhood_counts(levels, 4, offsets, alpha)
        want = plain_neighbourhood(levels, 4, offsets, alpha)
        for g, w in zip(got, want):
            np.testing.assert_allclose(g, w)


# --- neighbourhood and digitize against the former kernels they replaced (copied below): results must be
# bit-for-bit identical (np.array_equal), including the float sums -----------------------------------------


@numba.njit
def reference_neighbourhood_kernel(values, ranks, roi, steps, alpha, dependence, count, s):
    """The former per-voxel loop: gather the neighbours c + steps[k] of every ROI voxel c in roi order."""
    limit = np.int64(np.floor(alpha)) if alpha >= 0 else np.int64(-1)
    for t in range(roi.shape[0]):
        c = roi[t]
        g = np.int64(values[c])
        r = ranks[c] - 1
        n = np.int64(0)
        total = np.int64(0)
        dep = np.int64(0)
        for k in range(steps.shape[0]):
            h = np.int64(values[numba.uint64(c + steps[k])])
            inside = np.int64(h > 0)
            n += inside
            total += h
            dep += inside & np.int64(abs(g - h) <= limit)
        dependence[r, dep] += 1.0
        count[r] += 1.0
        if n > 0:
            s[r] += abs(g - total / n)


def reference_neighbourhood(values, ranks, roi, steps, alpha, n):
    dependence = np.zeros((n, len(steps) + 1), np.float64)
    count = np.zeros(n, np.float64)
    s = np.zeros(n, np.float64)
    reference_neighbourhood_kernel(values, ranks, roi, np.ascontiguousarray(steps, dtype=np.int64), float(alpha),
                                   dependence, count, s)
    return dependence, count, s


@numba.njit
def reference_digitize_kernel(values, mask, edges, levels):
    """The former bisection over all edges per voxel."""
    n = edges.shape[0]
    top = 0
    nz, ny, nx = values.shape
    for z in range(nz):
        for y in range(ny):
            for x in range(nx):
                if not mask[z, y, x]:
                    levels[z, y, x] = 0
                    continue
                v = np.float64(values[z, y, x])
                lo = 0
                hi = n
                if v != v:
                    lo = n
                while lo < hi:
                    mid = (lo + hi) // 2
                    if edges[mid] <= v:
                        lo = mid + 1
                    else:
                        hi = mid
                levels[z, y, x] = lo
                top = max(top, lo)
    return top


def reference_digitize(values, mask, edges):
    values = np.asarray(values)
    as3d = (1,) * (3 - values.ndim) + values.shape
    levels = np.empty(as3d, np.int32)
    top = reference_digitize_kernel(values.reshape(as3d), np.asarray(mask, bool).reshape(as3d),
                                    np.asarray(edges, dtype=np.float64), levels)
    return levels.reshape(values.shape), int(top)


# --- neighbourhood ---------------------------------------------------------------------------------------


def smooth_levels(shape, n_levels, rng):
    """Levels 1..n_levels of a box-smoothed random field (neighbours alike, as in images)."""
    field = rng.normal(size=shape)
    for axis in range(3):
        if shape[axis] > 2:
            field = (np.roll(field, 1, axis) + field + np.roll(field, -1, axis)) / 3
    ranks = np.argsort(np.argsort(field, axis=None)).reshape(shape)
    return (ranks * n_levels // field.size + 1).astype(np.int32)


def masks(shape, rng):
    z, y, x = np.indices(shape)
    centre = [(n - 1) / 2 for n in shape]
    radius = [max(n / 2, 0.5) for n in shape]
    ball = sum(((a - c) / r) ** 2 for a, c, r in zip((z, y, x), centre, radius)) <= 1
    runs = np.zeros(shape, bool)  # runs of 1..30 voxels along x with gaps of 1..12
    flat = runs.reshape(-1, shape[2])
    for row in flat:
        at = int(rng.integers(0, 5))
        while at < shape[2]:
            length = int(rng.integers(1, 31))
            row[at:at + length] = True
            at += length + int(rng.integers(1, 13))
    yield "full", np.ones(shape, bool)  # the ROI touches every side of the box
    yield "ball", ball if ball.any() else np.ones(shape, bool)
    yield "runs", runs if runs.any() else np.ones(shape, bool)
    for p in (0.1, 0.5, 0.9):
        m = rng.random(shape) < p
        m.flat[0] = True
        yield f"random{p}", m


FORMER_SHAPES = [(1, 1, 1), (1, 1, 7), (1, 9, 40), (3, 4, 5), (4, 1, 3), (6, 7, 8), (5, 18, 70), (2, 3, 600)]


def check_neighbourhood(levels, mask, distances, pad, alphas, force2D=False):
    levels = np.where(mask, levels, 0).astype(np.int32)
    tex = build_texture(levels, mask, pad)
    offsets = angles(distances, levels.shape, force2D, 0, True)
    steps = tex.steps(offsets)
    n = len(tex.present)
    for alpha in alphas:
        got = pt.neighbourhood(tex.values, tex.ranks, tex.roi, steps, alpha, n)
        want = reference_neighbourhood(tex.values, tex.ranks, tex.roi, steps, alpha, n)
        for g, w in zip(got, want):
            assert g.dtype == w.dtype and np.array_equal(g, w), (levels.shape, distances, pad, alpha)


@pytest.mark.parametrize("shape", FORMER_SHAPES)
@pytest.mark.parametrize("distances", [(1,), (2,), (1, 2)])
def test_neighbourhood_equals_former_kernel(shape, distances):
    rng = np.random.default_rng(sum(shape) + len(distances))
    for name, mask in masks(shape, rng):
        for n_levels in (3, 60):
            levels = smooth_levels(shape, n_levels, rng)
            check_neighbourhood(levels, mask, distances, max(distances), (0.0, 1.5))


@pytest.mark.parametrize("shape", [(1, 9, 40), (6, 7, 8), (5, 18, 70)])
def test_neighbourhood_other_alphas_pads_and_2d(shape):
    rng = np.random.default_rng(7)
    for name, mask in masks(shape, rng):
        levels = smooth_levels(shape, 20, rng)
        check_neighbourhood(levels, mask, (1,), 3, (-1.0, 0.0, 0.99, 1.0, 2.5, 30.0, 1e12, np.nan))
        check_neighbourhood(levels, mask, (1,), 1, (0.0, 1.5), force2D=True)
        check_neighbourhood(levels, mask, (3,), 3, (0.0, 4.0))


def sparse_layout(levels, mask, pad):
    """(values, ranks, roi) of the padded flat layout built directly (``layout`` keeps a histogram as
    long as the highest level)."""
    values = np.pad(np.where(mask, levels, 0).astype(np.int32), pad).ravel()
    roi = np.flatnonzero(np.pad(mask, pad))
    present, inverse = np.unique(values[roi], return_inverse=True)
    ranks = np.zeros_like(values)
    ranks[roi] = inverse.ravel() + 1
    return values, ranks, roi, len(present)


def test_neighbourhood_large_levels_use_wide_sums():
    # sums of 26 levels from 2**27 on leave int32: the kernel must then sum in int64
    rng = np.random.default_rng(3)
    shape = (4, 10, 60)
    offsets = angles((1,), shape, False, 0, True)
    steps = offsets @ np.array([(shape[1] + 2) * (shape[2] + 2), shape[2] + 2, 1])
    for top in (2**20, 2**26, 2**27, 2**31 - 1):
        levels = rng.integers(max(top - 40, 1), top + 1, size=shape).astype(np.int32)
        for _, mask in masks(shape, rng):
            values, ranks, roi, n = sparse_layout(levels, mask, 1)
            for alpha in (0.0, 3.0, 1e10):
                got = pt.neighbourhood(values, ranks, roi, steps, alpha, n)
                want = reference_neighbourhood(values, ranks, roi, steps, alpha, n)
                assert all(np.array_equal(g, w) for g, w in zip(got, want)), (top, alpha)


def test_neighbourhood_without_steps_or_roi():
    levels = smooth_levels((3, 5, 30), 4, np.random.default_rng(1))
    mask = np.ones(levels.shape, bool)
    tex = build_texture(levels, mask, 1)
    no_steps = np.zeros(0, np.int64)
    got = pt.neighbourhood(tex.values, tex.ranks, tex.roi, no_steps, 0.0, len(tex.present))
    want = reference_neighbourhood(tex.values, tex.ranks, tex.roi, no_steps, 0.0, len(tex.present))
    assert all(np.array_equal(g, w) for g, w in zip(got, want))
    got = pt.neighbourhood(tex.values, tex.ranks, tex.roi[:0], tex.steps(angles((1,), levels.shape)), 0.0, 4)
    assert all(not a.any() for a in got) and got[0].shape == (4, 14)


def test_neighbourhood_takes_int32_values_only():
    tex = build_texture(np.ones((2, 2, 2), np.int32), np.ones((2, 2, 2), bool), 1)
    with pytest.raises(ValueError):
        pt.neighbourhood(tex.values.astype(np.int64), tex.ranks, tex.roi, tex.steps(angles((1,), (2, 2, 2))), 0.0, 1)


# --- digitize --------------------------------------------------------------------------------------------


def edge_sets(inside, rng):
    lo, hi = float(np.nanmin(inside)), float(np.nanmax(inside))
    width = (hi - lo) / 17 or 1.0
    low = lo - (lo % width)
    yield "arange", np.arange(low, hi + 2 * width, width)
    yield "arange int", np.arange(np.floor(lo) - 3, np.ceil(hi) + 6, 3.0)
    hist = np.histogram(inside[np.isfinite(inside)], 23)[1]
    hist[-1] += 1
    yield "histogram", hist
    yield "irregular", np.sort(rng.uniform(lo - 1, hi + 1, 30))
    yield "clustered", np.sort(np.concatenate([rng.uniform(lo, lo + 1e-3 * (hi - lo + 1), 20), [hi + 1]]))
    yield "duplicates", np.sort(np.repeat(rng.uniform(lo, hi, 6), 3))
    yield "one", np.array([(lo + hi) / 2])
    yield "two", np.array([lo - 0.5, lo + 0.5])
    yield "none", np.zeros(0)
    yield "infinite", np.array([-np.inf, lo, (lo + hi) / 2, np.inf])
    yield "tiny spacing", lo + np.arange(40) * 1e-300


def value_sets(shape, rng, edges_hint):
    normal = rng.normal(size=shape) * 50
    yield normal
    on_edges = rng.choice(edges_hint, size=shape) if len(edges_hint) else normal
    yield on_edges  # exactly on the edges
    yield np.nextafter(on_edges, -np.inf)  # just below them
    yield np.nextafter(on_edges, np.inf)
    special = normal.copy()
    special.flat[:: 3] = np.nan
    special.flat[1:: 7] = np.inf
    special.flat[2:: 11] = -np.inf
    special.flat[4:: 13] = 1e300
    yield special
    yield np.round(normal)  # integer images: many values on integer edges


@pytest.mark.parametrize("shape", [(1, 1, 1), (1, 1, 9), (1, 8, 9), (5, 6, 7), (40,), (6, 7)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_digitize_equals_former_bisection(shape, dtype):
    rng = np.random.default_rng(sum(shape) + np.dtype(dtype).itemsize)
    base = (rng.normal(size=shape) * 50).astype(dtype)
    for _, edges in edge_sets(base.ravel(), rng):
        for edges_in in (edges, edges.astype(dtype).astype(np.float64)):
            for values in value_sets(shape, rng, edges_in[np.isfinite(edges_in)]):
                with np.errstate(over="ignore"):
                    values = np.asarray(values).astype(dtype)  # 1e300 -> inf in float32
                for mask in (np.ones(shape, bool), rng.random(shape) < 0.6):
                    got, top = pt.digitize(values, mask, edges_in)
                    want, want_top = reference_digitize(values, mask, edges_in)
                    assert got.dtype == np.int32 and got.shape == values.shape
                    assert np.array_equal(got, want) and top == want_top
                    if values.dtype == np.float64:
                        ref = np.where(mask, np.digitize(values, edges_in), 0) if len(edges_in) else 0 * got
                        assert np.array_equal(got, ref)


def test_digitize_large_regular_grid():
    # a realistic case: smoothed float32 image, binWidth-style edges, half the box in the mask
    rng = np.random.default_rng(11)
    values = (rng.normal(size=(12, 40, 40)) * 300).astype(np.float32)
    mask = rng.random(values.shape) < 0.5
    inside = values[mask]
    for width in (25.0, 0.1, 7.3):
        low = inside.min() - (inside.min() % np.float32(width))
        edges = np.arange(low, inside.max() + 2 * width, width)
        got = pt.digitize(values, mask, edges)
        want = reference_digitize(values, mask, edges)
        assert np.array_equal(got[0], want[0]) and got[1] == want[1]


BOUNDS_SCRIPT = """
import numpy as np
from radcore.kernels import matrices as pt
from radcore.pyradiomics.features import angles
from radcore.kernels.texture import build_texture
rng = np.random.default_rng(5)
for shape, d in [((3, 4, 37), 1), ((2, 5, 45), 2), ((1, 1, 13), 1)]:
    for mask in (np.ones(shape, bool), rng.random(shape) < 0.7):
        levels = np.where(mask, rng.integers(1, 9, size=shape), 0).astype(np.int32)
        tex = build_texture(levels, mask, d)
        pt.neighbourhood(tex.values, tex.ranks, tex.roi, tex.steps(angles((d,), shape, False, 0, True)), 1.0,
                         len(tex.present))
        pt.digitize(rng.normal(size=shape), mask, np.linspace(-2, 2, 9))
print("ok")
"""


def test_kernels_stay_in_bounds(tmp_path):
    # the vectorised spans read up to the rounded end of a run: recompile with numba's bounds checks
    # (fresh cache) and run layouts whose ROI reaches the last voxels of the padded array
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[3]
    env = dict(os.environ, NUMBA_BOUNDSCHECK="1", NUMBA_CACHE_DIR=str(tmp_path),
               PYTHONPATH=os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")]))
    done = subprocess.run([sys.executable, "-c", BOUNDS_SCRIPT], env=env, capture_output=True, text=True, cwd=root)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-2000:]
