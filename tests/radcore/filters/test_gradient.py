"""Gradient magnitude: a linear ramp has a constant gradient, in mm or in voxels."""

import numpy as np
import pytest

from radcore.filters.gradient import gradient_magnitude


def test_linear_ramp():
    z, y, x = np.indices((6, 7, 8)).astype(float)
    image = 3.0 * x + 4.0 * y
    out = gradient_magnitude(image, (1.0, 2.0, 0.5), use_spacing=True)
    # d/dx = 3 per voxel / 0.5 mm = 6, d/dy = 4 / 2 mm = 2
    assert out[2:-2, 2:-2, 2:-2] == pytest.approx(np.full((2, 3, 4), np.hypot(6.0, 2.0)))
    voxels = gradient_magnitude(image, (1.0, 2.0, 0.5), use_spacing=False)
    assert voxels[2:-2, 2:-2, 2:-2] == pytest.approx(np.full((2, 3, 4), 5.0))


def test_constant_image_has_no_gradient():
    assert gradient_magnitude(np.full((3, 4, 5), 9, dtype=np.int16), (1.0, 1.0, 1.0)).max() == 0.0
