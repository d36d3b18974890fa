"""Grey-level co-occurrence matrix features (IBSI 3.6, family code LFYI), for both conventions.

Notation (IBSI): ``p_ij`` the co-occurrence matrix normalised to sum 1, rows and columns the grey levels
i, j (1..Ng for the IBSI; PyRadiomics keeps the levels present, with the same values, so every sum
agrees), ``p_i.`` / ``p_.j`` row / column marginals with means ``mu_i.``, ``mu_.j`` and standard
deviations ``sigma_i.``, ``sigma_.j``; Ng the highest grey level; ``p_{i-j}(k) = sum_{|i-j|=k} p_ij`` for
k = 0..Ng-1 and ``p_{i+j}(k) = sum_{i+j=k} p_ij`` for k = 2..2Ng. Entropies use log base 2 of
``p + eps`` (eps = 0 for the IBSI, 0 log 0 = 0; machine epsilon for PyRadiomics):
``HX = -sum p_i. log2 p_i.``, ``HY = -sum p_.j log2 p_.j``, ``HXY`` the joint entropy,
``HXY1 = -sum p_ij log2(p_i. p_.j)`` and ``HXY2 = -sum p_i. p_.j log2(p_i. p_.j)``.

The formulas below are the one NumPy reference of each feature (a stack of matrices in, one value per
matrix out), for both conventions; :func:`evaluate` computes all of them in one compiled pass
(:func:`radcore.kernels.glcm_formulas.glcm_features`), tested against them. Where a formula is undefined
the conventions differ, and :class:`GlcmSummary` carries which one applies (``ibsi``): the IBSI gives NaN
(correlation when a marginal has zero variance, information correlation 1 when HX = HY = 0, both for a
flat ROI with a single grey level); PyRadiomics 1 and HXY - HXY1.

IBSI matrices are symmetric, built for Chebyshev distance ``settings.texture.glcm_distance`` along the 4
in-plane or 13 volumetric directions, and aggregated as described in :mod:`radcore.features.directional`;
PyRadiomics' (:mod:`radcore.pyradiomics.features.glcm`) follow its own offsets and averaging, and the
registry records below name each formula's PyRadiomics feature.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from radcore.features.directional import SLICE_AGGREGATIONS, VOLUME_AGGREGATIONS, aggregate
from radcore.features.registry import Family, Feature
from radcore.kernels import directions
from radcore.kernels.glcm_formulas import glcm_features
from radcore.kernels.texture import cooccurrence_counts
from radcore.roi import Discretised


def _entropy(p: np.ndarray, eps: float, axes) -> np.ndarray:
    """-sum p log2(p + eps) over ``axes`` with 0 log 0 = 0."""
    return -np.sum(np.where(p > 0, p * np.log2(np.where(p > 0, p, 1.0) + eps), 0.0), axis=axes)


@dataclass(frozen=True)
class GlcmSummary:
    """A stack of normalised co-occurrence matrices p (k, n, n) with the grey level of each row and column
    (``levels`` (n,)), the eps of the logarithms and the convention for undefined values (``ibsi``)."""

    p: np.ndarray
    levels: np.ndarray
    eps: float = 0.0
    ibsi: bool = True

    @cached_property
    def n_levels(self) -> int:
        """Ng, the highest grey level."""
        return int(self.levels[-1])

    @cached_property
    def p_row(self) -> np.ndarray:
        return self.p.sum(axis=2)

    @cached_property
    def p_col(self) -> np.ndarray:
        return self.p.sum(axis=1)

    @cached_property
    def mu_row(self) -> np.ndarray:
        return self.p_row @ self.levels

    @cached_property
    def mu_col(self) -> np.ndarray:
        return self.p_col @ self.levels

    def _grouped(self, key: np.ndarray, size: int) -> np.ndarray:
        flat = self.p.reshape(self.p.shape[0], -1)
        index = key.astype(np.int64).ravel()
        return np.stack([np.bincount(index, weights=row, minlength=size) for row in flat])

    @cached_property
    def p_diff(self) -> np.ndarray:
        """p_{i-j}(k), k = 0..Ng-1."""
        return self._grouped(np.abs(self.levels[:, None] - self.levels[None, :]), self.n_levels)

    @cached_property
    def p_sum(self) -> np.ndarray:
        """p_{i+j}(k), k = 2..2Ng."""
        return self._grouped(self.levels[:, None] + self.levels[None, :] - 2, 2 * self.n_levels - 1)

    @property
    def k_diff(self) -> np.ndarray:
        return np.arange(self.n_levels, dtype=np.float64)

    @property
    def k_sum(self) -> np.ndarray:
        return np.arange(2, 2 * self.n_levels + 1, dtype=np.float64)

    @cached_property
    def hx(self) -> np.ndarray:
        return _entropy(self.p_row, self.eps, 1)

    @cached_property
    def hy(self) -> np.ndarray:
        return _entropy(self.p_col, self.eps, 1)

    @cached_property
    def hxy(self) -> np.ndarray:
        return _entropy(self.p, self.eps, (1, 2))

    @cached_property
    def outer(self) -> np.ndarray:
        """p_i. p_.j (k, n, n)."""
        return self.p_row[:, :, None] * self.p_col[:, None, :]

    @cached_property
    def hxy1(self) -> np.ndarray:
        safe = np.where(self.p > 0, self.outer, 1.0)
        return -np.sum(np.where(self.p > 0, self.p * np.log2(safe + self.eps), 0.0), axis=(1, 2))

    @cached_property
    def hxy2(self) -> np.ndarray:
        return _entropy(self.outer, self.eps, (1, 2))

    def centred(self) -> tuple[np.ndarray, np.ndarray]:
        """(i - mu_i.), (j - mu_.j) broadcast to (k, n, n)."""
        return (self.levels[None, :, None] - self.mu_row[:, None, None],
                self.levels[None, None, :] - self.mu_col[:, None, None])


def joint_maximum(s: GlcmSummary) -> np.ndarray:
    """Joint maximum: max_ij p_ij."""
    return s.p.max(axis=(1, 2))


def joint_average(s: GlcmSummary) -> np.ndarray:
    """Joint average: mu = sum_ij i p_ij."""
    return s.mu_row


def joint_variance(s: GlcmSummary) -> np.ndarray:
    """Joint variance (PyRadiomics' sum of squares): sum_ij (i - mu)^2 p_ij, mu the joint average."""
    di, _ = s.centred()
    return np.sum(s.p * di**2, axis=(1, 2))


def joint_entropy(s: GlcmSummary) -> np.ndarray:
    """Joint entropy: HXY = -sum_ij p_ij log2(p_ij + eps)."""
    return s.hxy


def difference_average(s: GlcmSummary) -> np.ndarray:
    """Difference average: mu_{x-y} = sum_k k p_{i-j}(k)."""
    return s.p_diff @ s.k_diff


def difference_variance(s: GlcmSummary) -> np.ndarray:
    """Difference variance: sum_k (k - mu_{x-y})^2 p_{i-j}(k)."""
    mu = difference_average(s)
    return np.sum((s.k_diff[None, :] - mu[:, None]) ** 2 * s.p_diff, axis=1)


def difference_entropy(s: GlcmSummary) -> np.ndarray:
    """Difference entropy: -sum_k p_{i-j}(k) log2(p_{i-j}(k) + eps)."""
    return _entropy(s.p_diff, s.eps, 1)


def sum_average(s: GlcmSummary) -> np.ndarray:
    """Sum average: mu_{x+y} = sum_k k p_{i+j}(k)."""
    return s.p_sum @ s.k_sum


def sum_variance(s: GlcmSummary) -> np.ndarray:
    """Sum variance: sum_k (k - mu_{x+y})^2 p_{i+j}(k)."""
    mu = sum_average(s)
    return np.sum((s.k_sum[None, :] - mu[:, None]) ** 2 * s.p_sum, axis=1)


def sum_entropy(s: GlcmSummary) -> np.ndarray:
    """Sum entropy: -sum_k p_{i+j}(k) log2(p_{i+j}(k) + eps)."""
    return _entropy(s.p_sum, s.eps, 1)


def angular_second_moment(s: GlcmSummary) -> np.ndarray:
    """Angular second moment (energy): sum_ij p_ij^2."""
    return np.sum(s.p**2, axis=(1, 2))


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
    """Inverse variance: sum_{k>=1} p_{i-j}(k) / k^2 (= 2 sum_{i<j} p_ij / (i - j)^2 for symmetric p)."""
    return s.p_diff[:, 1:] @ (1.0 / s.k_diff[1:] ** 2)


def correlation(s: GlcmSummary) -> np.ndarray:
    """Correlation: sum_ij (i - mu_i.)(j - mu_.j) p_ij / (sigma_i. sigma_.j); where a sigma is 0, NaN (IBSI)
    or 1 (PyRadiomics)."""
    di, dj = s.centred()
    sd = np.sqrt(np.sum(s.p * di**2, axis=(1, 2))) * np.sqrt(np.sum(s.p * dj**2, axis=(1, 2)))
    cov = np.sum(s.p * di * dj, axis=(1, 2))
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(sd != 0, cov / sd, np.nan if s.ibsi else 1.0)


def autocorrelation(s: GlcmSummary) -> np.ndarray:
    """Autocorrelation: sum_ij i j p_ij."""
    return np.einsum("kij,i,j->k", s.p, s.levels, s.levels)


def _cluster_moment(s: GlcmSummary, power: int) -> np.ndarray:
    di, dj = s.centred()
    return np.sum(s.p * (di + dj) ** power, axis=(1, 2))


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
    """Information correlation 1: (HXY - HXY1) / max(HX, HY); when HX = HY = 0, NaN (IBSI) or
    HXY - HXY1 (PyRadiomics)."""
    denominator = np.maximum(s.hx, s.hy)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(denominator != 0, (s.hxy - s.hxy1) / denominator, np.nan if s.ibsi else s.hxy - s.hxy1)


def information_correlation_2(s: GlcmSummary) -> np.ndarray:
    """Information correlation 2: sqrt(1 - exp(-2 (HXY2 - HXY))); the IBSI clips the root's argument at 0,
    PyRadiomics gives 0 when HXY2 = HXY."""
    arg = 1.0 - np.exp(-2.0 * (s.hxy2 - s.hxy))
    if s.ibsi:
        return np.sqrt(np.maximum(arg, 0.0))
    with np.errstate(invalid="ignore"):
        return np.where(s.hxy2 == s.hxy, 0.0, np.sqrt(arg))


def _feature(name: str, code: str, formula, description: str, pyradiomics: str = "") -> Feature:
    return Feature("glcm", name, code, f"cm_{name}", formula, description, pyradiomics=pyradiomics)


FEATURES = (
    _feature("joint_max", "GYBY", joint_maximum, "Joint maximum", "MaximumProbability"),
    _feature("joint_avg", "60VM", joint_average, "Joint average", "JointAverage"),
    _feature("joint_var", "UR99", joint_variance, "Joint variance", "SumSquares"),
    _feature("joint_entr", "TU9B", joint_entropy, "Joint entropy", "JointEntropy"),
    _feature("diff_avg", "TF7R", difference_average, "Difference average", "DifferenceAverage"),
    _feature("diff_var", "D3YU", difference_variance, "Difference variance", "DifferenceVariance"),
    _feature("diff_entr", "NTRS", difference_entropy, "Difference entropy", "DifferenceEntropy"),
    _feature("sum_avg", "ZGXS", sum_average, "Sum average", "SumAverage"),
    _feature("sum_var", "OEEB", sum_variance, "Sum variance"),
    _feature("sum_entr", "P6QZ", sum_entropy, "Sum entropy", "SumEntropy"),
    _feature("energy", "8ZQL", angular_second_moment, "Angular second moment", "JointEnergy"),
    _feature("contrast", "ACUI", contrast, "Contrast", "Contrast"),
    _feature("dissimilarity", "8S9J", dissimilarity, "Dissimilarity"),
    _feature("inv_diff", "IB1Z", inverse_difference, "Inverse difference", "Id"),
    _feature("inv_diff_norm", "NDRX", normalised_inverse_difference, "Normalised inverse difference", "Idn"),
    _feature("inv_diff_mom", "WF0Z", inverse_difference_moment, "Inverse difference moment", "Idm"),
    _feature("inv_diff_mom_norm", "1QCO", normalised_inverse_difference_moment,
             "Normalised inverse difference moment", "Idmn"),
    _feature("inv_var", "E8JP", inverse_variance, "Inverse variance", "InverseVariance"),
    _feature("corr", "NI2N", correlation, "Correlation", "Correlation"),
    _feature("auto_corr", "QWB0", autocorrelation, "Autocorrelation", "Autocorrelation"),
    _feature("clust_tend", "DG8W", cluster_tendency, "Cluster tendency", "ClusterTendency"),
    _feature("clust_shade", "7NFM", cluster_shade, "Cluster shade", "ClusterShade"),
    _feature("clust_prom", "AE86", cluster_prominence, "Cluster prominence", "ClusterProminence"),
    _feature("info_corr1", "R8DG", information_correlation_1, "Information correlation 1", "Imc1"),
    _feature("info_corr2", "JN9H", information_correlation_2, "Information correlation 2", "Imc2"),
)
#: the formulas in the column order of :func:`evaluate` (and of the compiled kernel)
FORMULAS = tuple(f.function for f in FEATURES)
#: formula -> its column of :func:`evaluate`
COLUMN = {formula: k for k, formula in enumerate(FORMULAS)}


def evaluate(p: np.ndarray, levels: np.ndarray, eps: float = 0.0, ibsi: bool = True) -> np.ndarray:
    """float64 (k, 25): every formula (columns in :data:`FORMULAS` order) of each normalised GLCM of
    ``p`` (k, n, n) whose rows and columns are the grey levels ``levels`` (n,)."""
    return glcm_features(p, levels, eps, ibsi)


def evaluate_counts(counts: np.ndarray) -> dict[str, np.ndarray]:
    """Every GLCM feature (IBSI rules) of each non-empty count matrix of the stack (n, Ng, Ng), grey levels
    1..Ng: name -> (n,)."""
    p = counts / counts.sum(axis=(1, 2), keepdims=True)
    values = evaluate(p, np.arange(1, counts.shape[-1] + 1, dtype=np.float64))
    return {f.name: values[:, k] for k, f in enumerate(FEATURES)}


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
    return aggregate(slices, volume, aggregations, evaluate_counts, [f.name for f in FEATURES])


FAMILY = Family(
    "glcm", "cm", FEATURES, compute, aggregations="matrix_aggregations", pyradiomics="glcm",
)
