"""The vectorised ICC against pingouin's ``intraclass_corr`` (an independent implementation)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from radcore.robustness.icc import ICC_TYPES, intraclass_correlation

pingouin = pytest.importorskip("pingouin")


def pingouin_icc(table: np.ndarray) -> pd.DataFrame:
    """pingouin's ICC(1,1), ICC(A,1), ICC(C,1) of one n × k table, CI unrounded."""
    n, k = table.shape
    long = pd.DataFrame({"target": np.repeat(np.arange(n), k), "rater": np.tile(np.arange(k), n),
                         "rating": table.ravel()})
    saved = pingouin.options.copy()
    pingouin.options["round.column.CI95"] = None
    try:
        out = pingouin.intraclass_corr(long, targets="target", raters="rater", ratings="rating")
    finally:
        pingouin.options.clear()
        pingouin.options.update(saved)
    return out.set_index("Type").loc[list(ICC_TYPES)]


def assert_matches(ratings: np.ndarray) -> None:
    ours = intraclass_correlation(ratings)
    for m in range(ratings.shape[2]):
        theirs = pingouin_icc(ratings[:, :, m])
        for result in ours:
            row = theirs.loc[result.icc_type]
            assert result.icc[m] == pytest.approx(row["ICC"], abs=1e-10, rel=0)
            assert result.ci95_low[m] == pytest.approx(row["CI95"][0], abs=1e-10, rel=0)
            assert result.ci95_high[m] == pytest.approx(row["CI95"][1], abs=1e-10, rel=0)


@pytest.mark.parametrize("n,k,seed", [(8, 4, 0), (30, 2, 1), (5, 12, 2), (50, 9, 3)])
def test_icc_equals_pingouin_on_random_data(n, k, seed):
    rng = np.random.default_rng(seed)
    m = 12
    target = rng.normal(size=(n, 1, m)) * rng.uniform(0.1, 10.0, size=m)
    rater = rng.normal(size=(1, k, m)) * rng.uniform(0.0, 2.0, size=m)
    noise = rng.normal(size=(n, k, m)) * rng.uniform(0.05, 5.0, size=m)
    offset = rng.uniform(-1e4, 1e4, size=m)  # features of large magnitude (volumes, energies)
    assert_matches(offset + target + rater + noise)


def test_icc_equals_pingouin_on_real_features():
    """The PyRadiomics baseline of its sample cases: five cases as targets, a feature's column rated by
    versions made of the baseline value times small deterministic factors."""
    from tests.robustness_data import real_ratings

    ratings = real_ratings()
    assert ratings.shape[2] >= 50
    assert_matches(ratings)


def test_icc_known_values():
    """Identical raters: ICC 1; ratings independent of the target: ICC near 0 or below."""
    x = np.repeat(np.arange(6.0)[:, None, None], 3, axis=1)
    for result in intraclass_correlation(x):
        assert result.icc[0] == pytest.approx(1.0)
    y = np.tile(np.arange(3.0)[None, :, None], (6, 1, 1))  # the rater alone decides: no agreement
    icc1, icc_a, icc_c = intraclass_correlation(y)
    assert icc1.icc[0] == pytest.approx(-0.5) and icc_a.icc[0] == pytest.approx(0.0)
    assert np.isnan(icc_c.icc[0])  # no residual and no spread between targets: consistency undefined


def test_icc_bad_input():
    with pytest.raises(ValueError, match="at least 2 targets"):
        intraclass_correlation(np.zeros((1, 3, 2)))
    with pytest.raises(ValueError, match="NaN"):
        intraclass_correlation(np.full((3, 3, 1), np.nan))
    with pytest.raises(ValueError, match="targets, raters, features"):
        intraclass_correlation(np.zeros((3, 3)))
