"""radcore.kernels.resample against NumPy references (np.take along the axis, weighted)."""

import numpy as np
import pytest

from radcore.kernels.resample import resample_axis_taps, resampled_sum_min_max


def reference_resample(data, idx, w, axis):
    shape = [1] * data.ndim
    shape[axis] = idx.shape[1]
    return sum(np.take(data, idx[k], axis=axis) * w[k].reshape(shape) for k in range(idx.shape[0]))


def random_taps(rng, n_in, n_out, taps):
    return rng.integers(0, n_in, size=(taps, n_out)).astype(np.int64), rng.random((taps, n_out))


@pytest.mark.parametrize("axis", [0, 1, 2])
@pytest.mark.parametrize("taps", [1, 2, 4])
def test_resample_axis_taps_matches_reference(axis, taps):
    rng = np.random.default_rng(10 * axis + taps)
    data = rng.normal(size=(5, 6, 7)) * 100
    idx, w = random_taps(rng, data.shape[axis], 9, taps)
    got = resample_axis_taps(data, idx, w, axis)
    np.testing.assert_allclose(got, reference_resample(data, idx, w, axis), rtol=1e-14, atol=1e-12)


def test_resample_axis_taps_linear_midpoints():
    data = np.arange(3.0)[:, None, None] * np.ones((3, 2, 2))
    idx = np.array([[0, 1], [1, 2]], np.int64)
    w = np.full((2, 2), 0.5)
    np.testing.assert_array_equal(resample_axis_taps(data, idx, w, 0)[:, 0, 0], [0.5, 1.5])


@pytest.mark.parametrize("rounded", [False, True])
@pytest.mark.parametrize("y_first", [False, True])
@pytest.mark.parametrize("taps", [1, 2, 4])
def test_resampled_sum_min_max_matches_reference(rounded, y_first, taps):
    rng = np.random.default_rng(3 + taps)
    data = rng.normal(size=(6, 4, 5)) * 10
    (z_idx, z_w), (y_idx, y_w), (x_idx, x_w) = (random_taps(rng, n, m, taps) for n, m in zip(data.shape, (8, 3, 7)))
    if y_first:
        full = reference_resample(reference_resample(data, y_idx, y_w, 1), x_idx, x_w, 2)
    else:
        full = reference_resample(reference_resample(data, x_idx, x_w, 2), y_idx, y_w, 1)
    full = reference_resample(full, z_idx, z_w, 0)
    if rounded:
        full = np.round(full)
    got = resampled_sum_min_max(data, z_idx, z_w, y_idx, y_w, x_idx, x_w, y_first, rounded)
    np.testing.assert_allclose(got, [full.sum(), full.min(), full.max()], rtol=1e-12)
