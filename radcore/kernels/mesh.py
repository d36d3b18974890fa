"""Marching cubes on a binary mask at iso-level 0.5 (IBSI-1 3.1: the ROI surface mesh).

The mask is padded by one voxel of background so the surface is closed. Every cube of 2x2x2 voxel centres
is classified by which of its 8 corners lie inside the mask (256 configurations). Because the mask is
binary and the level 0.5, each surface vertex is the midpoint of a cube edge joining an inside and an
outside corner: the vertex set is the set of face-adjacent (inside, outside) voxel pairs.

The triangle table is built here from the definition, not copied. On each cube face the crossing edges
are joined by segments that separate the face's inside corners from its outside ones; on an ambiguous face
(two diagonal inside corners) the segments cut off the outside corners, so inside voxels that share an
edge are joined (``build_tables(join=False)`` separates them instead). Segments are oriented with the
inside on their left seen from outside the cube, so neighbouring cubes traverse a shared segment in
opposite directions and the mesh is closed and consistently oriented. The segments of a cube form closed
loops; a non-planar loop is triangulated to bulge towards the minority side of the cube (see
:func:`_best_triangulation`), which reproduces the classic marching-cubes surfaces (Lorensen and Cline;
Lewiner et al., as in scikit-image) on every configuration without an ambiguous face. Normals point out of
the mask.

Corner ``c`` of a cube sits at offset (z, y, x) = (c >> 2 & 1, c >> 1 & 1, c & 1) from the cube origin.
"""

from __future__ import annotations

import functools

import numba
import numpy as np

from radcore.errors import EmptyROIError


def _corner(c: int) -> np.ndarray:
    return np.array([(c >> 2) & 1, (c >> 1) & 1, c & 1], dtype=np.int64)


def _edges() -> list[tuple[int, int]]:
    """The 12 cube edges as (corner a, corner b), a < b, the corners differing in one bit."""
    return [(a, a | bit) for bit in (1, 2, 4) for a in range(8) if not a & bit]


def _faces() -> list[tuple[np.ndarray, list[int]]]:
    """The 6 cube faces as (outward normal, 4 corners in cyclic order)."""
    faces = []
    for axis in range(3):  # axis index in (z, y, x)
        bit = 4 >> axis
        others = [b for b in (4, 2, 1) if b != bit]
        for side in (0, 1):
            base = bit if side else 0
            ring = [base, base | others[0], base | others[0] | others[1], base | others[1]]
            normal = np.zeros(3, dtype=np.int64)
            normal[axis] = 1 if side else -1
            faces.append((normal, ring))
    return faces


def _cube_triangles(config: int, edges, faces, join: bool, tri_vol, tri_area) -> list[tuple[int, int, int]]:
    """Triangles (as edge indices) of one cube configuration, normals pointing out of the mask."""
    edge_id = {e: i for i, e in enumerate(edges)}
    mid = [(_corner(a) + _corner(b)) / 2.0 - 0.5 for a, b in edges]  # relative to the cube centre
    inside = [(config >> c) & 1 for c in range(8)]
    nxt: dict[int, int] = {}
    for normal, ring in faces:
        crossing = [edge_id[tuple(sorted((ring[k], ring[(k + 1) % 4])))]
                    for k in range(4) if inside[ring[k]] != inside[ring[(k + 1) % 4]]]
        if len(crossing) == 2:
            cuts = [(crossing[0], crossing[1], next(c for c in ring if inside[c]))]
        elif len(crossing) == 4:  # diagonal corners: cut off each outside (join) or inside corner
            cuts = []
            for k in range(4):
                c = ring[k]
                if inside[c] != join:
                    p = edge_id[tuple(sorted((c, ring[k - 1])))]
                    q = edge_id[tuple(sorted((c, ring[(k + 1) % 4])))]
                    cuts.append((p, q, c if inside[c] else ring[(k + 1) % 4]))
        else:
            continue
        for p, q, c in cuts:
            if _triple(mid[q] - mid[p], _corner(c) - 0.5 - mid[p], normal) < 0:
                p, q = q, p  # keep the inside corner on the left, seen from outside the cube
            nxt[p] = q
    loops, seen = [], set()
    for start in nxt:
        if start in seen:
            continue
        loop, e = [], start
        while e not in seen:
            seen.add(e)
            loop.append(e)
            e = nxt[e]
        loops.append(loop)
    n_inside = sum(inside)
    tris: list[tuple[int, int, int]] = []
    for loop in loops:
        tris.extend(_best_triangulation(loop[::-1], tri_vol, tri_area, n_inside))  # reversed: outward normals
    return tris


