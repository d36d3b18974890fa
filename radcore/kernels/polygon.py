"""Filling planar polygons on a pixel grid: which pixel centres lie inside (even-odd rule).

``fill_polygons(vertices, starts, rows, cols) -> bool (rows, cols)``
    ``vertices`` float64 (n, 2) holds every polygon's vertices as (column, row) positions in pixel units
    (pixel (r, c) has its centre at (c, r)), polygon p being ``vertices[starts[p]:starts[p + 1]]``,
    closed implicitly (last vertex to first). A pixel is inside when a ray from its centre towards +column
    crosses the polygons' edges an odd number of times, so a polygon inside another cuts a hole and
    overlapping polygons cancel where they overlap, as DICOM RTSTRUCT contours of one slice are read.
    Edges are half-open in the row direction (an edge from row a to row b counts for a <= y < b), so a
    vertex on a scan line is crossed once and shared edges of adjacent polygons do not double.
"""

from __future__ import annotations

import numba
import numpy as np


def fill_polygons(vertices: np.ndarray, starts: np.ndarray, rows: int, cols: int) -> np.ndarray:
    """Pixels (rows, cols) whose centres lie inside the polygons (even-odd); see the module docstring."""
    vertices = np.ascontiguousarray(vertices, dtype=np.float64).reshape(-1, 2)
    starts = np.ascontiguousarray(starts, dtype=np.int64)
    if starts.ndim != 1 or starts.size < 1 or starts[0] != 0 or starts[-1] != len(vertices):
        raise ValueError("starts must run from 0 to the number of vertices")
    out = np.zeros((rows, cols), np.bool_)
    _fill(vertices, starts, out)
    return out


@numba.njit(cache=True, nogil=True)
def _fill(vertices, starts, out):
    rows, cols = out.shape
    n_edges = vertices.shape[0]
    xs = np.empty(n_edges, np.float64)
    for r in range(rows):
        y = float(r)
        n = 0
        for p in range(starts.shape[0] - 1):
            a, b = starts[p], starts[p + 1]
            for i in range(a, b):
                j = i + 1 if i + 1 < b else a
                y0 = vertices[i, 1]
                y1 = vertices[j, 1]
                if (y0 <= y) != (y1 <= y):  # the edge spans the scan line (half-open)
                    x0 = vertices[i, 0]
                    xs[n] = x0 + (y - y0) * (vertices[j, 0] - x0) / (y1 - y0)
                    n += 1
        if n < 2:
            continue
        crossings = np.sort(xs[:n])
        # a centre at column x is inside when an odd number of crossings lie right of it (> x): with the
        # crossings sorted, exactly the x in [crossings[2m], crossings[2m + 1])
        for m in range(0, n - 1, 2):
            c0 = max(int(np.ceil(crossings[m])), 0)
            c1 = min(int(np.ceil(crossings[m + 1])) - 1, cols - 1)
            for c in range(c0, c1 + 1):
                out[r, c] = True
