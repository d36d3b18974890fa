import numpy as np
import pytest

from radcore.errors import EmptyROIError
from radcore.io.images import Volume
from radcore.preprocess import prepare
from radcore.preprocess.diagnostics import image_diagnostics, roi_diagnostics
from radcore.settings import from_mapping


def test_roi_diagnostics_use_whole_grid_size_and_both_masks():
    image = np.arange(24.0).reshape(2, 3, 4)
    morph = np.zeros((2, 3, 4), bool)
    morph[0, 1, 1:3] = True
    morph[1, 2, 3] = True
    intensity = morph & (image < 20)
    d = roi_diagnostics(image, morph, intensity, (50, 60, 70), "reseg")
    assert (d["int_mask_dim_z_reseg_roi"], d["int_mask_dim_y_reseg_roi"], d["int_mask_dim_x_reseg_roi"]) == (50, 60, 70)
    assert (d["morph_mask_bb_dim_z_reseg_roi"], d["morph_mask_bb_dim_y_reseg_roi"], d["morph_mask_bb_dim_x_reseg_roi"]) == (2, 2, 3)
    assert (d["int_mask_bb_dim_z_reseg_roi"], d["int_mask_bb_dim_x_reseg_roi"]) == (1, 2)
    assert d["morph_mask_vox_count_reseg_roi"] == 3 and d["int_mask_vox_count_reseg_roi"] == 2
    assert d["int_mask_mean_int_reseg_roi"] == 5.5 and d["int_mask_max_int_reseg_roi"] == 6


def test_image_diagnostics():
    d = image_diagnostics(Volume(np.array([[[1.0, 3.0]]]), (3.0, 2.0, 1.0)), "init")
    assert d["img_dim_x_init_img"] == 2 and d["vox_dim_z_init_img"] == 3.0
    assert (d["mean_int_init_img"], d["min_int_init_img"], d["max_int_init_img"]) == (2.0, 1.0, 3.0)


def _volumes():
    image = np.zeros((20, 30, 34))
    image[8:12, 10:14, 12:16] = 50.0
    mask = np.zeros(image.shape, bool)
    mask[8:12, 10:14, 12:16] = True
    return Volume(image, (2.0, 1.0, 1.0)), Volume(mask, (2.0, 1.0, 1.0))


def test_prepare_records_every_stage_on_the_whole_grid():
    image, mask = _volumes()
    roi = prepare(image, mask, from_mapping({"interpolation": {"spacing": [1.0, 1.0, 1.0]}}))
    d = roi.diagnostics
    assert (d["int_mask_dim_z_init_roi"], d["int_mask_dim_z_interp_roi"]) == (20, 40)
    assert d["img_dim_z_interp_img"] == 40 and d["int_mask_dim_x_reseg_roi"] == 34
    assert roi.image.shape[0] < 40 and roi.image.shape[2] < 34  # the arrays are a crop
    assert d["morph_mask_vox_count_init_roi"] == 64
    assert d["mean_int_interp_img"] == pytest.approx(image.array.mean(), rel=0.2)


def test_prepare_without_diagnostics_family_skips_whole_image_interpolation():
    image, mask = _volumes()
    roi = prepare(image, mask, from_mapping({"families": ["stat"], "interpolation": {"spacing": [1.0, 1.0, 1.0]}}))
    assert "mean_int_interp_img" not in roi.diagnostics


def test_prepare_empty_after_resegmentation_is_an_error():
    image, mask = _volumes()
    with pytest.raises(EmptyROIError, match="after resegmentation"):
        prepare(image, mask, from_mapping({"resegmentation": {"range": [100, 200]}}))


def test_prepare_on_a_crop_matches_the_whole_image():
    image, mask = _volumes()
    settings = from_mapping({"interpolation": {"spacing": [1.0, 1.0, 1.0]}})
    whole = prepare(image, mask, settings)
    box = (slice(2, 18), slice(3, 27), slice(4, 30))
    kw = dict(spacing=image.spacing, full_shape=image.array.shape, offset=(2, 3, 4))
    part = prepare(Volume(image.array[box], **kw), Volume(mask.array[box], **kw), settings)
    np.testing.assert_array_equal(part.image, whole.image)
    np.testing.assert_array_equal(part.int_mask, whole.int_mask)
    for tag, value in whole.diagnostics.items():
        if tag.startswith(("mean_int", "min_int", "max_int")):
            assert tag not in part.diagnostics  # a crop cannot give whole-image intensities
        else:
            assert part.diagnostics[tag] == value, tag
