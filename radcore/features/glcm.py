"""Grey-level co-occurrence matrix features (IBSI 3.6, family code LFYI).

Notation (IBSI): ``p_ij`` the co-occurrence matrix normalised to sum 1, i, j = 1..Ng grey levels,
``p_i.`` / ``p_.j`` row / column marginals with means ``mu_i.``, ``mu_.j`` and standard deviations
``sigma_i.``, ``sigma_.j``; ``p_{i-j}(k) = sum_{|i-j|=k} p_ij`` for k = 0..Ng-1 and
``p_{i+j}(k) = sum_{i+j=k} p_ij`` for k = 2..2Ng. Entropies use log base 2; ``0 log 0 = 0``.
``HX = -sum p_i. log2 p_i.``, ``HY = -sum p_.j log2 p_.j``, ``HXY`` the joint entropy,
``HXY1 = -sum p_ij log2(p_i. p_.j)`` and ``HXY2 = -sum p_i. p_.j log2(p_i. p_.j)``; both equal
HX + HY when the marginals come from the same matrix, which is how they are computed here.

Each feature function takes a :class:`GlcmSummary` of a stack of matrices (any leading shape) and
returns one value per matrix. Matrices are symmetric (IBSI), built for Chebyshev distance
``settings.texture.glcm_distance`` along the 4 in-plane or 13 volumetric directions, and aggregated as
described in :mod:`radcore.features.directional`. NaN only where IBSI's formula divides by zero:
correlation when a marginal has zero variance and information correlation 1 when HX = HY = 0 (both
happen for a flat ROI with a single grey level).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from radcore.features.directional import SLICE_AGGREGATIONS, VOLUME_AGGREGATIONS, aggregate
from radcore.features.registry import Family, Feature
from radcore.kernels import directions
from radcore.kernels.texture import cooccurrence_counts
from radcore.roi import Discretised

#: matrices per batch are limited to about this many elements (memory of the temporaries)
_BATCH_ELEMENTS = 1 << 21


def _entropy(p: np.ndarray, axes) -> np.ndarray:
    """-sum p log2 p over ``axes`` with 0 log 0 = 0."""
    return -np.sum(p * np.log2(np.where(p > 0, p, 1.0)), axis=axes)


def _grouped_sums(p: np.ndarray, key: np.ndarray, n_keys: int) -> np.ndarray:
    """Sums of the last two axes of ``p`` (..., Ng, Ng) grouped by ``key`` (Ng, Ng) in 0..n_keys-1."""
    flat = p.reshape(p.shape[:-2] + (-1,))
    order = np.argsort(key.ravel(), kind="stable")
    starts = np.searchsorted(key.ravel()[order], np.arange(n_keys))
    return np.add.reduceat(flat[..., order], starts, axis=-1)


@dataclass(frozen=True)
class GlcmSummary:
    """A stack of normalised co-occurrence matrices and the marginals every feature needs.

    p (..., Ng, Ng); p_row = p_i., p_col = p_.j (..., Ng); p_diff = p_{i-j}(k), k = 0..Ng-1;
    p_sum = p_{i+j}(k), k = 2..2Ng; grey levels ``levels`` = 1..Ng.
    """

    p: np.ndarray
    n_levels: int
    levels: np.ndarray
    p_row: np.ndarray
    p_col: np.ndarray
    p_diff: np.ndarray
    p_sum: np.ndarray
    mu_row: np.ndarray
    mu_col: np.ndarray
    var_row: np.ndarray
    var_col: np.ndarray
    hx: np.ndarray
    hy: np.ndarray
    hxy: np.ndarray

    @classmethod
    def from_counts(cls, counts: np.ndarray) -> "GlcmSummary":
        """Summary of co-occurrence counts (..., Ng, Ng); every matrix must hold at least one pair."""
        counts = np.asarray(counts, dtype=np.float64)
        ng = counts.shape[-1]
        total = counts.sum(axis=(-2, -1))
        if np.any(total <= 0):
            raise ValueError("every co-occurrence matrix must hold at least one voxel pair")
        p = counts / total[..., None, None]
        g = np.arange(1, ng + 1, dtype=np.float64)
        i, j = np.meshgrid(np.arange(ng), np.arange(ng), indexing="ij")
        p_row = p.sum(axis=-1)
        p_col = p.sum(axis=-2)
        mu_row = p_row @ g
        mu_col = p_col @ g
        return cls(
            p=p,
            n_levels=ng,
            levels=g,
            p_row=p_row,
            p_col=p_col,
            p_diff=_grouped_sums(p, np.abs(i - j), ng),
            p_sum=_grouped_sums(p, i + j, 2 * ng - 1),
            mu_row=mu_row,
            mu_col=mu_col,
            var_row=p_row @ g**2 - mu_row**2,
            var_col=p_col @ g**2 - mu_col**2,
            hx=_entropy(p_row, -1),
            hy=_entropy(p_col, -1),
            hxy=_entropy(p, (-2, -1)),
        )

    @property
    def k_diff(self) -> np.ndarray:
        """k = 0..Ng-1, the index of ``p_diff``."""
        return np.arange(self.n_levels, dtype=np.float64)

    @property
    def k_sum(self) -> np.ndarray:
        """k = 2..2Ng, the index of ``p_sum``."""
        return np.arange(2, 2 * self.n_levels + 1, dtype=np.float64)


def joint_maximum(s: GlcmSummary) -> np.ndarray:
    """Joint maximum: max_ij p_ij."""
    return s.p.max(axis=(-2, -1))


def joint_average(s: GlcmSummary) -> np.ndarray:
    """Joint average: mu = sum_ij i p_ij."""
    return s.mu_row


def joint_variance(s: GlcmSummary) -> np.ndarray:
    """Joint variance: sum_ij (i - mu)^2 p_ij, mu the joint average."""
    return np.maximum(s.var_row, 0.0)


def joint_entropy(s: GlcmSummary) -> np.ndarray:
    """Joint entropy: HXY = -sum_ij p_ij log2 p_ij."""
    return s.hxy


def difference_average(s: GlcmSummary) -> np.ndarray:
    """Difference average: mu_{x-y} = sum_k k p_{i-j}(k)."""
    return s.p_diff @ s.k_diff


def difference_variance(s: GlcmSummary) -> np.ndarray:
    """Difference variance: sum_k (k - mu_{x-y})^2 p_{i-j}(k)."""
    mu = difference_average(s)
    return np.sum((s.k_diff - mu[..., None]) ** 2 * s.p_diff, axis=-1)


def difference_entropy(s: GlcmSummary) -> np.ndarray:
    """Difference entropy: -sum_k p_{i-j}(k) log2 p_{i-j}(k)."""
    return _entropy(s.p_diff, -1)


def sum_average(s: GlcmSummary) -> np.ndarray:
    """Sum average: mu_{x+y} = sum_k k p_{i+j}(k)."""
    return s.p_sum @ s.k_sum


def sum_variance(s: GlcmSummary) -> np.ndarray:
    """Sum variance: sum_k (k - mu_{x+y})^2 p_{i+j}(k)."""
    mu = sum_average(s)
    return np.sum((s.k_sum - mu[..., None]) ** 2 * s.p_sum, axis=-1)


def sum_entropy(s: GlcmSummary) -> np.ndarray:
    """Sum entropy: -sum_k p_{i+j}(k) log2 p_{i+j}(k)."""
    return _entropy(s.p_sum, -1)


def angular_second_moment(s: GlcmSummary) -> np.ndarray:
    """Angular second moment (energy): sum_ij p_ij^2."""
    return np.sum(s.p**2, axis=(-2, -1))


def contrast(s: GlcmSummary) -> np.ndarray:
    """Contrast: sum_ij (i - j)^2 p_ij = sum_k k^2 p_{i-j}(k)."""
    return s.p_diff @ s.k_diff**2


def dissimilarity(s: GlcmSummary) -> np.ndarray:
    """Dissimilarity: sum_ij |i - j| p_ij = sum_k k p_{i-j}(k)."""
    return s.p_diff @ s.k_diff


def inverse_difference(s: GlcmSummary) -> np.ndarray:
    """Inverse difference: sum_k p_{i-j}(k) / (1 + k)."""
    return s.p_diff @ (1.0 / (1.0 + s.k_diff))


def normalised_inverse_difference(s: GlcmSummary) -> np.ndarray:
    """Normalised inverse difference: sum_k p_{i-j}(k) / (1 + k / Ng)."""
    return s.p_diff @ (1.0 / (1.0 + s.k_diff / s.n_levels))


def inverse_difference_moment(s: GlcmSummary) -> np.ndarray:
    """Inverse difference moment: sum_k p_{i-j}(k) / (1 + k^2)."""
    return s.p_diff @ (1.0 / (1.0 + s.k_diff**2))


def normalised_inverse_difference_moment(s: GlcmSummary) -> np.ndarray:
    """Normalised inverse difference moment: sum_k p_{i-j}(k) / (1 + k^2 / Ng^2)."""
    return s.p_diff @ (1.0 / (1.0 + s.k_diff**2 / s.n_levels**2))


def inverse_variance(s: GlcmSummary) -> np.ndarray:
    """Inverse variance: 2 sum_{i<j} p_ij / (i - j)^2 = sum_{k>=1} p_{i-j}(k) / k^2 (symmetric p)."""
    return s.p_diff[..., 1:] @ (1.0 / s.k_diff[1:] ** 2)


def correlation(s: GlcmSummary) -> np.ndarray:
    """Correlation: (sum_ij i j p_ij - mu_i. mu_.j) / (sigma_i. sigma_.j); NaN when a sigma is 0."""
    sd = np.sqrt(np.maximum(s.var_row, 0.0) * np.maximum(s.var_col, 0.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(sd > 0, (autocorrelation(s) - s.mu_row * s.mu_col) / sd, np.nan)


def autocorrelation(s: GlcmSummary) -> np.ndarray:
    """Autocorrelation: sum_ij i j p_ij."""
    return np.einsum("...ij,i,j->...", s.p, s.levels, s.levels)


def _cluster_moment(s: GlcmSummary, power: int) -> np.ndarray:
    centre = s.mu_row + s.mu_col
    return np.sum((s.k_sum - centre[..., None]) ** power * s.p_sum, axis=-1)


def cluster_tendency(s: GlcmSummary) -> np.ndarray:
    """Cluster tendency: sum_ij (i + j - mu_i. - mu_.j)^2 p_ij."""
    return _cluster_moment(s, 2)


def cluster_shade(s: GlcmSummary) -> np.ndarray:
    """Cluster shade: sum_ij (i + j - mu_i. - mu_.j)^3 p_ij."""
    return _cluster_moment(s, 3)


def cluster_prominence(s: GlcmSummary) -> np.ndarray:
    """Cluster prominence: sum_ij (i + j - mu_i. - mu_.j)^4 p_ij."""
    return _cluster_moment(s, 4)


def information_correlation_1(s: GlcmSummary) -> np.ndarray:
    """Information correlation 1: (HXY - HXY1) / max(HX, HY); NaN when HX = HY = 0."""
    denominator = np.maximum(s.hx, s.hy)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(denominator > 0, (s.hxy - (s.hx + s.hy)) / denominator, np.nan)


def information_correlation_2(s: GlcmSummary) -> np.ndarray:
    """Information correlation 2: sqrt(1 - exp(-2 (HXY2 - HXY)))."""
    return np.sqrt(np.maximum(1.0 - np.exp(-2.0 * (s.hx + s.hy - s.hxy)), 0.0))


def _feature(name: str, code: str, tag: str, fn, description: str) -> Feature:
    return Feature("glcm", name, code, f"cm_{tag}", fn, description)


FEATURES = (
    _feature("joint_max", "GYBY", "joint_max", joint_maximum, "Joint maximum"),
    _feature("joint_avg", "60VM", "joint_avg", joint_average, "Joint average"),
    _feature("joint_var", "UR99", "joint_var", joint_variance, "Joint variance"),
    _feature("joint_entr", "TU9B", "joint_entr", joint_entropy, "Joint entropy"),
    _feature("diff_avg", "TF7R", "diff_avg", difference_average, "Difference average"),
    _feature("diff_var", "D3YU", "diff_var", difference_variance, "Difference variance"),
    _feature("diff_entr", "NTRS", "diff_entr", difference_entropy, "Difference entropy"),
    _feature("sum_avg", "ZGXS", "sum_avg", sum_average, "Sum average"),
    _feature("sum_var", "OEEB", "sum_var", sum_variance, "Sum variance"),
    _feature("sum_entr", "P6QZ", "sum_entr", sum_entropy, "Sum entropy"),
    _feature("energy", "8ZQL", "energy", angular_second_moment, "Angular second moment"),
    _feature("contrast", "ACUI", "contrast", contrast, "Contrast"),
    _feature("dissimilarity", "8S9J", "dissimilarity", dissimilarity, "Dissimilarity"),
    _feature("inv_diff", "IB1Z", "inv_diff", inverse_difference, "Inverse difference"),
    _feature("inv_diff_norm", "NDRX", "inv_diff_norm", normalised_inverse_difference,
             "Normalised inverse difference"),
    _feature("inv_diff_mom", "WF0Z", "inv_diff_mom", inverse_difference_moment,
             "Inverse difference moment"),
    _feature("inv_diff_mom_norm", "1QCO", "inv_diff_mom_norm", normalised_inverse_difference_moment,
             "Normalised inverse difference moment"),
    _feature("inv_var", "E8JP", "inv_var", inverse_variance, "Inverse variance"),
    _feature("corr", "NI2N", "corr", correlation, "Correlation"),
    _feature("auto_corr", "QWB0", "auto_corr", autocorrelation, "Autocorrelation"),
    _feature("clust_tend", "DG8W", "clust_tend", cluster_tendency, "Cluster tendency"),
    _feature("clust_shade", "7NFM", "clust_shade", cluster_shade, "Cluster shade"),
    _feature("clust_prom", "AE86", "clust_prom", cluster_prominence, "Cluster prominence"),
    _feature("info_corr1", "R8DG", "info_corr1", information_correlation_1, "Information correlation 1"),
    _feature("info_corr2", "JN9H", "info_corr2", information_correlation_2, "Information correlation 2"),
)


def evaluate(counts: np.ndarray) -> dict[str, np.ndarray]:
    """Every GLCM feature of each non-empty count matrix of the stack (n, Ng, Ng): name -> (n,)."""
    n, ng = counts.shape[0], counts.shape[-1]
    step = max(1, _BATCH_ELEMENTS // (ng * ng))
    parts = []
    for start in range(0, n, step):
        s = GlcmSummary.from_counts(counts[start:start + step])
        parts.append({f.name: np.asarray(f.function(s), dtype=np.float64) for f in FEATURES})
    return {f.name: np.concatenate([p[f.name] for p in parts]) for f in FEATURES}


def matrices(disc: Discretised, distance: int, aggregations) -> tuple:
    """(per-slice (n_slices, 4, Ng, Ng) or None, volume (13, Ng, Ng) or None) symmetric counts as needed,
    counted on the discretised ROI's shared texture layout."""
    slices = volume = None
    offsets = directions.offsets(distance)
    n_plane = len(directions.IN_PLANE)
    tex, n_levels = disc.texture(distance), disc.n_levels
    if any(a in SLICE_AGGREGATIONS for a in aggregations):
        slices = cooccurrence_counts(tex, offsets[:n_plane], n_levels, by_slice=True)
    if any(a in VOLUME_AGGREGATIONS for a in aggregations):
        if slices is None:
            volume = cooccurrence_counts(tex, offsets, n_levels)[0]
        else:  # the in-plane directions are the slices' sum
            rest = cooccurrence_counts(tex, offsets[n_plane:], n_levels)[0]
            volume = np.concatenate([slices.sum(axis=0), rest])
    return slices, volume


def compute(roi, disc, settings) -> dict[tuple[str, str], float]:
    """GLCM features for each aggregation in ``settings.texture.matrix_aggregations``."""
    aggregations = settings.texture.matrix_aggregations
    slices, volume = matrices(disc, settings.texture.glcm_distance, aggregations)
    return aggregate(slices, volume, aggregations, evaluate, [f.name for f in FEATURES])


FAMILY = Family("glcm", "cm", FEATURES, compute, aggregated=True)
