"""Each perturbation does what it says, on spheres and noise of known level."""

from __future__ import annotations

import numpy as np
import pytest

from radcore.errors import EmptyROIError, SettingsError
from radcore.io.images import Volume
from radcore.robustness.perturb import UNPERTURBED, Version, adapt_volume, estimate_noise, perturb, versions
from radcore.settings import PerturbationSettings


def sphere(radius: float, shape=(40, 48, 48), spacing=(1.0, 1.0, 1.0), centre=None) -> tuple[Volume, Volume]:
    centre = np.array(shape) / 2.0 - 0.3 if centre is None else np.asarray(centre)
    grid = np.indices(shape).astype(float)
    r = np.sqrt(sum(((g - c) * s) ** 2 for g, c, s in zip(grid, centre, spacing)))
    inside = r <= radius
    image = 100.0 + 50.0 * inside + grid[2]  # a gradient, so rotations and translations change values
    return Volume(image, spacing), Volume(inside, spacing)


def test_versions_are_the_product_with_none_first():
    p = PerturbationSettings(rotation_angles=(-10.0, 0.0, 10.0), translations=(0.0, 0.5),
                             volume_adaptations=(-0.2, 0.0, 0.2), noise_repetitions=2)
    names = [v.name for v in versions(p)]
    assert names[0] == UNPERTURBED and len(names) == len(set(names))
    assert len(names) == 3 * 2 ** 3 * 3 * 2 + 1  # noisy versions only, plus none
    assert "rot=-10,tx=0.5,tz=0.5,vol=+0.2,noise=2" in names
    assert [v.name for v in versions(PerturbationSettings())] == [UNPERTURBED]


@pytest.mark.parametrize("angle", [15.0, 30.0, 45.0, 90.0, -60.0])
def test_a_rotated_sphere_keeps_its_volume(angle):
    image, mask = sphere(12.0, spacing=(2.0, 0.8, 0.8))
    p = PerturbationSettings(rotation_angles=(angle,))
    _, rotated = perturb(image, mask, Version(rotation=angle), p, "case\t1")
    assert abs(int(rotated.array.sum()) - int(mask.array.sum())) <= 0.01 * mask.array.sum()


