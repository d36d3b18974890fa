import numpy as np
import pytest

from radcore.errors import InvalidImageError
from radcore.kernels import ngtdm
from tests.radcore.kernels import reference_zones as ref


@pytest.mark.parametrize("distance", [(1, 1, 1), (0, 1, 1), (0, 2, 2), (2, 1, 1)])
@pytest.mark.parametrize("shape", ref.SHAPES)
@pytest.mark.parametrize("fill", [0.6, 1.0])
def test_matches_reference(shape, distance, fill):
    levels = ref.random_levels(np.random.default_rng(5), shape, 5, fill)
    s, n = ngtdm.ngtdm_by_slice(levels, 5, distance)
    s_ref, n_ref = ref.ngtdm_by_slice(levels, 5, distance)
    assert np.allclose(s, s_ref, rtol=1e-12, atol=1e-12)
    assert np.array_equal(n, n_ref)


def test_hand_example():
    s, n = ngtdm.ngtdm(np.array([[[1, 2, 3]]], np.int32), 3, (0, 1, 1))
    assert s.tolist() == [1.0, 0.0, 1.0] and n.tolist() == [1.0, 1.0, 1.0]


def test_isolated_voxels_are_left_out():
    levels = np.array([[[1, 0, 2]]], np.int32)
    s, n = ngtdm.ngtdm(levels, 2, (1, 1, 1))
    assert not s.any() and not n.any()
    s, n = ngtdm.ngtdm(np.ones((1, 1, 1), np.int32), 1)
    assert not n.any()


def test_flat_roi_has_zero_differences():
    s, n = ngtdm.ngtdm(np.full((2, 3, 4), 3, np.int32), 3)
    assert not s.any() and n.tolist() == [0, 0, 24]


def test_errors():
    with pytest.raises(InvalidImageError, match="n_levels=2"):
        ngtdm.ngtdm(np.full((1, 2, 2), 3, np.int32), 2)
    with pytest.raises(InvalidImageError, match="not all 0"):
        ngtdm.ngtdm(np.ones((1, 2, 2), np.int32), 1, (0, 0, 0))
    with pytest.raises(InvalidImageError, match="three integers"):
        ngtdm.ngtdm(np.ones((1, 2, 2), np.int32), 1, 1)
