"""The compiled NGTDM formulas against their NumPy references in :mod:`radcore.features.ngtdm`."""

import numpy as np
import pytest

from radcore.features import ngtdm
from radcore.kernels.ngtdm_formulas import ngtdm_features


@pytest.mark.parametrize("seed", range(6))
def test_compiled_formulas_match_the_numpy_references(seed):
    rng = np.random.default_rng(seed)
    g = int(rng.integers(1, 9))
    n = rng.integers(0, 6, g).astype(float)
    s = np.where(n > 0, rng.random(g) * 3, 0.0) * (seed % 3 != 0)  # some matrices with s = 0 everywhere
    levels = np.sort(rng.choice(np.arange(1, 40), g, replace=False)).astype(float)
    if not n.any():
        n[0] = 1.0
    summary = ngtdm.Ngtdm(s, n, levels)
    expected = [f.function(summary) for f in ngtdm.FEATURES]
    np.testing.assert_allclose(ngtdm_features(n, s, levels), expected, rtol=1e-12)


def test_flat_matrix_values():
    got = ngtdm_features(np.array([4.0]), np.array([0.0]), np.array([3.0]))
    assert got.tolist() == [ngtdm.MAX_COARSENESS, 0.0, 0.0, 0.0, 0.0]