def _triple(u, v, w) -> float:
    """(u x v) . w for 3-vectors."""
    return ((u[1] * v[2] - u[2] * v[1]) * w[0] + (u[2] * v[0] - u[0] * v[2]) * w[1]
            + (u[0] * v[1] - u[1] * v[0]) * w[2])


def _triangulations(loop: list[int]):
    """Every triangulation of the polygon ``loop`` (orientation kept), as lists of triangles."""
    if len(loop) == 3:
        yield [tuple(loop)]
        return
    first, last = loop[0], loop[-1]
    for k in range(1, len(loop) - 1):
        lefts = list(_triangulations(loop[: k + 1])) if k >= 2 else [[]]
        rights = list(_triangulations(loop[k:])) if len(loop) - k >= 3 else [[]]
        for left in lefts:
            for right in rights:
                yield left + right + [(first, loop[k], last)]


def _best_triangulation(loop: list[int], tri_vol, tri_area, n_inside: int) -> list[tuple[int, int, int]]:
    """The triangulation of a (non-planar) loop that bulges towards the minority side of the cube.

    With fewer than 4 inside corners the enclosed inside volume is maximised, with more than 4 it is
    minimised (so a configuration and its complement share one surface); with 4 the volume is balanced
    (closest to the mean of the extremes), ties broken by the smaller area. This reproduces the classic
    marching-cubes surfaces on unambiguous configurations.
    """
    if len(loop) == 3:
        return [tuple(loop)]
    options = []
    for tris in _triangulations(loop):
        vol = sum(tri_vol[t] for t in tris)
        area = sum(tri_area[t] for t in tris)
        options.append((round(vol, 9), round(area, 9), tris))
    vols = [o[0] for o in options]
    if n_inside < 4:
        target = max(vols)
    elif n_inside > 4:
        target = min(vols)
    else:
        target = (max(vols) + min(vols)) / 2.0
    return min(options, key=lambda o: (abs(o[0] - target), o[1]))[2]


