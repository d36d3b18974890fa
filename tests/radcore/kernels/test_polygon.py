"""Polygon filling against a per-pixel ray-casting reference."""

import numpy as np
import pytest

from radcore.kernels.polygon import fill_polygons


def reference_fill(polygons, rows, cols):
    """Even-odd rule per pixel centre: count the edges a ray towards +column crosses (half-open in rows)."""
    out = np.zeros((rows, cols), bool)
    for r in range(rows):
        for c in range(cols):
            inside = False
            for poly in polygons:
                n = len(poly)
                for i in range(n):
                    (x0, y0), (x1, y1) = poly[i], poly[(i + 1) % n]
                    if (y0 <= r) != (y1 <= r) and c < x0 + (r - y0) * (x1 - x0) / (y1 - y0):
                        inside = not inside
            out[r, c] = inside
    return out


def _fill(polygons, rows, cols):
    starts = np.concatenate([[0], np.cumsum([len(p) for p in polygons])])
    return fill_polygons(np.concatenate(polygons), starts, rows, cols)


def test_random_polygons_match_the_reference():
    rng = np.random.default_rng(0)
    for _ in range(40):
        polygons = []
        for _ in range(rng.integers(1, 4)):
            n = rng.integers(3, 12)
            centre = rng.uniform(2, 18, 2)
            angles = np.sort(rng.uniform(0, 2 * np.pi, n))
            radius = rng.uniform(1, 8, n)
            polygons.append(centre + np.c_[radius * np.cos(angles), radius * np.sin(angles)])
        np.testing.assert_array_equal(_fill(polygons, 20, 22), reference_fill(polygons, 20, 22))


def test_a_contour_inside_another_cuts_a_hole_and_integer_vertices_follow_the_rule():
    outer = np.array([[0.0, 0.0], [6.0, 0.0], [6.0, 6.0], [0.0, 6.0]])
    inner = np.array([[2.0, 2.0], [4.0, 2.0], [4.0, 4.0], [2.0, 4.0]])
    got = _fill([outer, inner], 8, 8)
    np.testing.assert_array_equal(got, reference_fill([outer, inner], 8, 8))
    assert got[1, 1] and not got[3, 3] and got[0, 0] and not got[6, 6]  # [start, end) in both directions
    assert got.sum() == 36 - 4


def test_polygons_reaching_outside_the_grid_are_clipped():
    big = np.array([[-5.0, -5.0], [30.0, -5.0], [30.0, 30.0], [-5.0, 30.0]])
    assert _fill([big], 4, 5).all()


def test_bad_starts_are_refused():
    with pytest.raises(ValueError, match="starts"):
        fill_polygons(np.zeros((3, 2)), np.array([0, 2]), 3, 3)
