"""The in-plane bilinear affine kernel against scipy.ndimage.affine_transform (order 1), its reference."""

import numpy as np
import pytest
from scipy import ndimage

from radcore.kernels.rotate import affine_planes_linear


@pytest.mark.parametrize("mode", ["nearest", "constant"])
@pytest.mark.parametrize("angle, shift, shape", [(17.0, (0.3, -1.2), (9, 7)), (-90.0, (0.0, 0.0), (6, 6)),
                                                 (45.0, (4.5, -3.0), (12, 20)), (0.0, (0.25, 0.5), (5, 8))])
def test_equals_scipy_order_1(mode, angle, shift, shape):
    rng = np.random.default_rng(0)
    data = rng.normal(size=(3, 11, 13))
    theta = np.radians(angle)
    matrix = np.array([[np.cos(theta), np.sin(theta)], [-np.sin(theta), np.cos(theta)]]) @ np.diag([1.0, 0.8])
    offset = np.array(shift) + np.array([2.0, 1.0])
    out = np.empty((3, *shape))
    affine_planes_linear(data, matrix, offset, mode == "constant", out)
    for k in range(3):
        expected = ndimage.affine_transform(data[k], matrix, offset, output_shape=shape, order=1, mode=mode)
        assert np.allclose(out[k], expected, atol=1e-12), k
