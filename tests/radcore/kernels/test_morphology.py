import itertools

import numpy as np
import pytest
from scipy.spatial import ConvexHull

from radcore.kernels.morphology import (
    khachiyan_mvee,
    line_extremes,
    max_distance,
    min_oriented_box,
    moran_geary,
    spectral_pair_sums,
)


def reference_moran_geary(pos, x):
    """Slow reference: the full N x N weight matrix."""
    n = len(x)
    d = x - x.mean()
    dist = np.sqrt(((pos[:, None, :] - pos[None, :, :]) ** 2).sum(-1))
    np.fill_diagonal(dist, np.inf)
    w = 1.0 / dist
    moran = n / w.sum() * (w * np.outer(d, d)).sum() / (d @ d)
    geary = (n - 1) / (2 * w.sum()) * (w * (x[:, None] - x[None, :]) ** 2).sum() / (d @ d)
    return moran, geary


def rotation(rng):
    q, _ = np.linalg.qr(rng.normal(size=(3, 3)))
    return q


@pytest.mark.parametrize("n", [2, 3, 17, 200])
def test_moran_geary_matches_reference(n):
    rng = np.random.default_rng(n)
    pos = np.argwhere(np.ones((6, 7, 8)))[rng.choice(336, n, replace=False)] * [2.0, 0.7, 1.1]
    x = rng.normal(size=n) * 100 + 40
    assert moran_geary(pos, x) == pytest.approx(reference_moran_geary(pos, x), rel=1e-10)


def test_moran_geary_undefined_cases_are_nan():
    assert np.isnan(moran_geary(np.zeros((1, 3)), np.ones(1))).all()
    pos = np.array([[0.0, 0, 0], [0, 0, 1], [0, 1, 0]])
    assert np.isnan(moran_geary(pos, np.full(3, 5.0))).all()


def test_moran_geary_hand_computed_pair():
    # two voxels: d = (-1, 1), W = 2 w; I = 2 / (2w) * 2 w (-1) / 2 = -1, C = 1 / (4w) * 2 w * 4 / 2 = 1
    pos = np.array([[0.0, 0.0, 0.0], [0.0, 0.0, 3.0]])
    assert moran_geary(pos, np.array([1.0, 3.0])) == pytest.approx((-1.0, 1.0))


def reference_circular_dot(a, b, kernel):
    """Slow reference: sum_{i, j} a_i b_j kernel[(i - j) mod P] over every pair of grid voxels."""
    idx = np.argwhere(np.ones(a.shape, bool))
    offsets = (idx[:, None, :] - idx[None, :, :]) % np.array(a.shape)
    k = kernel[offsets[..., 0], offsets[..., 1], offsets[..., 2]]
    return float(a.ravel() @ k @ b.ravel())


