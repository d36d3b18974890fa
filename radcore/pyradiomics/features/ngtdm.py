"""PyRadiomics neighbouring grey tone difference matrix (NGTDM) features.

Matrix: a neighbour of ROI voxel v is a ROI voxel v + o, o any offset whose infinity norm is one of
``distances`` (in-plane only with ``force2D``); A_v is the mean grey level of v's neighbours. For each grey
level i present: n_i the number of ROI voxels of level i, s_i = sum over them of |i - A_v| (0 for a voxel
without neighbours, which PyRadiomics still counts in n_i). Counted by
:func:`radcore.kernels.matrices.neighbourhood` (one pass shared with GLDM).

The features are the formulas of the IBSI NGTDM (:mod:`radcore.features.ngtdm`, Coarseness, Contrast,
Busyness, Complexity, Strength) over these counts: N_vp = sum n_i, p_i = n_i / N_vp.
"""

from __future__ import annotations

import numpy as np

from radcore.features.ngtdm import Ngtdm
from radcore.features.registry import family
from radcore.pyradiomics.features import neighbourhood, select

FEATURES = ("Coarseness", "Contrast", "Busyness", "Complexity", "Strength")
OPTIONAL: tuple[str, ...] = ()

#: PyRadiomics feature name -> the registry's formula
FORMULAS = {f.pyradiomics: f.function for f in family("ngtdm").features if f.pyradiomics}


def matrix(inputs, setting) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(n_i, s_i, i) float64 over the grey levels present."""
    _, n, s, present = neighbourhood(inputs, setting, None)
    return n, s, present


def compute(inputs, setting, enabled=None) -> dict[str, float]:
    """The NGTDM features of ``inputs`` (ClassInputs) keyed by PyRadiomics name."""
    names = select("ngtdm", FEATURES, OPTIONAL, enabled)
    n, s, i = matrix(inputs, setting)
    summary = Ngtdm(s, n, i)
    return {name: float(FORMULAS[name](summary)) for name in names}
