"""The float64 reference SWT kernel (the modulo-per-tap loop) against a plain NumPy sum."""

import numpy as np
import pytest

from radcore.filters.wavelet import filter_bank
from tests.radcore.kernels.reference_swt import swt_rows


def reference(x, f):
    n, taps = x.shape[1], f.size
    out = np.zeros_like(x)
    for i in range(n):
        for k in range(taps):
            out[:, i] += f[k] * x[:, (i + taps // 2 - k) % n]
    return out


@pytest.mark.parametrize("shape", [(1, 2), (3, 1), (1, 1), (4, 7), (2, 16)])
@pytest.mark.parametrize("name", ["haar", "coif1", "db4"])
def test_swt_rows_matches_reference(shape, name):
    lo, hi = filter_bank(name)
    x = np.random.default_rng(0).normal(size=shape)
    out_lo, out_hi = np.empty_like(x), np.empty_like(x)
    swt_rows(x, lo, hi, out_lo, out_hi)
    np.testing.assert_allclose(out_lo, reference(x, lo), atol=1e-12)
    np.testing.assert_allclose(out_hi, reference(x, hi), atol=1e-12)
