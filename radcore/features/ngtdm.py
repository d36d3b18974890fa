"""Neighbourhood grey tone difference matrix features (IBSI 3.10, family code IPET).

For grey level i: n_i voxels with at least one ROI neighbour within Chebyshev distance d (in-plane for
2D), s_i = sum over them of |i - A|, A the mean grey level of the voxel's ROI neighbours (see
:mod:`radcore.kernels.ngtdm`). N_vc = sum_i n_i, p_i = n_i / N_vc, N_gp the number of levels with
p_i > 0; double sums run over levels i, j with p_i > 0 and p_j > 0.

Aggregations: ``2D`` per slice (2D neighbourhoods), features averaged over the slices that hold voxels
with a neighbour; ``2_5D`` the per-slice s_i, n_i summed; ``3D`` volumetric neighbourhoods. The distance is
settings.texture.ngtdm_distance. The sums come from the discretised ROI's shared neighbourhood pass
(:meth:`radcore.roi.Discretised.neighbourhoods`: :func:`radcore.kernels.texture.neighbourhood_counts`, as
:func:`radcore.kernels.ngtdm.ngtdm_by_slice` computes them).

PyRadiomics' NGTDM class computes the same five formulas from these records (their ``pyradiomics`` names)
over its own counts: its n_i also counts the voxels without a neighbour (adding 0 to s_i), so N_vp is the
ROI's voxel count, and i runs over the grey levels present (:class:`Ngtdm` ``levels``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from radcore.features.registry import Family, Feature

#: IBSI: coarseness when sum_i p_i s_i = 0 (a flat ROI)
MAX_COARSENESS = 1.0e6


@dataclass(frozen=True)
class Ngtdm:
    """The NGTDM s_i, n_i (float64 (k,) each) of the grey levels ``levels`` (float64 (k,); None: 1..k, so
    that index i - 1 is grey level i)."""

    s: np.ndarray
    n: np.ndarray
    levels: np.ndarray | None = None

    @cached_property
    def n_valid(self) -> float:
        """N_vc, the number of voxels with a valid neighbourhood."""
        return float(self.n.sum())

    @cached_property
    def present(self) -> np.ndarray:
        return self.n > 0

    @cached_property
    def p(self) -> np.ndarray:
        """p_i of the levels present."""
        return self.n[self.present] / self.n_valid

    @cached_property
    def i(self) -> np.ndarray:
        """Grey levels present."""
        if self.levels is not None:
            return np.asarray(self.levels, np.float64)[self.present]
        return np.flatnonzero(self.present).astype(np.float64) + 1.0

    @cached_property
    def si(self) -> np.ndarray:
        """s_i of the levels present."""
        return self.s[self.present]


def coarseness(m: Ngtdm) -> float:
    """Coarseness: 1 / sum_i p_i s_i; 10^6 when the sum is 0."""
    total = float(m.p @ m.si)
    return MAX_COARSENESS if total == 0 else 1.0 / total


def contrast(m: Ngtdm) -> float:
    """Contrast: (1/(N_gp (N_gp - 1)) sum_i sum_j p_i p_j (i - j)^2) (1/N_vc sum_i s_i); 0 if N_gp <= 1."""
    ngp = m.i.size
    if ngp <= 1:
        return 0.0
    d2 = (m.i[:, None] - m.i[None, :]) ** 2
    return float(m.p @ d2 @ m.p / (ngp * (ngp - 1)) * m.si.sum() / m.n_valid)


def busyness(m: Ngtdm) -> float:
    """Busyness: sum_i p_i s_i / sum_i sum_j |i p_i - j p_j|; 0 when the denominator is 0 (N_gp <= 1)."""
    ip = m.i * m.p
    den = float(np.abs(ip[:, None] - ip[None, :]).sum())
    return 0.0 if den == 0 else float(m.p @ m.si) / den


def complexity(m: Ngtdm) -> float:
    """Complexity: 1/N_vc sum_i sum_j |i - j| (p_i s_i + p_j s_j) / (p_i + p_j); 0 if N_vc = 0."""
    if m.n_valid == 0:
        return 0.0
    ps = m.p * m.si
    num = np.abs(m.i[:, None] - m.i[None, :]) * (ps[:, None] + ps[None, :])
    return float((num / (m.p[:, None] + m.p[None, :])).sum() / m.n_valid)


def strength(m: Ngtdm) -> float:
    """Strength: sum_i sum_j (p_i + p_j)(i - j)^2 / sum_i s_i; 0 when sum_i s_i = 0."""
    total = float(m.si.sum())
    if total == 0:
        return 0.0
    d2 = (m.i[:, None] - m.i[None, :]) ** 2
    return float(((m.p[:, None] + m.p[None, :]) * d2).sum() / total)


def _feature(name: str, code: str, tag: str, fn, description: str) -> Feature:
    return Feature("ngtdm", name, code, f"ngt_{tag}", fn, description, pyradiomics=description)


FEATURES = (
    _feature("coarseness", "QCDE", "coarseness", coarseness, "Coarseness"),
    _feature("contrast", "65HE", "contrast", contrast, "Contrast"),
    _feature("busyness", "NQ30", "busyness", busyness, "Busyness"),
    _feature("complexity", "HDEZ", "complexity", complexity, "Complexity"),
    _feature("strength", "1X9X", "strength", strength, "Strength"),
)


def _averaged(aggregation: str, summaries: list[Ngtdm]) -> dict[tuple[str, str], float]:
    """Every feature averaged over ``summaries`` (one per slice for 2D, a single one otherwise)."""
    return {(f.name, aggregation): float(np.mean([f.function(s) for s in summaries])) for f in FEATURES}


def compute(roi, disc, settings) -> dict[tuple[str, str], float]:
    """NGTDM features for each of settings.texture.zone_aggregations."""
    d = settings.texture.ngtdm_distance
    # s and n do not depend on alpha: asking with the NGLDM's shares one pass with that family
    alpha = settings.texture.ngldm_coarseness
    aggregations = settings.texture.zone_aggregations
    out: dict[tuple[str, str], float] = {}
    if "2D" in aggregations or "2_5D" in aggregations:
        _, s, n = disc.neighbourhoods((0, d, d), alpha)
        if "2D" in aggregations:
            slices = [Ngtdm(s[z], n[z]) for z in range(s.shape[0]) if n[z].any()]
            out.update(_averaged( "2D", slices or [Ngtdm(s.sum(axis=0), n.sum(axis=0))]))
        if "2_5D" in aggregations:
            out.update(_averaged( "2_5D", [Ngtdm(s.sum(axis=0), n.sum(axis=0))]))
    if "3D" in aggregations:
        _, s, n = disc.neighbourhoods((d, d, d), alpha)
        out.update(_averaged( "3D", [Ngtdm(s.sum(axis=0), n.sum(axis=0))]))
    return out


FAMILY = Family(
    "ngtdm", "ngt", FEATURES, compute, aggregations="zone_aggregations", pyradiomics="ngtdm",
)
