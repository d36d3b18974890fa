"""Local binary patterns: hand-computed 2D codes, scikit-image's as reference, the 3D spherical-harmonics
LBP against a direct evaluation of its formula."""

import math

import numpy as np
import pytest

from radcore.filters import lbp


def test_lbp2d_hand_computed():
    image = np.zeros((1, 3, 3))
    image[0, 1, 2] = 5.0  # the neighbour at angle 0 (same row, next column) of the centre
    out = lbp.lbp_2d(image, radius=1.0, samples=4, method="default", axis=0)
    # centre 0: every neighbour >= 0 -> 0b1111
    assert out[0, 1, 1] == 15
    # the bright pixel: only samples >= 5 count; its neighbours are 0 (inside) or 0 (outside the plane)
    assert out[0, 1, 2] == 0
    uniform = lbp.lbp_2d(image, 1.0, 4, "uniform", 0)
    assert uniform[0, 1, 1] == 4


@pytest.mark.parametrize("method", ["default", "ror", "uniform", "var"])
def test_lbp2d_matches_scikit_image(method):
    skimage_feature = pytest.importorskip("skimage.feature")
    image = np.random.default_rng(0).integers(0, 6, size=(3, 9, 11)).astype(float)
    out = lbp.lbp_2d(image, radius=1.0, samples=8, method=method, axis=0)
    for i in range(3):
        np.testing.assert_allclose(out[i], skimage_feature.local_binary_pattern(image[i], 8, 1.0, method), atol=1e-9)
    across_x = lbp.lbp_2d(image, 2.0, 12, method, axis=2)
    np.testing.assert_allclose(
        across_x[:, :, 4], skimage_feature.local_binary_pattern(image[:, :, 4], 12, 2.0, method), atol=1e-9
    )


def test_icosphere_vertices():
    for sub, count in ((0, 12), (1, 42), (2, 162)):
        v = lbp.icosphere(sub, 2.0)
        assert v.shape == (count, 3)
        np.testing.assert_allclose(np.linalg.norm(v, axis=1), 2.0)


def test_lbp3d_of_a_constant_image():
    image = np.zeros((5, 5, 5))  # exactly 0 after spline interpolation: every sample >= the centre
    mask = np.zeros(image.shape, bool)
    mask[2, 2, 2] = True
    out = dict(lbp.lbp_3d(image, mask, levels=2))
    assert list(out) == ["lbp-3D-m1", "lbp-3D-m2", "lbp-3D-k"]
    # every sample equals the centre: b_v = 1, c_00 = Nv Y00, LBP_0 = sqrt(Nv (Nv Y00^2)^2) = Nv^1.5 / (4 pi)
    assert out["lbp-3D-m1"][2, 2, 2] == pytest.approx(42**1.5 / (4 * math.pi))
    assert out["lbp-3D-m1"][0, 0, 0] == 0.0


def test_lbp3d_against_direct_formula():
    from scipy.ndimage import map_coordinates
    from scipy.special import sph_harm_y

    rng = np.random.default_rng(5)
    image = rng.normal(size=(6, 7, 8))
    mask = np.zeros(image.shape, bool)
    mask[2:4, 3, 3:6] = True
    out = dict(lbp.lbp_3d(image, mask, levels=3, radius=1.0, subdivision=1))
    verts = lbp.icosphere(1, 1.0)
    first = np.arccos(verts[:, 2])
    second = np.arctan2(verts[:, 1], verts[:, 0])
    for z, y, x in zip(*np.nonzero(mask)):
        pts = np.array([z, y, x]) + verts
        samples = map_coordinates(image, pts.T, order=3)
        b = (samples >= image[z, y, x]).astype(float)
        for n in range(3):
            # PyRadiomics' call order puts arccos(z) in the azimuth slot and atan2(y, x) in the polar slot
            ys = np.array([sph_harm_y(n, m, second, first) for m in range(-n, n + 1)])  # (2n+1, Nv)
            c = ys @ b
            f = c @ ys
            assert out[f"lbp-3D-m{n + 1}"][z, y, x] == pytest.approx(np.real(np.sqrt(np.sum(f**2))), rel=1e-9)
        d = samples - samples.mean()
        assert out["lbp-3D-k"][z, y, x] == pytest.approx((d**4).mean() / (d**2).mean() ** 2 - 3)
