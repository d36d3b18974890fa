"""The dilated correlation kernels against a plain NumPy loop."""

import numpy as np
import pytest

from radcore.kernels.convolve import box_lines, box_planes, correlate_lines, correlate_planes


def reference(x, taps, step, source, n):
    """out[:, i] = sum_k taps[k] e[:, i + k step] along axis 1, e the line extended through ``source``."""
    ext = np.where((source >= 0)[None, :, None] if x.ndim == 3 else (source >= 0)[None, :],
                   x[:, np.maximum(source, 0)], 0.0)
    return sum(w * ext[:, k * step:k * step + n] for k, w in enumerate(taps))


@pytest.mark.parametrize("step", [1, 2, 4])
def test_planes_and_lines_match_the_reference(step):
    rng = np.random.default_rng(step)
    taps = rng.normal(size=5)
    taps[2] = 0.0  # zero taps are skipped, with the same result
    n = 7
    source = rng.integers(-1, n, size=n + 4 * step)  # any table; -1 reads a zero
    x = rng.normal(size=(3, n, 6))
    out = np.empty((3, n, 6))
    correlate_planes(x, taps, step, source, out)
    np.testing.assert_allclose(out, reference(x, taps, step, source, n), rtol=1e-13, atol=1e-13)
    lines = np.ascontiguousarray(x[..., 0])
    out_lines = np.empty((3, n))
    correlate_lines(lines, taps, step, source, out_lines)
    np.testing.assert_allclose(out_lines, reference(lines, taps, step, source, n), rtol=1e-13, atol=1e-13)


def test_a_single_tap_copies_a_shifted_window():
    x = np.arange(8.0).reshape(1, 8)
    source = np.concatenate([np.arange(8), [-1, -1, -1, -1]])
    out = np.empty((1, 8))
    correlate_lines(x, np.array([0.0, 0.0, 1.0]), 2, source, out)
    np.testing.assert_array_equal(out[0], [4, 5, 6, 7, 0, 0, 0, 0])


@pytest.mark.parametrize("size", [1, 3, 7])
def test_box_kernels_are_the_correlation_with_equal_taps(size):
    rng = np.random.default_rng(size)
    n = 9
    source = rng.integers(-1, n, size=n + size - 1)
    x = rng.normal(size=(2, n, 5))
    taps = np.full(size, 1.0 / size)
    out = np.empty((2, n, 5))
    box_planes(x, size, source, out)
    np.testing.assert_allclose(out, reference(x, taps, 1, source, n), rtol=1e-12, atol=1e-13)
    lines = np.ascontiguousarray(x[..., 0])
    out_lines = np.empty((2, n))
    box_lines(lines, size, source, out_lines)
    np.testing.assert_allclose(out_lines, reference(lines, taps, 1, source, n), rtol=1e-12, atol=1e-13)
