"""SLIC supervoxels (kernel against its NumPy reference) and contours randomised from them."""

from __future__ import annotations

import numpy as np
import pytest

from radcore.io.images import Volume
from radcore.kernels.supervoxels import slic_assign
from radcore.robustness.perturb import Version, perturb, versions
from radcore.robustness.supervoxels import _grid_centres, assign_reference, randomised_contours, supervoxels
from radcore.settings import PerturbationSettings


def test_the_assignment_kernel_equals_its_reference():
    rng = np.random.default_rng(0)
    image = rng.random((9, 14, 12))
    spacing = np.array([2.0, 0.8, 0.9])
    centres, side = _grid_centres(image, spacing, 12)
    centres[:, :3] += rng.uniform(-0.4, 0.4, size=(len(centres), 3))
    window = np.array([int(np.ceil(2 * side / s)) for s in spacing], dtype=np.int64)
    for weight in (0.0, 0.01, 1.0):
        labels = np.full(image.shape, -1, dtype=np.int64)
        distance = np.full(image.shape, np.inf)
        slic_assign(image, centres, window, spacing, weight, labels, distance)
        assert np.array_equal(labels, assign_reference(image, centres, window, spacing, weight))


def test_supervoxels_follow_the_edges_of_the_image():
    """Two halves of different intensity: no supervoxel crosses the edge between them."""
    image = np.zeros((12, 24, 24))
    image[:, :, 12:] = 1.0
    labels = supervoxels(image, (1.0, 1.0, 1.0), 16)
    left, right = set(np.unique(labels[:, :, :12])), set(np.unique(labels[:, :, 12:]))
    assert not left & right and len(left) > 1 and len(right) > 1
    assert labels.min() == 0 and labels.max() == len(left | right) - 1


def blob():
    grid = np.indices((20, 48, 48)).astype(float)
    r = np.sqrt((grid[0] - 10) ** 2 * 4 + (grid[1] - 24) ** 2 + (grid[2] - 24) ** 2)
    rng = np.random.default_rng(2)
    image = 40.0 + 60.0 * (r <= 10) + 20.0 * (grid[2] > 24) * (r <= 10) + rng.normal(0, 2, r.shape)
    return image, r <= 10


def test_randomised_contours_vary_around_the_roi_and_repeat_with_the_seed():
    image, inside = blob()
    spacing = (2.0, 1.0, 1.0)
    first = randomised_contours(image, inside, spacing, 4, np.random.default_rng(7))
    again = randomised_contours(image, inside, spacing, 4, np.random.default_rng(7))
    assert all(np.array_equal(a, b) for a, b in zip(first, again))
    volume = inside.sum()
    for contour in first:
        overlap = (contour & inside).sum()
        assert 0.7 * volume <= contour.sum() <= 1.3 * volume  # near the ROI, not the ROI's box
        assert overlap / (contour | inside).sum() > 0.6  # Jaccard index
    assert len({c.tobytes() for c in first}) > 1  # the repetitions differ


def test_contour_versions_in_the_settings():
    p = PerturbationSettings(rotation_angles=(0.0, 10.0), contour_randomisations=2)
    names = [v.name for v in versions(p)]
    assert names == ["none", "contour=1", "contour=2", "rot=10,contour=1", "rot=10,contour=2"]
    image, inside = blob()
    a = perturb(Volume(image, (2.0, 1.0, 1.0)), Volume(inside, (2.0, 1.0, 1.0)), Version(contour=1), p, "case\t1")
    b = perturb(Volume(image, (2.0, 1.0, 1.0)), Volume(inside, (2.0, 1.0, 1.0)), Version(contour=1), p, "case\t1")
    assert np.array_equal(a[1].array, b[1].array) and not np.array_equal(a[1].array, inside)
    assert np.array_equal(a[0].array, image)  # the image is left as it is


def test_invalid_randomisations_are_named():
    from radcore.errors import SettingsError
    from radcore.io.config import load_settings

    with pytest.raises(SettingsError, match="contour_randomisations must be >= 0"):
        load_settings({"perturbation": {"contour_randomisations": -1}})