@pytest.mark.parametrize("periods", [(4, 6, 4), (2, 4, 6), (5, 2, 5), (3, 5, 1)])
def test_spectral_pair_sums_match_circular_pair_sums(periods):
    rng = np.random.default_rng(sum(periods))
    octant = rng.random(tuple(p // 2 + 1 for p in periods))
    # the even kernel: kernel[i, j, l] = octant[f(i), f(j), f(l)], f(i) = min(i, P - i)
    fold = [np.minimum(np.arange(p), p - np.arange(p)) for p in periods]
    octant[0, 0, 0] = 0.0
    kernel = octant[np.ix_(*fold)]
    m = (rng.random(periods) < 0.6).astype(float)
    d = np.where(m > 0, rng.normal(size=periods), 0.0)
    spectra = np.stack([np.fft.rfftn(a) for a in (m, d, d * d)])
    w_octant = np.fft.rfftn(kernel).real[: periods[0] // 2 + 1, : periods[1] // 2 + 1]
    got = spectral_pair_sums(np.ascontiguousarray(w_octant), spectra, periods[2])
    expected = [reference_circular_dot(m, m, kernel), reference_circular_dot(d, d, kernel),
                reference_circular_dot(d * d, m, kernel)]
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-10)


def reference_line_extremes(points):
    """Slow reference: bit a is cleared when another point of the point's line along axis a lies on each
    side of it."""
    flags = []
    for p in points:
        bits = 0
        for a in range(3):
            others = [(a + 1) % 3, (a + 2) % 3]
            line = points[np.all(points[:, others] == p[others], axis=1), a]
            if not ((line < p[a]).any() and (line > p[a]).any()):
                bits |= 1 << a
        flags.append(bits)
    return np.array(flags)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_line_extremes_match_reference_and_keep_the_hull(seed):
    rng = np.random.default_rng(seed)
    points = np.unique(rng.integers(-3, 6, size=(120, 3)), axis=0).astype(np.int64)
    flags = line_extremes(points)
    np.testing.assert_array_equal(flags, reference_line_extremes(points))
    keep = flags == 7
    full, kept = ConvexHull(points), ConvexHull(points[keep])
    assert kept.volume == pytest.approx(full.volume)
    np.testing.assert_array_equal(points[keep][kept.vertices], points[full.vertices])
    assert line_extremes(points[:0]).shape == (0,)


def reference_max_distance(points, scale, same_axis):
    """Slow reference: every pair, d^2 = sum ((a - b) scale)^2 summed as the kernel does."""
    best = 0.0
    for a, b in itertools.combinations(points, 2):
        if same_axis < 0 or a[same_axis] == b[same_axis]:
            d = (a - b) * scale
            best = max(best, d[0] * d[0] + d[1] * d[1] + d[2] * d[2])
    return np.sqrt(best)


@pytest.mark.parametrize("seed", range(4))
def test_max_distance_equals_all_pairs(seed):
    rng = np.random.default_rng(seed)
    positions = rng.random((60, 3)) * [5, 1, 2]
    lattice = rng.integers(0, 6, size=(50, 3)).astype(np.float64)  # many pairs share a coordinate
    spacing = rng.random(3) + 0.3
    for points, scale in ((positions, np.ones(3)), (lattice, spacing)):
        for axis in (-1, 0, 1, 2):
            assert max_distance(points, scale, axis) == reference_max_distance(points, scale, axis)


def test_max_distance_of_line_extremes_is_that_of_all_points():
    rng = np.random.default_rng(7)
    points = rng.integers(0, 8, size=(300, 3))
    flags = line_extremes(points)
    scale = np.array([2.0, 0.5, 0.7])
    at = points.astype(np.float64)
    assert max_distance(at[flags == 7], scale, -1) == reference_max_distance(at, scale, -1)
    for axis, need in enumerate((6, 5, 3)):
        assert max_distance(at[flags & need == need], scale, axis) == reference_max_distance(at, scale, axis)


def test_max_distance_without_a_pair_is_zero():
    one = np.array([[1.0, 2.0, 3.0]])
    assert max_distance(one, np.ones(3), -1) == 0.0 and max_distance(one[:0], np.ones(3), 0) == 0.0
    # no two points share a z
    assert max_distance(np.array([[0.0, 0, 0], [1, 5, 5]]), np.ones(3), 0) == 0.0


def reference_mvee(points, tol):
    """Slow reference: Khachiyan's iteration with away steps, X^-1 and every M_j recomputed each step."""
    n, d = points.shape
    q = np.vstack([points.T, np.ones(n)])
    u = np.full(n, 1.0 / n)
    k = d + 1.0
    while True:
        m = np.einsum("in,ij,jn->n", q, np.linalg.inv((q * u) @ q.T), q)
        j_up = int(np.argmax(m))
        j_down = int(np.flatnonzero(u > 0)[np.argmin(m[u > 0])])
        up, down = m[j_up] / k - 1.0, 1.0 - m[j_down] / k
        if up <= tol and down <= tol:
            break
        if up > down:
            step = (m[j_up] - k) / (k * (m[j_up] - 1.0))
            u = u * (1.0 - step)
            u[j_up] += step
        else:
            step = min((k - m[j_down]) / (k * (m[j_down] - 1.0)), u[j_down] / (1.0 - u[j_down]))
            u = u * (1.0 + step)
            u[j_down] = max(u[j_down] - step, 0.0)
    c = points.T @ u
    return c, np.linalg.inv((points.T * u) @ points - np.outer(c, c)) / d


@pytest.mark.parametrize("seed", [4, 5, 6])
def test_mvee_matches_reference(seed):
    rng = np.random.default_rng(seed)
    pts = rng.normal(size=(80, 3)) * [5, 2, 1] @ rotation(rng) + rng.normal(size=3)
    hull = np.ascontiguousarray(pts[ConvexHull(pts).vertices])
    centre, amat = khachiyan_mvee(hull, 1e-8, 100_000)
    ref_centre, ref_amat = reference_mvee(hull, 1e-8)
    np.testing.assert_allclose(centre, ref_centre, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(amat, ref_amat, rtol=1e-5, atol=1e-8)


def test_mvee_of_octahedron_is_the_ellipsoid_through_its_vertices():
    a, b, c = 3.0, 2.0, 1.0
    pts = np.array([[s * v for v in row] for row in np.diag([a, b, c]) for s in (1, -1)]) + [1.0, -2.0, 0.5]
    centre, amat = khachiyan_mvee(pts, 1e-9, 100_000)
    assert centre == pytest.approx([1.0, -2.0, 0.5], abs=1e-6)
    axes = np.sort(1.0 / np.sqrt(np.linalg.eigvalsh(amat)))[::-1]
    assert axes == pytest.approx([a, b, c], rel=1e-6)


def test_mvee_encloses_random_points():
    rng = np.random.default_rng(2)
    pts = rng.normal(size=(300, 3)) * [4, 2, 1] @ rotation(rng)
    hull = pts[ConvexHull(pts).vertices]
    centre, amat = khachiyan_mvee(np.ascontiguousarray(hull), 1e-8, 100_000)
    r = np.einsum("ij,jk,ik->i", pts - centre, amat, pts - centre)
    assert r.max() == pytest.approx(1.0, abs=1e-6)  # touches the hull, encloses everything


def hull_facets(points):
    """``points`` reordered to their hull's vertices, and the hull's (normals, areas, triangles) on them."""
    hull = ConvexHull(points)
    a, b, c = (points[hull.simplices[:, k]] for k in range(3))
    index = np.full(len(points), -1)
    index[hull.vertices] = np.arange(len(hull.vertices))
    facets = (np.ascontiguousarray(hull.equations[:, :3]), 0.5 * np.linalg.norm(np.cross(b - a, c - a), axis=1),
              np.ascontiguousarray(index[hull.simplices], dtype=np.int64))
    return np.ascontiguousarray(points[hull.vertices]), facets


def reference_min_oriented_box(points, normals):
    """Slow reference: per normal, every edge of the projection's 2D hull (scipy) gives a rectangle."""
    best = (np.inf, None)
    for n in normals:
        basis = np.linalg.svd(np.eye(3) - np.outer(n, n))[0][:, :2]
        flat = points @ basis
        height = np.ptp(points @ n)
        ring = flat[ConvexHull(flat).vertices]
        for p, q in zip(ring, np.roll(ring, -1, axis=0)):
            e = (q - p) / np.linalg.norm(q - p)
            sides = np.ptp(flat @ e), np.ptp(flat @ [-e[1], e[0]])
            if height * sides[0] * sides[1] < best[0]:
                best = (height * sides[0] * sides[1], sorted([height, *sides], reverse=True))
    return best[1]


def test_min_oriented_box_of_a_rotated_box():
    rng = np.random.default_rng(3)
    corners = np.array(list(itertools.product((0, 1), (0, 2), (0, 3))), float) @ rotation(rng).T
    points, facets = hull_facets(corners)
    assert min_oriented_box(points, facets[0], *facets) == pytest.approx([3.0, 2.0, 1.0])


def test_min_oriented_box_is_no_larger_than_the_axis_aligned_box():
    rng = np.random.default_rng(4)
    pts = rng.random((80, 3)) * [3, 2, 5]
    points, facets = hull_facets(pts)
    normals = np.vstack([facets[0], np.eye(3)])
    sides = min_oriented_box(points, normals, *facets)
    assert np.prod(sides) <= np.prod(np.ptp(pts, axis=0)) + 1e-12
    assert sides[0] >= sides[1] >= sides[2] > 0


@pytest.mark.parametrize("seed", [5, 6, 7])
def test_min_oriented_box_matches_reference(seed):
    rng = np.random.default_rng(seed)
    if seed == 7:  # lattice points: coplanar points, facets edge-on to the normals
        pts = np.unique(rng.integers(0, 6, size=(60, 3)), axis=0) * [2.0, 1.0, 0.5]
    else:
        pts = rng.normal(size=(200, 3)) * [5, 2, 1] @ rotation(rng)
    points, facets = hull_facets(pts)
    normals = np.unique(np.round(np.vstack([facets[0], np.eye(3)]), 12), axis=0)
    got = min_oriented_box(points, normals, *facets)
    np.testing.assert_allclose(got, reference_min_oriented_box(points, normals), rtol=1e-9)
