"""The marching-squares contour of a 2D mask: its enclosed area, length and largest vertex distance.

The mask is seen on the grid of squares whose corners are pixel centres. Contour vertices lie halfway on
each square edge whose two pixels differ (one inside, one outside); in each square the contour joins
them as marching squares does. Per square, with k corners inside, the contour encloses

- 0 or 4 corners: nothing or the whole square;
- 1 corner: the triangle at that corner, 1/8 of the square; 3 corners: 7/8;
- 2 adjacent corners: half the square;
- 2 opposite corners (a saddle): the two corner triangles, 1/4 of the square (the two pixels are not
  joined through the saddle, as in PyRadiomics' table),

and the contour's length in it is that of its one or two segments. The area is the sum over squares,
the perimeter the sum of segment lengths, the diameter the largest distance between two vertices
(:func:`radcore.kernels.morphology.max_distance`, the kernel of the 3D diameters).

``contour(mask, spacing) -> (perimeter, area, diameter)``; ``mask`` is a 2D bool array (it is padded
with one empty pixel on every side here), ``spacing`` the pixel size (rows, columns) in mm.
"""

from __future__ import annotations

import numba
import numpy as np

from radcore.kernels.morphology import max_distance

#: area enclosed in a square (in units of the square) by the number of inside corners; index 5 is the
#: saddle (two opposite corners)
_AREA = np.array([0.0, 0.125, 0.5, 0.875, 1.0, 0.25])


def contour(mask: np.ndarray, spacing) -> tuple[float, float, float]:
    """(perimeter mm, enclosed area mm^2, largest vertex distance mm) of the contour of a 2D ``mask``."""
    mask = np.asarray(mask)
    if mask.ndim != 2:
        raise ValueError(f"mask must be 2D, got shape {mask.shape}")
    padded = np.pad(mask.astype(np.uint8, copy=False), 1)
    sy, sx = (float(s) for s in spacing)
    perimeter, area, vertices = _squares(padded, sy, sx, _AREA)
    return perimeter, area, max_distance(vertices, np.ones(3), -1)


@numba.njit(cache=True, nogil=True)
def _squares(m, sy, sx, table):
    """Perimeter and area summed over the squares of ``m``, and the contour vertices (n, 3) in mm, in the
    plane z = 0: (0, row, column)."""
    rows, cols = m.shape
    diagonal = np.sqrt(0.25 * sy * sy + 0.25 * sx * sx)
    perimeter = 0.0
    area = 0.0
    for i in range(rows - 1):
        for j in range(cols - 1):
            a, b, c, d = m[i, j], m[i, j + 1], m[i + 1, j + 1], m[i + 1, j]  # clockwise from top left
            k = a + b + c + d
            if k == 0:
                continue
            if k == 4:
                area += 1.0
                continue
            if k == 2 and a == c:  # saddle: two corner triangles
                area += table[5]
                perimeter += 2.0 * diagonal
            elif k == 2:  # two adjacent corners: a straight segment across the square
                area += table[2]
                perimeter += sx if a == b else sy  # top or bottom pair: a horizontal segment
            else:  # one corner in (or out): a diagonal segment cutting its triangle
                area += table[k]
                perimeter += diagonal
    n = 0
    for i in range(rows):
        for j in range(cols):
            if j + 1 < cols and m[i, j] != m[i, j + 1]:
                n += 1
            if i + 1 < rows and m[i, j] != m[i + 1, j]:
                n += 1
    vertices = np.zeros((n, 3))
    n = 0
    for i in range(rows):
        for j in range(cols):
            if j + 1 < cols and m[i, j] != m[i, j + 1]:
                vertices[n, 1] = i * sy
                vertices[n, 2] = (j + 0.5) * sx
                n += 1
            if i + 1 < rows and m[i, j] != m[i + 1, j]:
                vertices[n, 1] = (i + 0.5) * sy
                vertices[n, 2] = j * sx
                n += 1
    return perimeter, area * sy * sx, vertices
