from collections import Counter

import numpy as np
import pytest

from radcore.errors import EmptyROIError
from radcore.kernels.mesh import _faces, build_tables, marching_cubes, mesh_volume_area

measure = pytest.importorskip("skimage.measure")


def reference_vertices(mask, spacing):
    """Slow reference: midpoints of every face-adjacent (inside, outside) voxel pair of the padded mask."""
    p = np.pad(mask.astype(bool), 1)
    out = []
    for axis in range(3):
        a = np.swapaxes(p, 0, axis)
        idx = np.argwhere(a[:-1] != a[1:]).astype(float)
        idx[:, 0] += 0.5
        idx[:, [0, axis]] = idx[:, [axis, 0]]
        out.append(idx)
    return (np.vstack(out) - 1.0) * np.asarray(spacing)


def skimage_volume_area(mask, spacing):
    verts, faces, _, _ = measure.marching_cubes(np.pad(mask, 1).astype(float), 0.5, spacing=spacing)
    tri = verts[faces].astype(np.float64)
    vol = abs(np.einsum("ij,ij->i", tri[:, 0], np.cross(tri[:, 1], tri[:, 2])).sum()) / 6.0
    return vol, measure.mesh_surface_area(verts, faces)


def closed_and_oriented(faces):
    edges = Counter()
    for a, b, c in faces:
        for e in ((a, b), (b, c), (c, a)):
            edges[e] += 1
    return max(edges.values()) == 1 and all((b, a) in edges for a, b in edges)


def has_ambiguous_face(config):
    inside = [(config >> c) & 1 for c in range(8)]
    return any([inside[r] for r in ring] in ([1, 0, 1, 0], [0, 1, 0, 1]) for _, ring in _faces())


def test_single_voxel_is_an_octahedron():
    sz, sy, sx = 2.0, 1.0, 3.0
    verts, faces = marching_cubes(np.ones((1, 1, 1), bool), (sz, sy, sx))
    assert len(verts) == 6 and len(faces) == 8
    vol, area = mesh_volume_area(verts, faces)
    a, b, c = sz / 2, sy / 2, sx / 2
    assert vol == pytest.approx(4.0 / 3.0 * a * b * c)  # positive: normals point outward
    assert area == pytest.approx(8 * 0.5 * np.sqrt((a * b) ** 2 + (b * c) ** 2 + (a * c) ** 2))


@pytest.mark.parametrize("shape", [(1, 1, 1), (1, 5, 4), (3, 1, 6), (4, 5, 6), (7, 3, 2)])
def test_random_masks_give_closed_consistent_meshes(shape):
    rng = np.random.default_rng(sum(shape))
    for _ in range(5):
        mask = rng.random(shape) < rng.uniform(0.3, 0.9)
        if not mask.any():
            continue
        spacing = rng.uniform(0.5, 3.0, 3)
        verts, faces = marching_cubes(mask, spacing)
        assert closed_and_oriented(faces)
        assert np.unique(faces).size == len(verts)  # every vertex is used
        ref = reference_vertices(mask, spacing)
        assert sorted(map(tuple, np.round(verts, 9))) == sorted(map(tuple, np.round(ref, 9)))
        assert mesh_volume_area(verts, faces)[0] > 0


def test_unambiguous_cube_configurations_match_skimage():
    """Every configuration of one cube without a face ambiguity gives the classic surface."""
    checked = 0
    for config in range(1, 255):
        if has_ambiguous_face(config):
            continue
        block = np.array([(config >> c) & 1 for c in range(8)], bool).reshape(2, 2, 2)
        vol, area = mesh_volume_area(*marching_cubes(block, (1.0, 1.0, 1.0)))
        ref_vol, ref_area = skimage_volume_area(block, (1.0, 1.0, 1.0))
        assert vol == pytest.approx(ref_vol, abs=1e-5) and area == pytest.approx(ref_area, abs=1e-5)
        checked += 1
    assert checked == 134


def test_smooth_roi_touching_the_border_matches_skimage():
    z, y, x = np.mgrid[:12, :15, :18]
    mask = ((z - 6) / 7.0) ** 2 + ((y - 7) / 5.0) ** 2 + ((x - 9) / 8.0) ** 2 < 1  # cut by the borders
    spacing = (2.0, 0.8, 1.1)
    vol, area = mesh_volume_area(*marching_cubes(mask, spacing))
    ref_vol, ref_area = skimage_volume_area(mask, spacing)
    assert vol == pytest.approx(ref_vol, rel=1e-6)
    assert area == pytest.approx(ref_area, rel=1e-6)


def test_flat_roi_and_translation():
    mask = np.zeros((1, 6, 6), bool)
    mask[0, 1:5, 1:4] = True
    v1 = mesh_volume_area(*marching_cubes(mask, (1.0, 1.0, 1.0)))
    v2 = mesh_volume_area(*marching_cubes(np.pad(mask, ((3, 0), (0, 2), (1, 1))), (1.0, 1.0, 1.0)))
    assert v1 == pytest.approx(v2)
    assert v1[0] == pytest.approx(skimage_volume_area(mask, (1.0, 1.0, 1.0))[0])


def test_table_has_at_most_five_triangles_per_cube():
    counts = build_tables()[1]
    assert counts[0] == 0 and counts[255] == 0
    assert counts.max() <= 5


def test_errors_name_the_problem():
    with pytest.raises(EmptyROIError, match="empty mask"):
        marching_cubes(np.zeros((2, 2, 2), bool), (1, 1, 1))
    with pytest.raises(ValueError, match="spacing"):
        marching_cubes(np.ones((2, 2, 2), bool), (1, 1))
    with pytest.raises(ValueError, match="3D"):
        marching_cubes(np.ones((2, 2), bool), (1, 1, 1))


def test_volume_area_kernel_matches_numpy():
    rng = np.random.default_rng(9)
    verts, faces = marching_cubes(rng.random((4, 6, 5)) < 0.6, (1.5, 0.7, 2.0))
    tri = verts[faces]
    ref_vol = np.einsum("ij,ij->i", tri[:, 0], np.cross(tri[:, 1], tri[:, 2])).sum() / 6.0
    ref_area = np.linalg.norm(np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0]), axis=1).sum() / 2.0
    assert mesh_volume_area(verts, faces) == pytest.approx((ref_vol, ref_area), rel=1e-12)
