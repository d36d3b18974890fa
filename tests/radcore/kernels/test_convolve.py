"""The dilated correlation kernels against a plain NumPy loop."""

import numpy as np
import pytest

from radcore.kernels.convolve import correlate_lines, correlate_planes


def reference(x, taps, step, n):
    """out[..., i, ...] = sum_k taps[k] x[..., i + k step, ...] along axis 1, by slicing."""
    return sum(w * x[:, k * step:k * step + n] for k, w in enumerate(taps))


@pytest.mark.parametrize("step", [1, 2, 4])
def test_planes_and_lines_match_the_reference(step):
    rng = np.random.default_rng(step)
    taps = rng.normal(size=5)
    taps[2] = 0.0  # zero taps are skipped, with the same result
    n = 7
    x = rng.normal(size=(3, n + 4 * step, 6))
    out = np.empty((3, n, 6))
    correlate_planes(x, taps, step, out)
    np.testing.assert_allclose(out, reference(x, taps, step, n), rtol=1e-13, atol=1e-13)
    lines = np.ascontiguousarray(x[..., 0])
    out_lines = np.empty((3, n))
    correlate_lines(lines, taps, step, out_lines)
    np.testing.assert_allclose(out_lines, reference(lines, taps, step, n), rtol=1e-13, atol=1e-13)


def test_a_single_tap_copies_a_shifted_window():
    x = np.arange(12.0).reshape(1, 12)
    out = np.empty((1, 8))
    correlate_lines(x, np.array([0.0, 0.0, 1.0]), 2, out)
    np.testing.assert_array_equal(out[0], x[0, 4:12])
