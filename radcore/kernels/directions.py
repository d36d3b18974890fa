"""Direction tables shared by the directional texture kernels (GLCM, GLRLM).

Offsets are int64 rows ``(dz, dy, dx)`` on the (z, y, x) voxel grid.

- :data:`IN_PLANE` holds the 4 unique in-plane directions (0°, 45°, 90°, 135° in the x-y plane);
- :data:`VOLUME` holds the 13 unique 3D directions of the 26-neighbourhood, one of each opposite pair.
  Its first four rows are :data:`IN_PLANE`, followed by the 9 directions with ``dz = 1``.

For a symmetric co-occurrence matrix or a run-length matrix a direction and its opposite give the same
matrix, hence 4 and 13 unique directions.
"""

from __future__ import annotations

import numpy as np

IN_PLANE = np.array(
    [
        (0, 0, 1),
        (0, 1, 1),
        (0, 1, 0),
        (0, 1, -1),
    ],
    dtype=np.int64,
)

VOLUME = np.concatenate(
    [
        IN_PLANE,
        np.array([(1, dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1)], dtype=np.int64),
    ]
)


def offsets(distance: int = 1, in_plane: bool = False) -> np.ndarray:
    """Unique direction offsets scaled to Chebyshev distance ``distance``, shape (4 or 13, 3) int64.

    IBSI 3.6: neighbours at Chebyshev distance delta along each direction m are ``delta * m``.
    """
    if int(distance) != distance or distance < 1:
        raise ValueError(f"distance must be an integer >= 1, got {distance!r}")
    table = IN_PLANE if in_plane else VOLUME
    return table * np.int64(distance)
