"""The marching-squares contour against hand-computed shapes, its diameter against every pair of vertices and,
when installed, PyRadiomics."""

import math

import numpy as np
import pytest

from radcore.kernels.contour2d import contour

DIAG = math.sqrt(0.5)  # a diagonal segment across half a unit square


@pytest.mark.parametrize("mask, perimeter, area, diameter", [
    ([[1]], 4 * DIAG, 0.5, 1.0),                                  # a diamond
    ([[1, 1], [1, 1]], 4 * DIAG + 4, 3.5, math.hypot(2, 1)),      # an octagon
    ([[1, 0], [0, 1]], 8 * DIAG, 1.0, math.hypot(2, 1)),          # a saddle: two diamonds, not joined
    ([[1, 1, 1]], 4 * DIAG + 4, 2.5, 3.0),
])
def test_hand_computed_shapes(mask, perimeter, area, diameter):
    assert contour(np.array(mask, bool), (1.0, 1.0)) == pytest.approx((perimeter, area, diameter), rel=1e-12)


def test_spacing_scales_lengths_and_areas():
    mask = np.array([[1, 1, 0], [0, 1, 1]], bool)
    p, a, d = contour(mask, (1.0, 1.0))
    p2, a2, d2 = contour(mask, (2.0, 2.0))
    assert (p2, a2, d2) == pytest.approx((2 * p, 4 * a, 2 * d))
    _, a3, _ = contour(mask, (0.5, 3.0))
    assert a3 == pytest.approx(1.5 * a)


def test_a_disk_approaches_pi_r_squared():
    y, x = np.indices((201, 201))
    disk = (y - 100) ** 2 + (x - 100) ** 2 <= 90**2
    p, a, d = contour(disk, (1.0, 1.0))
    assert a == pytest.approx(math.pi * 90**2, rel=2e-3)
    assert 2 * math.pi * 90 < p < 1.09 * 2 * math.pi * 90  # eight directions overestimate a circle's length
    assert d == pytest.approx(181.0, abs=1.0)


def test_agrees_with_pyradiomics_on_random_masks():
    shape2D = pytest.importorskip("radiomics.shape2D")
    import SimpleITK as sitk

    rng = np.random.default_rng(3)
    for _ in range(60):
        mask = rng.random(tuple(rng.integers(1, 14, 2))) < rng.uniform(0.3, 0.9)
        if not mask.any():
            continue
        spacing = tuple(rng.uniform(0.3, 2.0, 2))
        image = sitk.GetImageFromArray(mask[None].astype(np.uint8))
        image.SetSpacing((spacing[1], spacing[0], 2.0))
        ref = shape2D.RadiomicsShape2D(image, image, force2D=True, force2Ddimension=0)
        assert contour(mask, spacing) == pytest.approx((ref.Perimeter, ref.Surface, ref.Diameter), rel=1e-9)


def reference_diameter(mask, spacing):
    """Slow reference: every pair of contour vertices (midpoints of the pixel pairs that differ, padded)."""
    m = np.pad(np.asarray(mask, bool), 1)
    sy, sx = spacing
    across = np.argwhere(m[:, :-1] != m[:, 1:])  # (i, j) | (i, j + 1)
    down = np.argwhere(m[:-1] != m[1:])  # (i, j) | (i + 1, j)
    vertices = np.concatenate([np.stack([across[:, 0] * sy, (across[:, 1] + 0.5) * sx], axis=1),
                               np.stack([(down[:, 0] + 0.5) * sy, down[:, 1] * sx], axis=1)])
    best = 0.0
    for p in range(len(vertices)):
        d = vertices[p + 1:] - vertices[p]
        if len(d):
            best = max(best, float((d[:, 0] * d[:, 0] + d[:, 1] * d[:, 1]).max()))
    return np.sqrt(best)


@pytest.mark.parametrize("seed", range(5))
def test_diameter_is_the_largest_vertex_distance(seed):
    rng = np.random.default_rng(seed)
    mask = rng.random(tuple(int(n) for n in rng.integers(1, 12, 2))) < 0.5
    spacing = tuple(float(s) for s in rng.random(2) + 0.3)
    assert contour(mask, spacing)[2] == reference_diameter(mask, spacing)
