"""radcore.kernels.pyrad_mesh against the closed-form volume of a voxel box and of the one-voxel octahedron."""

import numpy as np
import pytest

from radcore.kernels.pyrad_mesh import mesh_volume_area


@pytest.mark.parametrize("size", [1, 2, 5])
def test_mesh_of_a_box(size):
    # a box of n^3 voxels: the n^3 cube with chamfered edges and corners (n = 1: an octahedron)
    v, a = mesh_volume_area(np.ones((size, size, size), bool), (1.0, 1.0, 1.0))
    # 12 edge prisms of cross-section 1/8 removed, corner terms fixed by the octahedron (n = 1: 1/6)
    assert v == pytest.approx(size**3 - 1.5 * size + 2.0 / 3.0)
    # translation does not change a closed mesh
    v2, a2 = mesh_volume_area(np.pad(np.ones((size, size, size), bool), ((3, 0), (1, 2), (0, 4))), (1.0, 1.0, 1.0))
    assert (v2, a2) == pytest.approx((v, a))


def test_mesh_of_one_voxel_is_an_octahedron():
    v, a = mesh_volume_area(np.ones((1, 1, 1), bool), (1.0, 1.0, 1.0))
    assert v == pytest.approx(1.0 / 6.0)
    assert a == pytest.approx(8 * np.sqrt(3) / 8)
