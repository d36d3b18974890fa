import pytest

from radcore.naming import FeatureKey, column_name, name_columns


def test_each_naming_convention():
    glcm = FeatureKey("original", "glcm", "Contrast")
    assert column_name(glcm, "pyradiomics") == "original_glcm_Contrast"
    key = FeatureKey("log_sigma_1_mm", "stat", "mean")
    assert column_name(key, "native") == "log_sigma_1_mm_stat_mean"
    assert column_name(FeatureKey("original", "cm", "joint_max", "3d_avg"), "native") == "original_cm_joint_max_3d_avg"
    with pytest.raises(ValueError, match="naming must be one of"):
        column_name(glcm, "camel")


def test_name_columns_keeps_values_and_refuses_collisions():
    values = {FeatureKey("original", "glcm", "Contrast"): 1.5, FeatureKey("square", "glcm", "Contrast"): 2.5}
    assert name_columns(values, "pyradiomics") == {"original_glcm_Contrast": 1.5, "square_glcm_Contrast": 2.5}
    clash = {FeatureKey("Original", "stat", "mean"): 1.0, FeatureKey("original", "stat", "mean"): 2.0}
    with pytest.raises(ValueError, match="original_stat_mean"):
        name_columns(clash, "native")
