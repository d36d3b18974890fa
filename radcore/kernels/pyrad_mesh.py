"""PyRadiomics' marching-cubes surface of a binary mask: its volume and area (shape class).

PyRadiomics (3.1) triangulates each 2x2x2 cube of the zero-padded mask from a 128-entry table: a cube with
its corner (1, 1, 0) inside is replaced by its complement and the complement's triangles are used with the
opposite orientation. On an ambiguous face (two diagonal corners inside, two outside) the table keeps the
corners of the *tabulated* configuration apart, so the inside is kept apart when that corner is outside
and joined when it is inside. Vertices are cube-edge midpoints (iso-level 0.5 on a binary mask).

The triangles of a tabulated configuration come from the shared table of :mod:`radcore.kernels.mesh`
(``build_tables(join=False)``, which keeps the inside corners of an ambiguous face apart); this module only
changes which configuration is looked up, as PyRadiomics does.

``mesh_volume_area(mask, spacing) -> (volume mm^3, area mm^2)``
    V = 1/6 sum over triangles of a . (b x c) (signed tetrahedra to the origin, positive for outward
    normals), A = 1/2 sum |(b - a) x (c - a)|, a, b, c the triangle's vertices in mm.
"""

from __future__ import annotations

import functools

import numba
import numpy as np

from radcore.kernels import mesh


@functools.cache
def _pyradiomics_table() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(triangles (256, 16, 3) int8 edge ids, counts (256,), edge midpoints (12, 3) in cube units)."""
    table, counts, start, axis = mesh.build_tables(join=False)
    out = table.copy()
    out_counts = counts.copy()
    corner7 = 1 << 6  # corner (1, 1, 0): bit 4 (z) + bit 2 (y) -> corner index 6 in mesh's numbering
    for config in range(256):
        if config & corner7:
            comp = config ^ 0xFF
            n = counts[comp]
            out[config] = -1
            out[config, :n] = table[comp, :n, ::-1]
            out_counts[config] = n
    mid = start.astype(np.float64)
    for e in range(12):
        mid[e, axis[e]] += 0.5
    return out, out_counts, mid


@numba.njit(cache=True, nogil=True)
def _volume_area(padded, spacing, table, counts, mid):
    nz, ny, nx = padded.shape
    volume = 0.0
    area = 0.0
    a = np.empty(3)
    b = np.empty(3)
    c = np.empty(3)
    for z in range(nz - 1):
        for y in range(ny - 1):
            for x in range(nx - 1):
                config = 0
                for corner in range(8):
                    if padded[z + ((corner >> 2) & 1), y + ((corner >> 1) & 1), x + (corner & 1)]:
                        config |= 1 << corner
                if config == 0 or config == 255:
                    continue
                for t in range(counts[config]):
                    for d in range(3):
                        base = (z, y, x)[d]
                        a[d] = (base + mid[table[config, t, 0], d]) * spacing[d]
                        b[d] = (base + mid[table[config, t, 1], d]) * spacing[d]
                        c[d] = (base + mid[table[config, t, 2], d]) * spacing[d]
                    volume += (a[0] * (b[1] * c[2] - b[2] * c[1]) + a[1] * (b[2] * c[0] - b[0] * c[2])
                               + a[2] * (b[0] * c[1] - b[1] * c[0]))
                    u0 = b[0] - a[0]
                    u1 = b[1] - a[1]
                    u2 = b[2] - a[2]
                    v0 = c[0] - a[0]
                    v1 = c[1] - a[1]
                    v2 = c[2] - a[2]
                    w0 = u1 * v2 - u2 * v1
                    w1 = u2 * v0 - u0 * v2
                    w2 = u0 * v1 - u1 * v0
                    area += 0.5 * np.sqrt(w0 * w0 + w1 * w1 + w2 * w2)
    return volume / 6.0, area


def mesh_volume_area(mask: np.ndarray, spacing) -> tuple[float, float]:
    """(volume, area) of PyRadiomics' surface mesh of ``mask`` ((z, y, x), nonzero inside), spacing in mm."""
    mask = np.asarray(mask)
    if mask.ndim != 3:
        raise ValueError(f"mask must be a 3D (z, y, x) array, got shape {mask.shape}")
    padded = np.pad(mask != 0, 1).astype(np.uint8)
    sp = np.ascontiguousarray(spacing, dtype=np.float64)
    table, counts, midpoints = _pyradiomics_table()
    volume, area = _volume_area(padded, sp, table, counts.astype(np.int64), midpoints)
    return float(volume), float(area)
