import math

import numpy as np
import pytest
import yaml

import radcore
from radcore.features import glrlm
from radcore.roi import Discretised
from radcore.settings import MATRIX_AGGREGATIONS, from_mapping
from tests.reference import CONFIGS, CT_PHANTOM, DIGITAL_PHANTOM, compare


def test_digital_phantom_matches_ibsi_reference():
    config = {
        "families": ["glrlm"],
        "discretisation": {"method": "none"},
        "texture": {"matrix_aggregations": list(MATRIX_AGGREGATIONS)},
    }
    values = radcore.extract(*DIGITAL_PHANTOM, config=config, naming="ibsi")
    ok, bad = compare(values, "dig_phantom", prefix="rlm_")
    assert not bad
    assert len(ok) == 96


@pytest.mark.parametrize(
    "config, reference", [("config_a", "chest_config_a"), ("config_c", "chest_config_c")]
)
def test_ct_phantom_matches_ibsi_reference(config, reference):
    settings = yaml.safe_load((CONFIGS / f"{config}.yaml").read_text())
    settings["families"] = ["glrlm"]
    values = radcore.extract(*CT_PHANTOM, config=settings, naming="ibsi")
    ok, bad = compare(values, reference, prefix="rlm_")
    assert not bad
    assert len(ok) == 16 * len(settings["texture"]["matrix_aggregations"])


def compute(levels, n_levels, aggregations=MATRIX_AGGREGATIONS):
    settings = from_mapping({"texture": {"matrix_aggregations": list(aggregations)}})
    return glrlm.compute(None, Discretised(np.asarray(levels, np.int32), n_levels), settings)


def test_run_percentage_counts_voxels_once_per_merged_direction():
    levels = np.random.default_rng(3).integers(1, 4, size=(3, 5, 6)).astype(np.int32)
    values = compute(levels, 3)
    slices, volume = glrlm.matrices(Discretised(levels, 3), MATRIX_AGGREGATIONS)
    n_voxels = levels.size
    assert values[("r_perc", "2_5D_comb")] == pytest.approx(slices.sum() / (4 * n_voxels))
    assert values[("r_perc", "3D_comb")] == pytest.approx(volume.sum() / (13 * n_voxels))
    per_direction = volume.sum(axis=(1, 2)) / n_voxels
    assert values[("r_perc", "3D_avg")] == pytest.approx(per_direction.mean())


def test_flat_roi_gives_defined_values():
    values = compute(np.full((2, 3, 4), 1, np.int32), 2)
    assert all(math.isfinite(v) for v in values.values())
    assert values[("gl_var", "3D_avg")] == 0.0
    assert values[("glnu_norm", "2D_avg")] == 1.0
    # a 3 x 4 slice, 4 directions merged: runs of length 1, 2, 3, 4 occur 4, 4, 8 and 3 times
    assert values[("rlnu_norm", "2D_comb")] == pytest.approx((16 + 16 + 64 + 9) / 19**2)
    assert values[("r_perc", "2D_comb")] == pytest.approx(19 / (4 * 12))


def test_single_voxel_roi():
    levels = np.zeros((3, 3, 3), np.int32)
    levels[1, 1, 1] = 2
    values = compute(levels, 2)
    assert values[("sre", "3D_avg")] == 1.0
    assert values[("r_perc", "2D_avg")] == 1.0
    assert values[("hgre", "3D_comb")] == 4.0


def test_empty_slices_are_skipped_in_2d_averages():
    levels = np.random.default_rng(8).integers(1, 3, size=(3, 4, 4)).astype(np.int32)
    with_gap = levels.copy()
    with_gap[1] = 0
    only_outer = compute(with_gap, 2, ["2D_avg", "2D_comb"])
    slices, _ = glrlm.matrices(Discretised(with_gap, 2), ["2D_avg"])
    expected = glrlm.evaluate(slices[[0, 2]].reshape((-1,) + slices.shape[2:]))["lre"].mean()
    assert only_outer[("lre", "2D_avg")] == pytest.approx(expected)


def test_registry_records():
    assert len(glrlm.FEATURES) == 16
    for f in glrlm.FEATURES:
        assert f.family == "glrlm" and f.ibsi_tag.startswith("rlm_") and len(f.ibsi_code) == 4
        assert f.function.__doc__ and ":" in f.function.__doc__
