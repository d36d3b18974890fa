"""radcore.kernels.pyrad_swt (float32) and its float64 reference (reference_swt) against plain periodic sums."""

import numpy as np
import pytest

from radcore.filters import wavelet
from radcore.kernels.pyrad_swt import swt_lines, swt_planes
from tests.radcore.kernels.reference_swt import swt_rows


def reference_swt_f32(x, f):
    """PyWavelets' float32 periodization sum (step 1) written out plainly: output i, tap centre t = i + L/2,
    terms f[k] x[(t - k) mod n], k ascending, but for t >= n the wrapped taps k = t - n .. 0 first."""
    n, taps = x.shape[1], f.size
    out = np.zeros_like(x)
    for r in range(x.shape[0]):
        for i in range(n):
            t = i + taps // 2
            order = list(range(taps)) if t < n else (
                list(range(min(t - n, taps - 1), -1, -1)) + list(range(t - n + 1, taps)))
            acc = np.float32(0)
            for k in order:
                acc = np.float32(acc + np.float32(f[k] * x[r, (t - k) % n]))
            out[r, i] = acc
    return out


@pytest.mark.parametrize("shape", [(1, 1), (1, 2), (3, 1), (2, 7), (2, 16), (3, 5)])
@pytest.mark.parametrize("name", ["haar", "coif1", "db3", "coif2", "db10"])
def test_swt_f32_kernels_match_reference(shape, name):
    lo, hi = wavelet.filter_bank_f32(name)
    x = (np.random.default_rng(1).normal(size=shape) * 100).astype(np.float32)
    out_lo, out_hi = np.empty_like(x), np.empty_like(x)
    swt_lines(x, lo, hi, True, out_lo, out_hi)
    np.testing.assert_array_equal(out_lo, reference_swt_f32(x, lo))
    np.testing.assert_array_equal(out_hi, reference_swt_f32(x, hi))
    planes = np.ascontiguousarray(np.stack([x.T, -x.T]))  # (2, n, m): the rows along the middle axis
    out_lo, out_hi = np.empty_like(planes), np.empty_like(planes)
    swt_planes(planes, lo, hi, True, out_lo, out_hi)
    for o, sign in enumerate((1, -1)):
        np.testing.assert_array_equal(out_lo[o].T, reference_swt_f32(sign * x, lo))
        np.testing.assert_array_equal(out_hi[o].T, reference_swt_f32(sign * x, hi))


# the float64 reference kernel (the modulo-per-tap loop) against a plain NumPy sum


def reference_swt_f64(x, f):
    n, taps = x.shape[1], f.size
    out = np.zeros_like(x)
    for i in range(n):
        for k in range(taps):
            out[:, i] += f[k] * x[:, (i + taps // 2 - k) % n]
    return out


@pytest.mark.parametrize("shape", [(1, 2), (3, 1), (1, 1), (4, 7), (2, 16)])
@pytest.mark.parametrize("name", ["haar", "coif1", "db4"])
def test_swt_rows_matches_reference(shape, name):
    lo, hi = wavelet.filter_bank(name)
    x = np.random.default_rng(0).normal(size=shape)
    out_lo, out_hi = np.empty_like(x), np.empty_like(x)
    swt_rows(x, lo, hi, out_lo, out_hi)
    np.testing.assert_allclose(out_lo, reference_swt_f64(x, lo), atol=1e-12)
    np.testing.assert_allclose(out_hi, reference_swt_f64(x, hi), atol=1e-12)
