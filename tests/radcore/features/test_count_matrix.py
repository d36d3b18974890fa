"""The count-matrix formulas on a hand-computed matrix, and the parameters that tell the conventions apart."""

from __future__ import annotations

import math

import numpy as np
import pytest

from radcore.features import count_matrix as cm

# runs: level 1 of length 2 (once); level 2 of length 1 (twice) -> N_s = 3, N_v = 4
P = np.array([[[0.0, 1.0], [2.0, 0.0]]])
GREY = np.array([1.0, 2.0])
RUN = np.array([1.0, 2.0])
HAND = {
    cm.small_emphasis: (2 + 1 / 4) / 3,
    cm.large_emphasis: (2 + 4) / 3,
    cm.low_grey_emphasis: (1 + 2 / 4) / 3,
    cm.high_grey_emphasis: (1 + 2 * 4) / 3,
    cm.small_low_emphasis: (1 / 4 + 2 / 4) / 3,
    cm.small_high_emphasis: (1 / 4 + 2 * 4) / 3,
    cm.large_low_emphasis: (4 + 2 / 4) / 3,
    cm.large_high_emphasis: (4 + 2 * 4) / 3,
    cm.grey_non_uniformity: 5 / 3,
    cm.grey_non_uniformity_norm: 5 / 9,
    cm.value_non_uniformity: 5 / 3,
    cm.value_non_uniformity_norm: 5 / 9,
    cm.percentage: 3 / 4,
    cm.grey_variance: 2 / 9,
    cm.value_variance: 2 / 9,
    cm.entropy: -(1 / 3) * math.log2(1 / 3) - (2 / 3) * math.log2(2 / 3),
    cm.energy: 1 / 9 + 4 / 9,
}


def test_every_formula_has_a_hand_computed_value():
    assert set(HAND) == set(cm.FORMULAS)


@pytest.mark.parametrize("formula", cm.FORMULAS, ids=lambda f: f.__name__)
def test_hand_computed_values(formula):
    c = cm.CountMatrices(P, GREY, RUN)
    assert formula(c)[0] == pytest.approx(HAND[formula])
    assert cm.evaluate(P, GREY, RUN)[0, cm.COLUMN[formula]] == pytest.approx(HAND[formula])


def test_absent_grey_levels_as_zero_rows_change_nothing():
    # the IBSI keeps every level 1..Ng, PyRadiomics only those present: same values
    present = cm.evaluate(P, GREY, RUN)
    padded = cm.evaluate(np.concatenate([P, np.zeros((1, 1, 2))], axis=1), np.array([1.0, 2.0, 3.0]), RUN)
    np.testing.assert_allclose(present, padded, rtol=1e-14)


def test_eps_only_moves_the_entropy():
    plain, with_eps = cm.evaluate(P, GREY, RUN), cm.evaluate(P, GREY, RUN, 1e-3)
    entropy = cm.COLUMN[cm.entropy]
    assert with_eps[0, entropy] < plain[0, entropy]
    np.testing.assert_array_equal(np.delete(plain, entropy, axis=1), np.delete(with_eps, entropy, axis=1))


def test_n_voxels_replaces_the_percentage_denominator():
    assert cm.evaluate(P, GREY, RUN, n_voxels=6.0)[0, cm.COLUMN[cm.percentage]] == pytest.approx(3 / 6)
