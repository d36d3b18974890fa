import math

import numpy as np
import pytest
import yaml

import radcore
from radcore.features import directional, glcm
from radcore.roi import Discretised
from radcore.settings import MATRIX_AGGREGATIONS, from_mapping
from tests.reference import CONFIGS, CT_PHANTOM, DIGITAL_PHANTOM, compare

ALL_AGGREGATIONS = {"matrix_aggregations": list(MATRIX_AGGREGATIONS)}


def test_digital_phantom_matches_ibsi_reference():
    config = {"families": ["glcm"], "discretisation": {"method": "none"}, "texture": ALL_AGGREGATIONS}
    values = radcore.extract(*DIGITAL_PHANTOM, config=config, naming="ibsi")
    ok, bad = compare(values, "dig_phantom", prefix="cm_")
    assert not bad
    assert len(ok) == 150


@pytest.mark.parametrize(
    "config, reference", [("config_a", "chest_config_a"), ("config_c", "chest_config_c")]
)
def test_ct_phantom_matches_ibsi_reference(config, reference):
    settings = yaml.safe_load((CONFIGS / f"{config}.yaml").read_text())
    settings["families"] = ["glcm"]
    values = radcore.extract(*CT_PHANTOM, config=settings, naming="ibsi")
    ok, bad = compare(values, reference, prefix="cm_")
    assert not bad
    assert len(ok) == 25 * len(settings["texture"]["matrix_aggregations"])


def test_hand_computed_values():
    s = glcm.GlcmSummary(np.array([[[0.5, 0.25], [0.25, 0.0]]]), np.array([1.0, 2.0]))
    assert glcm.joint_maximum(s) == 0.5
    assert glcm.joint_average(s) == pytest.approx(1.25)
    assert glcm.joint_variance(s) == pytest.approx(0.1875)
    assert glcm.joint_entropy(s) == pytest.approx(1.5)
    assert glcm.angular_second_moment(s) == pytest.approx(0.375)
    assert glcm.contrast(s) == pytest.approx(0.5)
    assert glcm.difference_average(s) == pytest.approx(0.5)
    assert glcm.difference_variance(s) == pytest.approx(0.25)
    assert glcm.sum_average(s) == pytest.approx(2.5)
    assert glcm.inverse_difference(s) == pytest.approx(0.75)
    assert glcm.normalised_inverse_difference(s) == pytest.approx(0.5 + 0.5 / 1.5)
    assert glcm.inverse_variance(s) == pytest.approx(0.5)
    assert glcm.autocorrelation(s) == pytest.approx(1.5)
    assert glcm.correlation(s) == pytest.approx((1.5 - 1.25**2) / 0.1875)


def slow_features(counts):
    """Features straight from the IBSI formulas with explicit sums over i, j (the test's reference)."""
    p = counts / counts.sum()
    ng = p.shape[0]
    i, j = np.meshgrid(np.arange(1, ng + 1), np.arange(1, ng + 1), indexing="ij")
    pi, pj = p.sum(1), p.sum(0)
    mui, muj = (pi * np.arange(1, ng + 1)).sum(), (pj * np.arange(1, ng + 1)).sum()
    si = math.sqrt((pi * (np.arange(1, ng + 1) - mui) ** 2).sum())
    sj = math.sqrt((pj * (np.arange(1, ng + 1) - muj) ** 2).sum())
    logs = lambda x: np.log2(np.where(x > 0, x, 1))  # noqa: E731
    hxy = -(p * logs(p)).sum()
    hx, hy = -(pi * logs(pi)).sum(), -(pj * logs(pj)).sum()
    outer = np.outer(pi, pj)
    hxy1 = -(p * logs(outer)).sum()
    hxy2 = -(outer * logs(outer)).sum()
    upper = j > i
    return {
        "inv_var": 2 * (p[upper] / (i[upper] - j[upper]) ** 2).sum(),
        "corr": ((i - mui) * (j - muj) * p).sum() / (si * sj),
        "clust_shade": ((i + j - mui - muj) ** 3 * p).sum(),
        "clust_prom": ((i + j - mui - muj) ** 4 * p).sum(),
        "inv_diff_mom_norm": (p / (1 + (i - j) ** 2 / ng**2)).sum(),
        "dissimilarity": (np.abs(i - j) * p).sum(),
        "info_corr1": (hxy - hxy1) / max(hx, hy),
        "info_corr2": math.sqrt(1 - math.exp(-2 * (hxy2 - hxy))),
        "sum_var": sum(
            (k - (p * (i + j)).sum()) ** 2 * p[i + j == k].sum() for k in range(2, 2 * ng + 1)
        ),
        "diff_entr": -sum(
            q * math.log2(q) for q in (p[np.abs(i - j) == k].sum() for k in range(ng)) if q > 0
        ),
    }