@functools.cache
def build_tables(join: bool = True) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(triangles (256, 8, 3) int8 edge indices, counts (256,) int8, edge start (12, 3) int64, axis (12,)).

    Built once per process, when a mesh is first made (0.3-0.6 s: a process that only lists feature names
    does not pay it); callers must not change the arrays."""
    edges, faces = _edges(), _faces()
    mid = np.array([(_corner(a) + _corner(b)) / 2.0 - 0.5 for a, b in edges])
    # signed volume (tetrahedron to the cube centre) and area of every triangle of edge midpoints
    a, b, c = np.meshgrid(np.arange(12), np.arange(12), np.arange(12), indexing="ij")
    tri_vol = np.einsum("...i,...i", mid[a], np.cross(mid[b], mid[c])) / 6.0
    tri_area = np.linalg.norm(np.cross(mid[b] - mid[a], mid[c] - mid[a]), axis=-1) / 2.0
    table = np.full((256, 8, 3), -1, dtype=np.int8)
    counts = np.zeros(256, dtype=np.int8)
    for config in range(256):
        tris = _cube_triangles(config, edges, faces, join, tri_vol, tri_area)
        counts[config] = len(tris)
        for t, tri in enumerate(tris):
            table[config, t] = tri
    start = np.array([_corner(a) for a, _ in edges], dtype=np.int64)
    axis = np.array([{1: 2, 2: 1, 4: 0}[b ^ a] for a, b in edges], dtype=np.int64)
    return table, counts, start, axis


@numba.njit(cache=True, nogil=True)
def _vertex_index(padded: np.ndarray, index: np.ndarray) -> int:
    """Number each face-adjacent (inside, outside) voxel pair; ``index[axis, z, y, x]`` = vertex id or -1."""
    nz, ny, nx = padded.shape
    n = 0
    for z in range(nz):
        for y in range(ny):
            for x in range(nx):
                v = padded[z, y, x]
                if z + 1 < nz and padded[z + 1, y, x] != v:
                    index[0, z, y, x] = n
                    n += 1
                if y + 1 < ny and padded[z, y + 1, x] != v:
                    index[1, z, y, x] = n
                    n += 1
                if x + 1 < nx and padded[z, y, x + 1] != v:
                    index[2, z, y, x] = n
                    n += 1
    return n


@numba.njit(cache=True, nogil=True)
def _vertices(index: np.ndarray, n: int, spacing: np.ndarray) -> np.ndarray:
    """Vertex positions (mm, z y x) in the unpadded array frame: edge midpoints."""
    out = np.empty((n, 3), dtype=np.float64)
    _, nz, ny, nx = index.shape
    for a in range(3):
        for z in range(nz):
            for y in range(ny):
                for x in range(nx):
                    i = index[a, z, y, x]
                    if i < 0:
                        continue
                    out[i, 0] = (z - 1 + (0.5 if a == 0 else 0.0)) * spacing[0]
                    out[i, 1] = (y - 1 + (0.5 if a == 1 else 0.0)) * spacing[1]
                    out[i, 2] = (x - 1 + (0.5 if a == 2 else 0.0)) * spacing[2]
    return out


@numba.njit(cache=True, nogil=True)
def _faces_kernel(padded, index, table, counts, edge_start, edge_axis) -> np.ndarray:
    """Triangles (m, 3) int64 of vertex ids over every cube of the padded mask."""
    nz, ny, nx = padded.shape
    m = 0
    for z in range(nz - 1):
        for y in range(ny - 1):
            for x in range(nx - 1):
                c = (padded[z, y, x] | padded[z, y, x + 1] << 1 | padded[z, y + 1, x] << 2
                     | padded[z, y + 1, x + 1] << 3 | padded[z + 1, y, x] << 4
                     | padded[z + 1, y, x + 1] << 5 | padded[z + 1, y + 1, x] << 6
                     | padded[z + 1, y + 1, x + 1] << 7)
                m += counts[c]
    faces = np.empty((m, 3), dtype=np.int64)
    f = 0
    for z in range(nz - 1):
        for y in range(ny - 1):
            for x in range(nx - 1):
                c = (padded[z, y, x] | padded[z, y, x + 1] << 1 | padded[z, y + 1, x] << 2
                     | padded[z, y + 1, x + 1] << 3 | padded[z + 1, y, x] << 4
                     | padded[z + 1, y, x + 1] << 5 | padded[z + 1, y + 1, x] << 6
                     | padded[z + 1, y + 1, x + 1] << 7)
                for t in range(counts[c]):
                    for k in range(3):
                        e = table[c, t, k]
                        faces[f, k] = index[edge_axis[e], z + edge_start[e, 0],
                                            y + edge_start[e, 1], x + edge_start[e, 2]]
                    f += 1
    return faces


@numba.njit(cache=True, nogil=True)
def mesh_volume_area(vertices: np.ndarray, faces: np.ndarray) -> tuple[float, float]:
    """(V, A): V = 1/6 sum_f a . (b x c) (signed tetrahedra to the origin), A = 1/2 sum_f |(b-a) x (c-a)|."""
    vol = 0.0
    area = 0.0
    for f in range(faces.shape[0]):
        a = vertices[faces[f, 0]]
        b = vertices[faces[f, 1]]
        c = vertices[faces[f, 2]]
        vol += (a[0] * (b[1] * c[2] - b[2] * c[1]) - a[1] * (b[0] * c[2] - b[2] * c[0])
                + a[2] * (b[0] * c[1] - b[1] * c[0]))
        u0, u1, u2 = b[0] - a[0], b[1] - a[1], b[2] - a[2]
        w0, w1, w2 = c[0] - a[0], c[1] - a[1], c[2] - a[2]
        x0, x1, x2 = u1 * w2 - u2 * w1, u2 * w0 - u0 * w2, u0 * w1 - u1 * w0
        area += np.sqrt(x0 * x0 + x1 * x1 + x2 * x2)
    return vol / 6.0, area / 2.0


def marching_cubes(mask: np.ndarray, spacing) -> tuple[np.ndarray, np.ndarray]:
    """The closed surface mesh of a binary mask.

    Parameters
    ----------
    mask : (z, y, x) array, nonzero inside
    spacing : three voxel sizes (z, y, x) in mm

    Returns
    -------
    vertices : (n, 3) float64, mm, (z, y, x), in the frame where voxel (0, 0, 0) is at the origin
    faces : (m, 3) int64 vertex ids, counter-clockwise seen from outside (normals point outward)
    """
    mask = np.asarray(mask)
    if mask.ndim != 3:
        raise ValueError(f"mask must be 3D (z, y, x), got shape {mask.shape}")
    if not mask.any():
        raise EmptyROIError("cannot build a surface mesh of an empty mask")
    sp = np.asarray(spacing, dtype=np.float64)
    if sp.shape != (3,) or not (sp > 0).all():
        raise ValueError(f"spacing must be three positive numbers (z, y, x), got {spacing}")
    padded = np.pad(mask != 0, 1).astype(np.uint8)
    index = np.full((3,) + padded.shape, -1, dtype=np.int32)
    n = _vertex_index(padded, index)
    vertices = _vertices(index, n, sp)
    faces = _faces_kernel(padded, index, *build_tables())
    return vertices, faces
