"""Voxel feature maps of the IBSI profile (:mod:`radcore.profiles.ibsi_maps`).

The independent check: at a voxel c, every map's value is what ``radcore.extract`` gives for the mask
N(c), the ROI cut to the box around c, with the same settings. The maps discretise once over the whole ROI
and ``extract`` over N(c) alone; the image is built so that both agree at the voxels checked: voxels with
every index even hold the ROI's minimum, with every index odd its maximum, so every box of half width >= 1
that keeps both holds the ROI's range and its highest grey level.
"""

import numpy as np
import pytest
import SimpleITK as sitk

import radcore
from radcore.profiles.ibsi_maps import MAPPED_FAMILIES

SHAPE = (7, 9, 10)
LOW, HIGH = 0.0, 100.0


def synthetic_case(spacing=(1.0, 1.0, 1.0)):
    """(image, mask) SimpleITK images: an irregular ROI (an ellipsoid with a bite out of it) and intensities
    LOW at all-even indices, HIGH at all-odd ones, random integers between elsewhere."""
    rng = np.random.default_rng(7)
    image = rng.integers(10, 91, SHAPE).astype(np.float64)
    z, y, x = np.indices(SHAPE)
    image[(z % 2 == 0) & (y % 2 == 0) & (x % 2 == 0)] = LOW
    image[(z % 2 == 1) & (y % 2 == 1) & (x % 2 == 1)] = HIGH
    roi = ((z - 3) / 3.2) ** 2 + ((y - 4) / 4.2) ** 2 + ((x - 4.5) / 4.6) ** 2 <= 1.0
    roi &= ~((z >= 4) & (y <= 2) & (x >= 6))
    images = [sitk.GetImageFromArray(a) for a in (image, roi.astype(np.uint8))]
    for img in images:
        img.SetSpacing(tuple(float(s) for s in spacing[::-1]))
        img.SetOrigin((5.0, -3.0, 2.0))
    return images[0], images[1], image, roi


def neighbourhood(roi, c, radii):
    box = tuple(slice(max(a - r, 0), a + r + 1) for a, r in zip(c, radii))
    out = np.zeros_like(roi)
    out[box] = roi[box]
    return out


