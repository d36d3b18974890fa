"""radcore.report.analysis on tiny hand-made tables."""

import numpy as np
import pandas as pd
import pytest

from radcore.report import analysis


def test_robust_z_is_median_and_mad_and_one_extreme_case_does_not_hide_itself():
    x = np.array([[1.0], [2.0], [3.0], [4.0], [100.0]])
    z = analysis.robust_z(x).ravel()
    # median 3, MAD 1 -> scale 1.4826
    assert z == pytest.approx([-2 / 1.4826, -1 / 1.4826, 0.0, 1 / 1.4826, 97 / 1.4826])
    # the standard score would shrink the extreme case below 2
    assert abs((100 - x.mean()) / x.std()) < 2.0


def test_robust_z_falls_back_to_the_mean_absolute_deviation_and_gives_nan_without_spread():
    x = np.array([[5.0, 7.0, 1.0], [5.0, 7.0, np.nan], [5.0, 7.0, 2.0], [5.0, 7.0, 3.0], [9.0, 7.0, 4.0]])
    z = analysis.robust_z(x)
    # column 0: MAD 0, mean |x - 5| = 0.8 -> scale 1.2533 * 0.8
    assert z[4, 0] == pytest.approx(4 / (1.2533 * 0.8)) and z[0, 0] == 0.0
    assert np.isnan(z[:, 1]).all()  # no spread at all
    assert np.isnan(z[1, 2]) and z[0, 2] == pytest.approx(-1.5 / (1.4826 * 1.0))  # NaN stays NaN


def test_robust_z_refuses_a_vector():
    with pytest.raises(ValueError, match="2D array"):
        analysis.robust_z(np.arange(4.0))


def test_outlier_scores_count_the_fraction_of_finite_features_beyond_the_cut_off():
    z = np.array([[0.0, 4.0, -5.0, np.nan], [1.0, 1.0, 1.0, 1.0], [np.nan] * 4])
    scores = analysis.outlier_scores(z, threshold=3.5)
    assert scores[0] == pytest.approx(2 / 3) and scores[1] == 0.0 and np.isnan(scores[2])


def test_top_features_are_the_largest_absolute_z_first():
    z = np.array([[0.5, -6.0, 2.0, np.nan]])
    assert analysis.top_features(z, ["a", "b", "c", "d"], k=2) == [[("b", -6.0), ("c", 2.0)]]
    with pytest.raises(ValueError, match="one name each"):
        analysis.top_features(z, ["a"])


def test_group_shifts_find_the_group_whose_median_sits_apart():
    z = np.array([[0.1, -0.2], [-0.3, 0.2], [0.2, 0.0], [3.0, 2.5], [4.0, 0.1]])
    shifts = analysis.group_shifts(z, ["a", "a", "a", "b", "b"])
    assert list(shifts["group"]) == ["b", "a"]
    b = shifts.iloc[0]
    assert (b.cases, b.shift_fraction, b.shifted) == (2, 0.5, True)  # medians 3.5 and 1.3: one of two beyond 2
    assert not shifts.iloc[1].shifted
    assert shifts.attrs["medians"]["b"] == pytest.approx([3.5, 1.3])
    with pytest.raises(ValueError, match="one label per case"):
        analysis.group_shifts(z, ["a", "b"])


def test_a_large_shifted_group_is_measured_against_the_other_cases():
    rng = np.random.default_rng(1)
    values = rng.normal(size=(100, 10))
    values[80:] += 3.0  # a fifth of the cohort, 3 sd high in every feature
    z = analysis.robust_z(values)
    # against the whole cohort (whose median and MAD the group drags along) the group looks closer
    assert np.median(np.median(z[80:], axis=0)) < 2.5
    shifts = analysis.group_shifts(z, ["a"] * 80 + ["b"] * 20).set_index("group")
    assert shifts.loc["b", "shifted"] and shifts.loc["b", "shift_fraction"] >= 0.9
    assert not shifts.loc["a", "shifted"]
    assert np.median(shifts.attrs["medians"]["b"]) == pytest.approx(3.0, abs=0.5)


def test_spearman_with_volume_is_rank_based_and_skips_missing_values():
    volume = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    values = np.c_[volume**3, -volume, [1.0, np.nan, 3.0, 2.0, 5.0], np.ones(5)]
    rho = analysis.spearman_with(values, volume)
    assert rho[:2] == pytest.approx([1.0, -1.0])
    assert rho[2] == pytest.approx(0.8)  # ranks (1, 3, 2, 4) against (1, 3, 4, 5) on the four finite rows
    assert np.isnan(rho[3])
    with pytest.raises(ValueError, match="one value per row"):
        analysis.spearman_with(values, volume[:3])


def test_feature_clusters_join_features_that_measure_the_same_thing():
    rng = np.random.default_rng(0)
    size = rng.uniform(1, 10, 40)
    values = np.c_[size, size**3, np.log(size), rng.normal(size=40), np.ones(40)]
    clusters = analysis.feature_clusters(values, ["volume", "volume3", "log_volume", "noise", "constant"])
    assert clusters[0] == ["volume", "volume3", "log_volume"]
    assert sorted(map(tuple, clusters[1:])) == [("constant",), ("noise",)]
    with pytest.raises(ValueError, match="threshold must be"):
        analysis.feature_clusters(values, ["a", "b", "c", "d", "e"], threshold=0.0)


def test_current_failures_are_error_rows_without_a_feature_row():
    t = pd.Timestamp("2026-01-01", tz="UTC")
    errors = pd.DataFrame({
        "case_id": ["a", "b", "c", "c", "d"], "label": [1, 1, None, None, 2],
        "stage": ["read", "preprocess", "manifest", "read", "features"],
        "error_type": ["E"] * 5, "reason": ["r"] * 5, "attempted_at": [t, t, t, t + pd.Timedelta("1s"), t],
    })
    features = pd.DataFrame({"case_id": ["a", "d"], "label": [1, 1]})
    current = analysis.current_failures(errors, features)
    # a succeeded later; c's latest attempt is kept; d failed on label 2, not 1
    assert list(zip(current["case_id"], current["stage"])) == [("d", "features"), ("b", "preprocess"), ("c", "read")]


def test_ratio_to_median_is_how_far_a_case_s_resampling_is_from_the_cohort_s_either_way():
    r = analysis.ratio_to_median(np.array([3.27, 3.27, 3.0, 1.0, 6.54, np.nan, 0.0]))
    assert r[:2] == pytest.approx([1.0, 1.0]) and r[2] == pytest.approx(3.27 / 3.0)
    assert r[3] == pytest.approx(3.27) and r[4] == pytest.approx(2.0)  # finer and coarser alike
    assert np.isnan(r[5:]).all()
    assert np.isnan(analysis.ratio_to_median(np.array([np.nan, np.nan]))).all()
    with pytest.raises(ValueError, match="one-dimensional"):
        analysis.ratio_to_median(np.ones((2, 2)))


def test_a_flag_on_most_rows_is_routine():
    rows = [["resampling_far"], ["resampling_far", "small_roi"], [], ["resampling_far"]]
    assert analysis.routine_flags(rows) == {"resampling_far": 3}
    assert analysis.routine_flags(rows, fraction=0.25) == {"resampling_far": 3, "small_roi": 1}
    assert analysis.routine_flags([]) == {}
    with pytest.raises(ValueError, match="fraction"):
        analysis.routine_flags(rows, fraction=0.0)
