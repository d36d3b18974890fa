import dataclasses
import math

import numpy as np
import pytest

import radcore
from radcore.io.config import load_settings
from radcore.settings import Settings
from radcore.errors import EmptyROIError
from radcore.features import morph
from radcore.kernels.morphology import moran_geary
from radcore.roi import RoiImage
from tests.reference import CONFIGS, CT_PHANTOM, DIGITAL_PHANTOM, compare

FAMILIES = ["morph", "local_intensity"]


def roi_of(mask, image=None, spacing=(1.0, 1.0, 1.0), int_mask=None):
    mask = np.asarray(mask, bool)
    image = np.ones(mask.shape) if image is None else np.asarray(image, float)
    return RoiImage(image, mask, mask if int_mask is None else int_mask, spacing)


def test_digital_phantom_matches_ibsi_reference():
    values = radcore.extract(
        *DIGITAL_PHANTOM, config={"families": FAMILIES, "discretisation": {"method": "none"}}, naming="ibsi"
    )
    ok, bad = compare(values, "dig_phantom", prefix="morph_")
    assert not bad
    assert len(ok) == 25
    for tag in ("ombb", "mvee"):  # no reference value, but computed
        assert 0 < values[f"morph_vol_dens_{tag}"] <= 1
        assert values[f"morph_area_dens_{tag}"] > 0


def test_ct_phantom_config_c_matches_ibsi_reference():
    s = dataclasses.replace(load_settings(CONFIGS / "config_c.yaml"), families=tuple(FAMILIES))
    values = radcore.extract(*CT_PHANTOM, config=s, naming="ibsi")
    ok, bad = compare(values, "chest_config_c", prefix="morph_")
    assert [b for b in bad if not b.startswith("morph_mask_")] == []  # morph_mask_* are diagnostics
    assert len(ok) == 25


def test_feature_table_is_complete():
    assert len(morph.FEATURES) == 29
    assert len({f.ibsi_code for f in morph.FEATURES}) == 29
    for f in morph.FEATURES:
        assert f.function.__doc__ and f.ibsi_code in f.function.__doc__


def test_ellipsoid_area_approximation():
    assert morph.ellipsoid_area(2.0, 2.0, 2.0) == pytest.approx(4 * math.pi * 4)
    # the IBSI series (which the reference values follow) is not the exact surface (48.88 for 3, 2, 1)
    assert morph.ellipsoid_area(3.0, 2.0, 1.0) == pytest.approx(52.8135, abs=1e-4)
    assert morph.ellipsoid_area(1.0, 2.0, 3.0) == morph.ellipsoid_area(3.0, 2.0, 1.0)


def test_box_roi_hand_computed_values():
    mask = np.zeros((5, 6, 7), bool)
    mask[1:4, 1:5, 1:6] = True  # 3 x 4 x 5 voxels
    m = morph.describe(roi_of(mask, spacing=(2.0, 1.0, 1.0)))
    assert m.voxel_volume_sum == 120.0
    assert m.aabb == pytest.approx([6.0, 4.0, 5.0])  # vertices at the outer voxel face centres
    assert m.ombb == pytest.approx([6.0, 5.0, 4.0])
    assert m.com_shift == pytest.approx(0.0, abs=1e-12)  # constant intensity
    # voxel-centre variances: (n^2 - 1) / 12 * s^2 with divisor N - 1 (N = 60)
    expected = np.sort([(9 - 1) / 12 * 4.0, (16 - 1) / 12, (25 - 1) / 12])[::-1] * 60 / 59
    assert m.eigenvalues == pytest.approx(expected)
    assert m.hull_volume >= m.volume
    assert np.isnan(m.moran) and np.isnan(m.geary)  # constant intensities


@pytest.mark.parametrize("ddof", [0, 1])
@pytest.mark.parametrize("d", [2, 3])
def test_principal_axes_match_numpy_covariance(ddof, d):
    rng = np.random.default_rng(d + 10 * ddof)
    positions = rng.normal(size=(200, d)) * rng.random(d) * 10
    values, vectors = morph.principal_axes(positions, ddof)
    want_values, want_vectors = np.linalg.eigh(np.cov(positions, rowvar=False, ddof=ddof))
    np.testing.assert_allclose(values, want_values[::-1], rtol=1e-12)
    np.testing.assert_allclose(np.abs(vectors.T @ want_vectors[:, ::-1]), np.eye(d), atol=1e-9)
    # ddof 0 is PyRadiomics' formula to the last bit
    centred = (positions - positions.mean(axis=0)) / np.sqrt(len(positions))
    if ddof == 0:
        assert np.array_equal(values, np.sort(np.linalg.eigvals(centred.T @ centred).real)[::-1])
    assert [a.tolist() for a in morph.principal_axes(positions[:1], ddof)] == [[0.0] * d, np.eye(d).tolist()]


def test_moran_geary_grid_equals_pairwise_kernel():
    rng = np.random.default_rng(5)
    mask = rng.random((6, 7, 9)) < 0.5
    image = rng.normal(size=mask.shape) * 30 + np.arange(9)
    spacing = (2.5, 0.9, 1.2)
    pos = np.argwhere(mask) * np.array(spacing)
    expected = moran_geary(pos, image[mask])
    assert morph.moran_geary_grid(image, mask, spacing) == pytest.approx(expected, rel=1e-9)


def test_moran_geary_subsampling_only_when_set():
    rng = np.random.default_rng(6)
    mask = rng.random((8, 8, 8)) < 0.7
    image = rng.normal(size=mask.shape)
    spacing = (1.0, 1.0, 1.0)
    exact = morph.moran_geary_grid(image, mask, spacing)
    assert morph.spatial_autocorrelation(image, mask, spacing, None) == exact
    assert morph.spatial_autocorrelation(image, mask, spacing, int(mask.sum())) == exact
    estimate = morph.spatial_autocorrelation(image, mask, spacing, 100)
    assert estimate != exact
    assert morph.spatial_autocorrelation(image, mask, spacing, 100) == estimate  # seeded: reproducible
    assert estimate[1] == pytest.approx(exact[1], abs=0.3)


def test_intensity_features_use_the_intensity_mask():
    mask = np.zeros((4, 5, 5), bool)
    mask[1:3, 1:4, 1:4] = True
    image = np.where(mask, 10.0, 0.0)
    image[1, 1, 1] = 1000.0
    int_mask = mask & (image < 500)  # resegmentation drops the bright voxel
    m = morph.describe(roi_of(mask, image, int_mask=int_mask))
    assert m.mean_intensity == 10.0
    full = morph.describe(roi_of(mask, image))
    assert m.volume == full.volume and m.area == full.area  # shape from the morphological mask


def test_single_voxel_roi_gives_defined_shape_values():
    values = morph.compute(roi_of(np.ones((1, 1, 1), bool)), None, Settings())
    assert values[("volume", "")] == pytest.approx(1.0 / 6.0)
    assert values[("approximate_volume", "")] == 1.0
    assert math.isnan(values[("elongation", "")])
    assert math.isnan(values[("morans_i", "")])


def test_empty_mask_is_an_error():
    with pytest.raises(EmptyROIError, match="non-empty"):
        morph.describe(roi_of(np.zeros((2, 2, 2), bool)))
