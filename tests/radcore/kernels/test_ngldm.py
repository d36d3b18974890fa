"""radcore.kernels.ngldm against reference_zones (and, with ngtdm, against reference_pyrad_neighbours)."""

import numpy as np
import pytest

from radcore.errors import InvalidImageError
from radcore.kernels import ngldm, ngtdm
from radcore.pyradiomics.features import angles
from tests.radcore.kernels import reference_zones as ref
from tests.radcore.kernels.reference_pyrad_neighbours import neighbourhood_counts
from tests.radcore.kernels.reference_texture import seeded_levels


@pytest.mark.parametrize("distance", [(1, 1, 1), (0, 1, 1), (0, 2, 2)])
@pytest.mark.parametrize("alpha", [0.0, 1.0, 1.5])
@pytest.mark.parametrize("shape", ref.SHAPES)
def test_matches_reference(shape, distance, alpha):
    levels = ref.random_levels(np.random.default_rng(9), shape, 4)
    got = ngldm.ngldm_by_slice(levels, 4, distance, alpha)
    assert np.array_equal(got, ref.ngldm_by_slice(levels, 4, distance, alpha))


def test_hand_example():
    levels = np.array([[[1, 1, 2], [1, 1, 2], [3, 3, 3]]], np.int32)
    m = ngldm.ngldm(levels, 3, (0, 1, 1))
    assert m.shape == (3, 9)
    assert m[:, :4].tolist() == [[0, 0, 0, 4], [0, 2, 0, 0], [0, 2, 1, 0]]
    assert not m[:, 4:].any()


def test_flat_roi_and_single_voxel():
    m = ngldm.ngldm(np.ones((1, 1, 1), np.int32), 1)
    assert m[0, 0] == 1 and m.sum() == 1
    m = ngldm.ngldm(np.ones((3, 3, 3), np.int32), 1)
    assert m[0, 26] == 1 and m.sum() == 27  # only the centre voxel sees all 26 neighbours


def test_errors():
    with pytest.raises(InvalidImageError, match="alpha"):
        ngldm.ngldm(np.ones((1, 2, 2), np.int32), 1, (1, 1, 1), -1.0)


def test_box_neighbourhood_agrees_with_shared_kernels():
    # PyRadiomics' neighbourhood (reference) over the 3x3x3 box against ngldm, and ngtdm alongside
    levels = seeded_levels((4, 6, 5), 2, n_levels=4, nonempty=False)
    offsets = angles((1,), levels.shape, bidirectional=True)
    dep, n, s = neighbourhood_counts(levels, 4, offsets, 0)
    np.testing.assert_allclose(ngldm.ngldm(levels, 4, (1, 1, 1), 0.0), dep[:, : ngldm.ngldm(levels, 4).shape[1]])
    np.testing.assert_allclose(ngtdm.ngtdm(levels, 4, (1, 1, 1))[0], s)
