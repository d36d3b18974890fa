import numpy as np
import pytest

from radcore.io.images import Volume

DIRECTION = (0.0, 1.0, 0.0, -1.0, 0.0, 0.0, 0.0, 0.0, 1.0)  # rotated 90 degrees in-plane


@pytest.fixture
def case() -> tuple[Volume, Volume]:
    """A small int16 image, rotated in-plane, with label 1 (160 voxels) and label 4 (3 voxels)."""
    shape = (20, 30, 40)
    rng = np.random.default_rng(1)
    image = rng.integers(-1000, 1000, shape).astype(np.int16)
    mask = np.zeros(shape, np.uint8)
    mask[5:9, 10:20, 3:7] = 1
    mask[15, 2, 30:33] = 4
    geometry = dict(spacing=(3.0, 0.5, 0.7), origin=(10.0, -20.0, 5.0), direction=DIRECTION)
    return Volume(image, **geometry), Volume(mask, **geometry)
