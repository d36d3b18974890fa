"""PyRadiomics neighbouring grey tone difference matrix (NGTDM) features.

Matrix: a neighbour of ROI voxel v is a ROI voxel v + o, o any offset whose infinity norm is one of
``distances`` (in-plane only with ``force2D``); A_v is the mean grey level of v's neighbours. For each grey
level i present: n_i the number of ROI voxels of level i, s_i = sum over them of |i - A_v| (0 for a voxel
without neighbours, which PyRadiomics still counts in n_i). Counted by
:func:`radcore.kernels.pyrad_texture.neighbourhood` (one pass shared with GLDM).

Notation: N_vp = sum n_i; p_i = n_i / N_vp; N_gp the number of levels with p_i > 0; sums over i and j run
over those levels.
"""

from __future__ import annotations

import numpy as np

from radcore.pyradiomics.features import neighbourhood, select

FEATURES = ("Coarseness", "Contrast", "Busyness", "Complexity", "Strength")
OPTIONAL: tuple[str, ...] = ()


def matrix(inputs, setting) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(n_i, s_i, i) float64 over the grey levels present."""
    _, n, s, present = neighbourhood(inputs, setting, None)
    return n, s, present


def coarseness(p, s, i, nvp) -> float:
    """Coarseness = 1 / sum_i p_i s_i; 10^6 when the sum is 0."""
    total = np.sum(p * s)
    return 1e6 if total == 0 else float(1.0 / total)


def contrast(p, s, i, nvp) -> float:
    """Contrast = (1 / (N_gp (N_gp - 1)) sum_i sum_j p_i p_j (i - j)^2) (1 / N_vp sum_i s_i); 0 if N_gp = 1."""
    ngp = len(p)
    if ngp < 2:
        return 0.0
    pair = np.sum(p[:, None] * p[None, :] * (i[:, None] - i[None, :]) ** 2)
    return float(pair / (ngp * (ngp - 1)) * np.sum(s) / nvp)


def busyness(p, s, i, nvp) -> float:
    """Busyness = sum_i p_i s_i / sum_i sum_j |i p_i - j p_j|; 0 when the denominator is 0."""
    ip = i * p
    denominator = np.sum(np.abs(ip[:, None] - ip[None, :]))
    return 0.0 if denominator == 0 else float(np.sum(p * s) / denominator)


def complexity(p, s, i, nvp) -> float:
    """Complexity = 1 / N_vp sum_i sum_j |i - j| (p_i s_i + p_j s_j) / (p_i + p_j)."""
    ps = p * s
    return float(np.sum(np.abs(i[:, None] - i[None, :]) * (ps[:, None] + ps[None, :]) / (p[:, None] + p[None, :])) / nvp)


def strength(p, s, i, nvp) -> float:
    """Strength = sum_i sum_j (p_i + p_j)(i - j)^2 / sum_i s_i; 0 when sum_i s_i = 0."""
    total = np.sum(s)
    if total == 0:
        return 0.0
    return float(np.sum((p[:, None] + p[None, :]) * (i[:, None] - i[None, :]) ** 2) / total)


FORMULAS = {
    "Coarseness": coarseness,
    "Contrast": contrast,
    "Busyness": busyness,
    "Complexity": complexity,
    "Strength": strength,
}


def compute(inputs, setting, enabled=None) -> dict[str, float]:
    """The NGTDM features of ``inputs`` (ClassInputs) keyed by PyRadiomics name."""
    names = select("ngtdm", FEATURES, OPTIONAL, enabled)
    n, s, i = matrix(inputs, setting)
    nvp = float(n.sum())
    p = n / nvp
    return {name: FORMULAS[name](p, s, i, nvp) for name in names}
