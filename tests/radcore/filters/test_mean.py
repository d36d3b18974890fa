"""IBSI-2 mean filter against scipy.ndimage.uniform_filter."""

import numpy as np
import pytest
from scipy import ndimage

from radcore.errors import SettingsError
from radcore.filters.mean import mean_filter

MODES = {"zero": "constant", "nearest": "nearest", "periodic": "wrap", "mirror": "reflect"}


@pytest.mark.parametrize("boundary", list(MODES))
def test_3d_and_2d_against_uniform_filter(boundary):
    x = np.random.default_rng(0).normal(size=(5, 8, 9))
    expected = ndimage.uniform_filter(x, 5, mode=MODES[boundary])
    np.testing.assert_allclose(mean_filter(x, 5, "3D", boundary), expected, rtol=1e-12, atol=1e-12)
    by_slice = ndimage.uniform_filter(x, (1, 3, 3), mode=MODES[boundary])
    np.testing.assert_allclose(mean_filter(x, 3, "2D", boundary), by_slice, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("size", [0, 4, -3])
def test_size_must_be_positive_and_odd(size):
    with pytest.raises(SettingsError, match="positive odd"):
        mean_filter(np.zeros((3, 3, 3)), size)