def test_batched_features_match_explicit_formulas():
    rng = np.random.default_rng(5)
    stack = rng.integers(0, 6, size=(7, 6, 6)).astype(float)
    stack = stack + np.swapaxes(stack, 1, 2)  # symmetric, as the IBSI matrices are
    values = glcm.evaluate_counts(stack)
    for n, counts in enumerate(stack):
        for name, expected in slow_features(counts).items():
            assert values[name][n] == pytest.approx(expected, rel=1e-10, abs=1e-12), name


def compute(levels, n_levels, aggregations=MATRIX_AGGREGATIONS, distance=1):
    texture = {"matrix_aggregations": list(aggregations), "glcm_distance": distance}
    settings = from_mapping({"texture": texture})
    return glcm.compute(None, Discretised(np.asarray(levels, np.int32), n_levels), settings)


def test_flat_roi_gives_defined_values():
    values = compute(np.full((3, 4, 4), 2, np.int32), 3)
    for (name, agg), v in values.items():
        if name in ("corr", "info_corr1"):
            assert math.isnan(v), (name, agg)  # IBSI's formula divides by zero
        else:
            assert math.isfinite(v), (name, agg)
    assert values[("joint_max", "3D_comb")] == 1.0
    assert values[("joint_avg", "2D_avg")] == 2.0
    assert values[("info_corr2", "3D_avg")] == 0.0


def test_single_voxel_roi_has_no_pairs():
    levels = np.zeros((3, 3, 3), np.int32)
    levels[1, 1, 1] = 1
    assert all(math.isnan(v) for v in compute(levels, 1).values())


def test_aggregations_follow_ibsi():
    rng = np.random.default_rng(2)
    levels = rng.integers(1, 5, size=(3, 5, 6)).astype(np.int32)
    levels[1] = 0  # an empty slice is skipped in the 2D averages
    values = compute(levels, 4)
    slices, volume = glcm.matrices(Discretised(levels, 4), 1, MATRIX_AGGREGATIONS)
    kept = slices[[0, 2]]
    expected = {
        "2D_avg": glcm.evaluate_counts(kept.reshape(-1, 4, 4))["contrast"].mean(),
        "2D_comb": glcm.evaluate_counts(kept.sum(axis=1))["contrast"].mean(),
        "2_5D_avg": glcm.evaluate_counts(kept.sum(axis=0))["contrast"].mean(),
        "2_5D_comb": glcm.evaluate_counts(kept.sum(axis=(0, 1))[None])["contrast"][0],
        "3D_comb": glcm.evaluate_counts(volume.sum(axis=0)[None])["contrast"][0],
    }
    for agg, v in expected.items():
        assert values[("contrast", agg)] == pytest.approx(v), agg
    # directions across the empty slice hold no pairs and are left out of the 3D average
    non_empty = volume[volume.sum(axis=(1, 2)) > 0]
    assert len(non_empty) == 4
    assert values[("contrast", "3D_avg")] == pytest.approx(glcm.evaluate_counts(non_empty)["contrast"].mean())


def test_only_requested_aggregations_and_distance():
    levels = np.random.default_rng(4).integers(1, 4, size=(2, 6, 6)).astype(np.int32)
    values = compute(levels, 3, aggregations=["2D_comb"], distance=2)
    assert {agg for _, agg in values} == {"2D_comb"}
    assert len(values) == 25
    assert values != compute(levels, 3, aggregations=["2D_comb"], distance=1)


def test_undefined_matrices_are_left_out_of_averages():
    def evaluate(stack):
        return {"x": np.where(stack[:, 0] > 1, np.nan, stack[:, 0])}

    slices = np.array([[[1.0], [2.0], [3.0], [1.0]]])
    values = directional.aggregate(slices, None, ["2D_avg"], evaluate, ["x"])
    assert values[("x", "2D_avg")] == 1.0


def test_registry_records():
    assert len(glcm.FEATURES) == 25
    for f in glcm.FEATURES:
        assert f.family == "glcm" and f.ibsi_tag.startswith("cm_") and len(f.ibsi_code) == 4
        assert f.function.__doc__ and ":" in f.function.__doc__
