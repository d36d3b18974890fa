"""PyRadiomics' point-wise intensity filters: Square, SquareRoot, Logarithm, Exponential.

Each maps an intensity ``x`` to ``f(x)`` rescaled to the range of the original image, using
``M = max |x|`` over the whole (preprocessed) image, which callers pass in as ``max_abs`` because the
filters run on a cropped region. Outputs are float64. Each function is named after its image type of
radcore settings (:data:`radcore.image_types.POINTWISE`).

- square:      f(x) = (c x)^2,  c = 1 / sqrt(M)
- squareroot:  f(x) = sqrt(c x) for x > 0,  -sqrt(-c x) for x < 0,  0 for x = 0,  c = M
- logarithm:   f(x) = c log(x + 1) for x > 0,  -c log(1 - x) for x < 0,  0 for x = 0,  c = M / log(M + 1)
- exponential: f(x) = exp(c x),  c = log(M) / M
"""

from __future__ import annotations

import numpy as np

#: point-wise filters need no neighbours
MARGIN = 0


def max_abs(image: np.ndarray) -> float:
    """``max |x|`` over ``image``, the scale the point-wise filters use."""
    return float(np.max(np.abs(np.asarray(image, dtype=np.float64))))


def square(x: np.ndarray, max_abs: float) -> np.ndarray:
    """(x / sqrt(M))^2."""
    coeff = 1.0 / np.sqrt(max_abs)
    return (coeff * np.asarray(x, dtype=np.float64)) ** 2


def squareroot(x: np.ndarray, max_abs: float) -> np.ndarray:
    """sign(x) sqrt(|x| M)."""
    out = np.array(x, dtype=np.float64)
    pos = out > 0
    neg = out < 0
    out[pos] = np.sqrt(out[pos] * max_abs)
    out[neg] = -np.sqrt(-out[neg] * max_abs)
    return out


def logarithm(x: np.ndarray, max_abs: float) -> np.ndarray:
    """sign(x) log(|x| + 1) M / log(M + 1)."""
    out = np.array(x, dtype=np.float64)
    pos = out > 0
    neg = out < 0
    out[pos] = np.log(out[pos] + 1)
    out[neg] = -np.log(-(out[neg] - 1))
    return out * (max_abs / np.log(max_abs + 1))


def exponential(x: np.ndarray, max_abs: float) -> np.ndarray:
    """exp(x log(M) / M)."""
    coeff = np.log(max_abs) / max_abs
    return np.exp(coeff * np.asarray(x, dtype=np.float64))
