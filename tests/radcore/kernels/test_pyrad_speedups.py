"""Kernels of the PyRadiomics speed-ups against plain references: the label bounding box, PyWavelets'
float32 stationary wavelet transform, and the zone search on a wider padding."""

import numpy as np
import pytest

from radcore.filters import wavelet
from radcore.kernels import pyrad_texture as pt
from radcore.kernels.pyrad_mask import label_box
from radcore.kernels.pyrad_swt import swt_lines, swt_planes
from radcore.kernels.zones import label_zones
from radcore.pyradiomics.features import angles
from radcore.kernels.texture import build_texture

SHAPES = [(1, 1, 1), (1, 5, 6), (3, 4, 5), (4, 1, 3), (6, 7, 8)]


def reference_box(labels, label):
    idx = np.argwhere(labels == label)
    if idx.size == 0:
        return None, 0
    return (idx.min(axis=0), idx.max(axis=0)), len(idx)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("dtype", [np.uint8, np.int16, np.uint32, np.int64])
def test_label_box_matches_reference(shape, dtype):
    rng = np.random.default_rng(sum(shape))
    labels = rng.integers(0, 3, size=shape).astype(dtype)
    for label in (0, 1, 2, 5):
        lo, hi, count = label_box(labels, label)
        box, want = reference_box(labels, label)
        assert count == want
        if box is None:
            assert np.all(lo > hi)
        else:
            np.testing.assert_array_equal(lo, box[0])
            np.testing.assert_array_equal(hi, box[1])


def test_label_box_border_flat_and_out_of_range():
    labels = np.zeros((4, 5, 6), np.uint8)
    labels[3, 0, 5] = 1  # a corner voxel
    labels[3, 4, 0] = 1
    lo, hi, count = label_box(labels, 1)
    assert count == 2 and lo.tolist() == [3, 0, 0] and hi.tolist() == [3, 4, 5]
    assert label_box(labels, 300)[2] == 0  # not representable in uint8: absent
    with pytest.raises(ValueError):
        label_box(labels.astype(float), 1)


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


@pytest.mark.parametrize("shape", [(9, 12, 15), (4, 6, 8), (1, 7, 10)])
@pytest.mark.parametrize("name", ["coif1", "haar", "db2", "sym3", "coif3"])
def test_float32_decompositions_equal_pywavelets(shape, name):
    pywt = pytest.importorskip("pywt")
    x = (np.random.default_rng(2).normal(size=shape) * 100).astype(np.float32)
    axes = (2, 1, 0) if shape[0] > 1 else (2, 1)
    padded = np.pad(x, [(0, n % 2) for n in shape], mode="wrap")
    ref = pywt.swtn(padded, name, level=1, start_level=0, axes=axes)[0]
    cut = tuple(slice(0, n) for n in shape)
    for _, dec, arr in wavelet.decompositions(x, name, 0, 1, axes, float32=True):
        assert arr.dtype == np.float32
        np.testing.assert_array_equal(arr, ref[dec.replace("L", "a").replace("H", "d")][cut])


def test_decompositions_stay_float64_by_default():
    x = np.random.default_rng(3).normal(size=(4, 6, 8)).astype(np.float32)
    assert all(arr.dtype == np.float64 for _, _, arr in wavelet.decompositions(x))


@pytest.mark.parametrize("shape", SHAPES)
def test_zones_on_wider_padding(shape):
    rng = np.random.default_rng(7)
    levels = rng.integers(1, 3, size=shape).astype(np.int32)
    levels[rng.random(shape) < 0.3] = 0
    if not levels.any():
        levels.flat[0] = 1
    tex = build_texture(levels, levels > 0, 2)
    rank, size = pt.zones(tex.ranks, tex.roi, -tex.steps(angles((1,), (3, 3, 3))))
    _, want_level, want_size = label_zones(levels, 26)
    np.testing.assert_array_equal(tex.present[rank - 1], want_level)
    np.testing.assert_array_equal(size, want_size)
