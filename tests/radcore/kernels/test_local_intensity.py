import numpy as np
import pytest

from radcore.features.local_intensity import sphere_rows
from radcore.kernels.local_intensity import sphere_means


def reference_sphere_means(image, centres, spacing, radius):
    """Slow reference: mean of every voxel whose centre is within ``radius`` mm of the centre voxel."""
    grid = np.stack(np.meshgrid(*[np.arange(s) for s in image.shape], indexing="ij"), -1) * spacing
    out = []
    for c in centres:
        dist = np.sqrt((((grid - np.asarray(c) * spacing)) ** 2).sum(-1))
        out.append(image[dist <= radius].mean())
    return np.array(out)


@pytest.mark.parametrize(
    "shape, spacing, radius",
    [
        ((9, 10, 11), (1.0, 1.0, 1.0), 2.5),
        ((5, 12, 7), (2.0, 0.8, 1.3), 3.1),
        ((1, 8, 9), (3.0, 1.0, 1.0), 2.2),  # single slice
        ((1, 1, 1), (1.0, 1.0, 1.0), 6.2),  # single voxel
        ((6, 6, 6), (2.0, 2.0, 2.0), 6.2),  # sphere larger than the image
    ],
)
def test_sphere_means_match_reference(shape, spacing, radius):
    rng = np.random.default_rng(len(shape) + int(radius * 10))
    image = rng.normal(size=shape) * 50
    centres = np.argwhere(rng.random(shape) < 0.4)
    if len(centres) == 0:
        centres = np.zeros((1, 3), np.int64)
    centres = centres.astype(np.int64)
    rows = sphere_rows(np.array(spacing), radius)
    got = sphere_means(image, centres, rows)
    assert got == pytest.approx(reference_sphere_means(image, centres, np.array(spacing), radius), rel=1e-10)


def test_constant_image_gives_the_constant():
    image = np.full((4, 5, 6), 7.5)
    centres = np.argwhere(np.ones(image.shape, bool)).astype(np.int64)
    assert np.allclose(sphere_means(image, centres, sphere_rows((1.0, 1.0, 1.0), 2.0)), 7.5)
