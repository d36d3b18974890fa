"""Point-wise filters against their formulas."""

import numpy as np
import pytest

from radcore.filters import simple

X = np.array([-50.0, -1.0, 0.0, 1.0, 3.0, 100.0])
M = 100.0


def test_square():
    np.testing.assert_allclose(simple.square(X, M), X**2 / M)


def test_squareroot_keeps_the_sign():
    np.testing.assert_allclose(simple.squareroot(X, M), np.sign(X) * np.sqrt(np.abs(X) * M))


def test_logarithm_keeps_the_sign_and_range():
    out = simple.logarithm(X, M)
    np.testing.assert_allclose(out, np.sign(X) * np.log1p(np.abs(X)) * M / np.log(M + 1))
    assert out.max() == pytest.approx(M)


def test_exponential_maps_the_maximum_onto_itself():
    out = simple.exponential(X, M)
    np.testing.assert_allclose(out, np.exp(X * np.log(M) / M))
    assert out[-1] == pytest.approx(M)


def test_max_abs_and_integer_input():
    x = np.array([[-7, 3]], dtype=np.int16)
    assert simple.max_abs(x) == 7.0
    assert simple.square(x, 7.0).dtype == np.float64