def checked_voxels(image, roi, radii):
    """ROI voxels whose neighbourhood holds the ROI's minimum and maximum, among them some at the ROI's
    edge (the box holds voxels outside the ROI) and some at the image's border."""
    found = []
    for c in map(tuple, np.argwhere(roi)):
        near = neighbourhood(roi, c, radii)
        if image[near].min() == LOW and image[near].max() == HIGH:
            found.append(c)
    edge = [c for c in found if neighbourhood(roi, c, radii).sum() < np.prod([2 * r + 1 for r in radii])]
    border = [c for c in found if 0 in c or any(a == n - 1 for a, n in zip(c, SHAPE))]
    assert edge and border
    return [edge[0], edge[len(edge) // 2], border[0], found[len(found) // 2]]


CONFIGS = {
    "fixed bin number, every aggregation": {
        "families": list(MAPPED_FAMILIES), "discretisation": {"method": "fixed_bin_number", "bin_number": 6},
        "texture": {"matrix_aggregations": ["2D_avg", "2D_comb", "2_5D_avg", "2_5D_comb", "3D_avg", "3D_comb"],
                    "zone_aggregations": ["2D", "2_5D", "3D"]},
        "maps": {"radius": 1},
    },
    "fixed bin size, radius in mm": {
        "families": list(MAPPED_FAMILIES), "resegmentation": {"range": [0, 100]},
        "discretisation": {"method": "fixed_bin_size", "bin_size": 20},
        "maps": {"radius": 2.0, "unit": "mm"},  # spacing 2 x 1 x 1 mm (z, y, x): half widths 1, 2, 2 voxels
    },
}


@pytest.mark.parametrize("name", list(CONFIGS))
def test_map_values_are_the_features_of_each_voxels_neighbourhood(name):
    config = CONFIGS[name]
    spacing = (1.0, 1.0, 1.0) if config["maps"].get("unit") != "mm" else (2.0, 1.0, 1.0)
    radii = (1, 1, 1) if config["maps"].get("unit") != "mm" else (1, 2, 2)
    image, mask, array, roi = synthetic_case(spacing)
    maps = radcore.extract_maps(image, mask, config=config)
    # the grid: the ROI's bounding box, the image's spacing, NaN outside the ROI
    first = np.argwhere(roi).min(axis=0)
    grid = next(iter(maps.values()))
    assert grid.GetSpacing() == pytest.approx(spacing[::-1])
    assert grid.GetOrigin() == pytest.approx(mask.TransformIndexToPhysicalPoint([int(i) for i in first[::-1]]))
    box = tuple(slice(a, b + 1) for a, b in zip(first, np.argwhere(roi).max(axis=0)))
    assert all(np.isnan(sitk.GetArrayFromImage(m)[~roi[box]]).all() for m in maps.values())
    families = {key.split("_")[1] for key in maps}
    assert families == set(MAPPED_FAMILIES)
    for c in checked_voxels(array, roi, radii):
        near = sitk.GetImageFromArray(neighbourhood(roi, c, radii).astype(np.uint8))
        near.CopyInformation(mask)
        expected = radcore.extract(image, near, config={k: v for k, v in config.items() if k != "maps"})
        assert set(expected) == set(maps)
        at = tuple(int(a - f) for a, f in zip(c, first))
        for column, value in expected.items():
            got = sitk.GetArrayFromImage(maps[column])[at]
            assert got == pytest.approx(value, rel=1e-9, abs=1e-12, nan_ok=True), (c, column)


def test_ibsi_names_and_a_filter_response():
    image, mask, _, _ = synthetic_case()
    config = {"families": ["glcm", "stat"], "texture": {"matrix_aggregations": ["3D_avg", "3D_comb"]},
              "image_types": [{"name": "original"}, {"name": "mean", "options": {"size": 3}}]}
    maps = radcore.extract_maps(image, mask, config=config, naming="ibsi")
    assert {"cm_contrast_3D_avg", "cm_contrast_3D_comb", "stat_mean"} <= set(maps)
    original = radcore.extract_maps(image, mask, config={**config, "image_types": [{"name": "original"}]},
                                    naming="ibsi")
    filtered = set(maps) - set(original)
    assert filtered and all(n.startswith("mean_") for n in filtered)


@pytest.mark.parametrize("config, message", [
    ({"families": ["morph", "glcm"]}, "families: 'morph' cannot be mapped: morphology describes the shape"),
    ({"families": ["ivh"]}, "'ivh' cannot be mapped"),
    ({"maps": {"radius": 1.5}}, "maps.radius is in voxels"),
    ({"maps": {"radius": 0}}, "maps.radius must be > 0"),
    ({"maps": {"radius": 0.5, "unit": "mm"}}, r"maps.radius 0.5 mm is smaller than a voxel on every axis"),
    ({"maps": {"radius": 6}}, r"gives a box of \[13, 13, 13\] voxels \(x, y, z\), wider than the image"),
    ({"label": "all"}, "the maps of one case are made for one label"),
])
def test_settings_that_cannot_make_maps_fail_before_any_work(config, message):
    image, mask, _, _ = synthetic_case()
    with pytest.raises(radcore.SettingsError, match=message):
        radcore.extract_maps(image, mask, config=config)


def test_maps_settings_enter_the_hash_only_when_given():
    from radcore.settings import MapSettings, to_mapping

    plain = radcore.load_settings({"families": ["stat"]})
    assert "maps" not in to_mapping(plain)
    mapped = radcore.load_settings({"families": ["stat"], "maps": {"radius": 3, "unit": "mm"}})
    assert mapped.maps == MapSettings(radius=3.0, unit="mm")
    assert radcore.load_settings(to_mapping(mapped)) == mapped
    assert radcore.settings_hash(mapped) != radcore.settings_hash(plain)


COMPILED_CONFIGS = {
    "fixed bin number, radius 1": {"discretisation": {"method": "fixed_bin_number", "bin_number": 6},
                                   "maps": {"radius": 1}},
    "fixed bin size, radius 2, other distances": {
        "resegmentation": {"range": [0, 100]}, "discretisation": {"method": "fixed_bin_size", "bin_size": 20},
        "texture": {"glcm_distance": 2, "ngtdm_distance": 2, "ngldm_distance": 1, "ngldm_coarseness": 1.0},
        "maps": {"radius": 2}},
    "radius in mm, one aggregation each": {
        "discretisation": {"method": "fixed_bin_number", "bin_number": 9},
        "texture": {"matrix_aggregations": ["3D_comb"], "zone_aggregations": ["3D"]},
        "maps": {"radius": 2.0, "unit": "mm"}},  # spacing 2 x 1 x 1 mm: half widths 1, 2, 2 voxels
}


@pytest.mark.parametrize("name", list(COMPILED_CONFIGS))
def test_compiled_loop_equals_each_familys_own_code_at_every_voxel(name):
    """The compiled loop against the families' own code on every neighbourhood (inside the ROI, at its edge
    and at the image's border), on one thread and on numba's threads."""
    import dataclasses

    from radcore import image_types
    from radcore.io.images import load_case
    from radcore.preprocess import prepare
    from radcore.profiles import ibsi_maps
    from radcore.profiles.ibsi import discretised

    config = {"families": list(MAPPED_FAMILIES), **COMPILED_CONFIGS[name]}
    image, mask, _, _ = synthetic_case((2.0, 1.0, 1.0) if config["maps"].get("unit") == "mm" else (1.0, 1.0, 1.0))
    settings = radcore.load_settings(config)
    img, msk = load_case(image, mask, 1)
    roi = prepare(img, dataclasses.replace(msk, array=msk.array == 1), settings, image_types.margin_mm(settings, ()))
    radii = ibsi_maps.kernel_radii(ibsi_maps.map_settings(settings), tuple(roi.spacing))
    disc = discretised(roi, settings)
    centres = np.argwhere(roi.int_mask)
    expected = ibsi_maps.reference_values(roi, disc, MAPPED_FAMILIES, settings, radii, centres)
    for parallel in (False, True):
        got = ibsi_maps.voxel_values(roi, disc, MAPPED_FAMILIES, settings, radii, centres, parallel)
        assert list(got) == list(expected)
        for key, values in expected.items():
            np.testing.assert_allclose(got[key], values, rtol=1e-9, atol=1e-12, equal_nan=True, err_msg=str(key))