def test_rotation_turns_the_image_about_the_roi():
    image, mask = sphere(8.0)
    p = PerturbationSettings(rotation_angles=(90.0,))
    moved, _ = perturb(image, mask, Version(rotation=90.0), p, "k")
    # the x gradient becomes a y gradient: along y the values change, along x they do not
    centre = tuple(int(c) for c in np.array(image.array.shape) // 2)
    column = moved.array[centre[0], :, centre[2]]
    row = moved.array[centre[0], centre[1], 34:44]  # outside the sphere
    assert np.ptp(row) < 1e-6 and np.ptp(column[34:44]) > 5


def test_translation_shifts_by_a_fraction_of_a_voxel():
    image, mask = sphere(8.0)
    p = PerturbationSettings(translations=(0.3,))
    moved, shifted = perturb(image, mask, Version(translation=(0.3, 0.0, 0.0)), p, "k")
    # the x gradient 0.3 voxel on, away from the sphere (z < 8) and the borders
    assert np.allclose(moved.array[:8, :, 5:-5], image.array[:8, :, 5:-5] + 0.3)
    assert abs(int(shifted.array.sum()) - int(mask.array.sum())) <= 0.02 * mask.array.sum()


@pytest.mark.parametrize("fraction", [0.2, -0.2, 0.5, -0.5])
def test_volume_adaptation_changes_the_count_by_the_fraction(fraction):
    _, mask = sphere(10.0, spacing=(1.5, 1.0, 1.0))
    v = int(mask.array.sum())
    out = adapt_volume(mask.array, mask.spacing, fraction, np.random.default_rng(0))
    assert int(out.sum()) == round(v * (1 + fraction))
    # a growth keeps every voxel and adds a shell around it; a shrinkage keeps a core
    if fraction > 0:
        assert out[mask.array].all()
    else:
        assert not out[~mask.array].any()


def test_growth_by_20_percent_is_within_one_shell_of_a_sphere_of_that_volume():
    image, mask = sphere(10.0)
    p = PerturbationSettings(volume_adaptations=(0.2,))
    _, grown = perturb(image, mask, Version(adaptation=0.2), p, "k")
    v0, v1 = int(mask.array.sum()), int(grown.array.sum())
    shell = int(sphere(10.0 * 1.2 ** (1 / 3) + 1)[1].array.sum()) - int(sphere(10.0 * 1.2 ** (1 / 3))[1].array.sum())
    assert abs(v1 - 1.2 * v0) <= shell
    # the grown ROI is (nearly) a sphere: every added voxel lies within one voxel of the target radius
    grid = np.indices(mask.array.shape).astype(float)
    r = np.sqrt(sum((g - c) ** 2 for g, c in zip(grid, np.array(mask.array.shape) / 2.0 - 0.3)))
    assert r[grown.array & ~mask.array].max() <= 10.0 * 1.2 ** (1 / 3) + 1.0


def test_noise_has_the_requested_level():
    image, mask = sphere(8.0)
    p = PerturbationSettings(noise_repetitions=1, noise_level=7.5)
    noisy, same = perturb(image, mask, Version(noise=1), p, "k")
    added = noisy.array - image.array
    assert abs(added.std() - 7.5) < 0.05 * 7.5 and abs(added.mean()) < 0.1
    assert np.array_equal(same.array, mask.array)


def test_estimated_noise_is_the_noise_of_the_image():
    rng = np.random.default_rng(3)
    smooth, _ = sphere(10.0)
    for sigma in (2.0, 20.0):
        noisy = smooth.array + rng.normal(0.0, sigma, smooth.array.shape)
        assert estimate_noise(noisy) == pytest.approx(sigma, rel=0.05)


def test_same_seed_same_versions_another_seed_others():
    image, mask = sphere(8.0)
    p = PerturbationSettings(rotation_angles=(0.0, 20.0), volume_adaptations=(0.0, 0.1), noise_repetitions=2)
    other = PerturbationSettings(rotation_angles=(0.0, 20.0), volume_adaptations=(0.0, 0.1), noise_repetitions=2,
                                 seed=1)
    for version in versions(p)[1:]:
        a = perturb(image, mask, version, p, "case\t1")
        b = perturb(image, mask, version, p, "case\t1")
        assert np.array_equal(a[0].array, b[0].array) and np.array_equal(a[1].array, b[1].array)
    noisy = Version(noise=1)
    assert not np.array_equal(perturb(image, mask, noisy, p, "case\t1")[0].array,
                              perturb(image, mask, noisy, other, "case\t1")[0].array)
    assert not np.array_equal(perturb(image, mask, noisy, p, "case\t1")[0].array,
                              perturb(image, mask, Version(noise=2), p, "case\t1")[0].array)


def test_unperturbed_is_the_input():
    image, mask = sphere(5.0)
    assert perturb(image, mask, Version(), PerturbationSettings(), "k") == (image, mask)


def test_shrinking_a_tiny_roi_to_nothing_fails():
    image, mask = sphere(0.6)
    assert mask.array.sum() == 1
    p = PerturbationSettings(volume_adaptations=(-0.6,))
    with pytest.raises(EmptyROIError, match="leaves no voxel"):
        perturb(image, mask, Version(adaptation=-0.6), p, "k")
    assert perturb(image, mask, Version(adaptation=-0.4), p, "k")[1].array.sum() == 1  # round(0.6) = 1


def test_rotation_without_interpolation():
    image, mask = sphere(6.0, spacing=(2.0, 1.0, 1.0))
    p = PerturbationSettings(rotation_angles=(0.0, 90.0, 15.0), interpolate=False)
    with pytest.raises(SettingsError, match="needs interpolation"):
        perturb(image, mask, Version(rotation=15.0), p, "k")
    _, turned = perturb(image, mask, Version(rotation=90.0), p, "k")
    assert int(turned.array.sum()) == int(mask.array.sum())  # a quarter turn about a voxel moves voxels only
    with pytest.raises(SettingsError, match="not square"):
        perturb(*sphere(6.0, spacing=(1.0, 1.0, 0.7)), Version(rotation=90.0), p, "k")


@pytest.mark.parametrize("fraction", [0.1, 0.5, 3.0, -0.3, -0.9])
def test_volume_adaptation_takes_the_nearest_voxels_first(fraction):
    """Against the distances over the whole array: no voxel left out is nearer to the border than one
    taken (growths beyond the bounding box's shell, such as 3x, take the whole array's route)."""
    from scipy import ndimage

    _, mask = sphere(6.0, shape=(30, 40, 44), spacing=(2.0, 0.7, 0.7))
    inside = mask.array.copy()
    inside[10:14, 18:22, 5:30] = True  # an arm: not a sphere
    spacing = mask.spacing
    out = adapt_volume(inside, spacing, fraction, np.random.default_rng(1))
    assert int(out.sum()) == round(int(inside.sum()) * (1 + fraction))
    if fraction > 0:
        distance = ndimage.distance_transform_edt(~inside, sampling=spacing)
        taken, left = out & ~inside, ~out
    else:
        distance = ndimage.distance_transform_edt(inside, sampling=spacing)
        taken, left = inside & ~out, out
    assert distance[taken].max() <= distance[left].min() + 1e-9


@pytest.mark.parametrize("order", [0, 1, 3])
def test_rotation_and_translation_equal_one_3d_affine_transform(order):
    """The separable transform (z shift, then each slice in 2D) against scipy's 3D affine transform."""
    from scipy import ndimage

    image, mask = sphere(7.0, shape=(24, 40, 36), spacing=(2.5, 0.8, 0.8))
    rng = np.random.default_rng(0)
    image = Volume(image.array + rng.normal(0, 5, image.array.shape), image.spacing)
    version = Version(rotation=25.0, translation=(0.3, -0.2, 0.4))
    p = PerturbationSettings(rotation_angles=(25.0,), translations=(0.3, -0.2, 0.4), image_order=order,
                             mask_order=1 if order == 0 else order)
    moved, moved_mask = perturb(image, mask, version, p, "k")
    spacing = np.array(image.spacing)
    theta = np.radians(25.0)
    rotation = np.array([[1, 0, 0], [0, np.cos(theta), np.sin(theta)], [0, -np.sin(theta), np.cos(theta)]])
    matrix = np.diag(1 / spacing) @ rotation @ np.diag(spacing)
    centre = np.array([c.mean() for c in np.nonzero(mask.array)])
    offset = centre + np.array([0.4, -0.2, 0.3]) - matrix @ centre
    expected = ndimage.affine_transform(image.array, matrix, offset, order=order, mode="nearest")
    share = ndimage.affine_transform(mask.array.astype(float), matrix, offset, order=p.mask_order, mode="constant")
    # near the edges the two differ in how the boundary extends (and, for cubic splines, in the prefilter's
    # boundary, whose influence fades by a factor 0.27 a voxel)
    edge = 2 if order < 3 else 9
    inner = (slice(edge, -edge),) * 3
    assert np.allclose(moved.array[inner], expected[inner], atol=1e-3 if order == 3 else 1e-9)
    assert np.array_equal(moved_mask.array, share >= 0.5 - 1e-9)


@pytest.mark.parametrize("angle", [5.0, 15.0, 45.0, 90.0, -30.0])
def test_the_margin_holds_every_rotated_roi(angle):
    """The crop a worker reads (the ROI's box grown by :func:`margin_mm`) holds the ROI rotated by any of
    the angles: an elongated ROI rotated about its centroid stays inside."""
    from radcore.robustness.perturb import margin_mm

    shape, spacing = (12, 80, 80), (3.0, 0.9, 0.9)
    inside = np.zeros(shape, dtype=bool)
    inside[4:8, 34:46, 22:58] = True  # 10.8 x 32.4 mm in-plane
    extent = (4 * 3.0, 12 * 0.9, 36 * 0.9)  # (z, y, x) mm, as the worker computes it from the stored box
    extra = margin_mm(PerturbationSettings(rotation_angles=(angle,)), extent, spacing)
    reach = [int(np.ceil(extra / s)) for s in spacing]
    image = Volume(np.zeros(shape), spacing)
    _, rotated = perturb(image, Volume(inside, spacing), Version(rotation=angle),
                         PerturbationSettings(rotation_angles=(angle,)), "k")
    ys, xs = np.nonzero(rotated.array.any(axis=0))
    assert ys.min() >= 34 - reach[1] - 1 and ys.max() <= 45 + reach[1] + 1
    assert xs.min() >= 22 - reach[2] - 1 and xs.max() <= 57 + reach[2] + 1
