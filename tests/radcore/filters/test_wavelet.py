"""radcore.filters.wavelet against known responses, energy conservation, crop invariance and PyWavelets."""

import numpy as np
import pytest

from radcore.errors import SettingsError
from radcore.filters import wavelet
from radcore.filters.wavelet_filters import DEC_LO

SQ2 = np.sqrt(2.0)


@pytest.mark.parametrize("name", list(DEC_LO))
def test_filters_are_orthonormal_scaling_filters(name):
    lo, hi = wavelet.filter_bank(name)
    assert lo.sum() == pytest.approx(SQ2)
    assert np.dot(lo, lo) == pytest.approx(1.0)
    assert np.dot(lo, hi) == pytest.approx(0.0, abs=1e-12)
    for shift in range(2, lo.size, 2):  # orthogonal to its even shifts
        assert np.dot(lo[shift:], lo[:-shift]) == pytest.approx(0.0, abs=1e-10)


def test_haar_known_response_along_x():
    x = np.arange(1.0, 9.0)[None, None, :] ** 2  # 1, 4, 9, ..., 64 along x
    dec = wavelet.swt_one_level(x, "haar", (2,))
    nxt = np.roll(x, -1, axis=2)  # periodic: last sample pairs with the first
    np.testing.assert_allclose(dec["L"], (x + nxt) / SQ2)
    np.testing.assert_allclose(dec["H"], (x - nxt) / SQ2)


@pytest.mark.parametrize("name", ["coif1", "db4", "sym3"])
def test_energy_is_conserved(name):
    """An orthogonal undecimated level splits the energy: sum over the 2^d bands = 2^d * |x|^2."""
    x = np.random.default_rng(0).normal(size=(6, 8, 10))
    dec = wavelet.swt_one_level(x, name, (2, 1, 0))
    assert len(dec) == 8
    assert sum((d**2).sum() for d in dec.values()) == pytest.approx(8 * (x**2).sum())


def test_perfect_reconstruction_haar():
    x = np.random.default_rng(1).normal(size=(4, 6, 8))
    dec = wavelet.swt_one_level(x, "haar", (2, 1, 0))
    # adjoint of each one-level filtering: x = 1/2 (lo~ * L + hi~ * H) per axis
    rec = np.zeros_like(x)
    for name, band in dec.items():
        y = band
        for axis, c in zip((2, 1, 0), name):
            prev = np.roll(y, 1, axis=axis)
            y = (y + prev) / SQ2 / 2 if c == "L" else (y - prev) / SQ2 / 2
        rec += y
    np.testing.assert_allclose(rec, x, atol=1e-12)


def test_names_order_and_shapes_follow_pyradiomics():
    x = np.random.default_rng(2).normal(size=(5, 7, 9))  # odd sizes: wrap-padded then cut
    out = wavelet.decompositions(x, "coif1", start_level=0, level=2)
    names = [(i, n) for i, n, _ in out]
    assert names[:7] == [(1, n) for n in ("LLH", "LHL", "LHH", "HLL", "HLH", "HHL", "HHH")]
    assert names[7] == (2, "LLH") and names[-1] == (2, "LLL") and len(out) == 15
    assert all(a.shape == x.shape for _, _, a in out)
    two_d = wavelet.decompositions(x, "haar", axes=(2, 1))
    assert [n for _, n, _ in two_d] == ["LH", "HL", "HH", "LL"]


def test_crop_with_margin_gives_the_whole_image_response():
    x = np.random.default_rng(3).normal(size=(30, 31, 32))
    box = (slice(10, 18), slice(11, 20), slice(9, 21))
    m = wavelet.margin("db3", 1, 2)
    region = tuple(slice(s.start - m, s.stop + m) for s in box)
    inner = tuple(slice(m, m + s.stop - s.start) for s in box)
    whole = wavelet.decompositions(x, "db3", 1, 2)
    part = wavelet.decompositions(x[region], "db3", 1, 2)
    for (_, _, a), (_, _, b) in zip(whole, part):
        np.testing.assert_allclose(b[inner], a[box], rtol=1e-12, atol=1e-12)


def test_unknown_wavelet_is_refused():
    with pytest.raises(SettingsError, match="bior1.3"):
        wavelet.filter_bank("bior1.3")


def test_matches_pywavelets_when_installed():
    pywt = pytest.importorskip("pywt")
    x = np.random.default_rng(4).normal(size=(4, 6, 8))
    ref = pywt.swtn(x, "sym4", level=1, axes=(2, 1, 0))[0]
    mine = wavelet.swt_one_level(x, "sym4", (2, 1, 0))
    for key, arr in ref.items():
        np.testing.assert_allclose(mine[key.replace("a", "L").replace("d", "H")], arr, atol=1e-10)


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
