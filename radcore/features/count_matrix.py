"""The formulas shared by every count matrix: GLRLM, GLSZM, GLDZM, NGLDM (PyRadiomics: GLRLM, GLSZM, GLDM).

Each of these matrices counts entries (runs, zones, neighbourhoods) by grey level i (rows) and a size-like
value j (columns: run length, zone size, zone distance, dependence count). With ``P(i, j)`` the counts,
``N_s = sum_ij P(i, j)`` the number of entries, ``p(i, j) = P(i, j) / N_s`` and the marginals
``P_i = sum_j P(i, j)``, ``P_j = sum_i P(i, j)``, the IBSI (3.7-3.11) and PyRadiomics define the same
formulas, written once here. The two conventions differ only in parameters:

- the logarithm of the entropy: ``log2(p)`` (IBSI, 0 log 0 = 0) or ``log2(p + eps)`` (PyRadiomics,
  eps = machine epsilon) -- the ``eps`` argument;
- the rows and columns: the IBSI keeps every grey level 1..Ng and PyRadiomics only those present, with the
  same values i, so the sums agree; both keep the present sizes only (the IBSI's run lengths 1..Nr with
  zero columns sum the same);
- the percentage's denominator: ``sum_j j P_j`` (the voxels the runs cover) is the formula; zone and
  dependence matrices divide by the ROI's voxel count instead, which the family passes on.

The functions below are the NumPy reference of each formula (stacks of matrices in, one value per matrix
out); :func:`evaluate` computes all of them in one compiled pass
(:func:`radcore.kernels.count_matrix.count_matrix_features`), tested against these references.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from radcore.kernels.count_matrix import count_matrix_features


@dataclass(frozen=True)
class CountMatrices:
    """A stack of count matrices P (k, n, m) with row values ``i`` (n,) and column values ``j`` (m,)."""

    P: np.ndarray
    i: np.ndarray
    j: np.ndarray

    @property
    def total(self) -> np.ndarray:
        return self.P.sum(axis=(1, 2))

    @property
    def rows(self) -> np.ndarray:
        return self.P.sum(axis=2)

    @property
    def cols(self) -> np.ndarray:
        return self.P.sum(axis=1)

    def joint(self, wi: np.ndarray, wj: np.ndarray) -> np.ndarray:
        """1/N_s sum_ij P(i, j) wi_i wj_j."""
        return np.einsum("kij,i,j->k", self.P, wi, wj) / self.total


def small_emphasis(c: CountMatrices) -> np.ndarray:
    """Short run / small zone / small distance / low dependence emphasis: 1/N_s sum_j P_j / j^2."""
    return c.cols @ c.j**-2.0 / c.total


def large_emphasis(c: CountMatrices) -> np.ndarray:
    """Long run / large zone / large distance / high dependence emphasis: 1/N_s sum_j P_j j^2."""
    return c.cols @ c.j**2 / c.total


def grey_non_uniformity(c: CountMatrices) -> np.ndarray:
    """Grey level non-uniformity: 1/N_s sum_i P_i^2."""
    return np.sum(c.rows**2, axis=1) / c.total


def grey_non_uniformity_norm(c: CountMatrices) -> np.ndarray:
    """Normalised grey level non-uniformity: 1/N_s^2 sum_i P_i^2."""
    return np.sum(c.rows**2, axis=1) / c.total**2


def value_non_uniformity(c: CountMatrices) -> np.ndarray:
    """Run length / zone size / zone distance / dependence count non-uniformity: 1/N_s sum_j P_j^2."""
    return np.sum(c.cols**2, axis=1) / c.total


def value_non_uniformity_norm(c: CountMatrices) -> np.ndarray:
    """Normalised run length / zone size / zone distance / dependence count non-uniformity:
    1/N_s^2 sum_j P_j^2."""
    return np.sum(c.cols**2, axis=1) / c.total**2


def percentage(c: CountMatrices) -> np.ndarray:
    """Run / zone / dependence count percentage: N_s / N_v with N_v = sum_j j P_j the voxels the entries
    cover (zone and dependence families pass the ROI's voxel count N_v instead)."""
    return c.total / (c.cols @ c.j)


def _variance(p: np.ndarray, x: np.ndarray) -> np.ndarray:
    mu = p @ x
    return np.sum(p * (x[None, :] - mu[:, None]) ** 2, axis=1)


def grey_variance(c: CountMatrices) -> np.ndarray:
    """Grey level variance: sum_ij (i - mu)^2 p(i, j), mu = sum_ij i p(i, j)."""
    return _variance(c.rows / c.total[:, None], c.i)


def value_variance(c: CountMatrices) -> np.ndarray:
    """Run length / zone size / zone distance / dependence count variance: sum_ij (j - mu)^2 p(i, j),
    mu = sum_ij j p(i, j)."""
    return _variance(c.cols / c.total[:, None], c.j)


def entropy(c: CountMatrices, eps: float = 0.0) -> np.ndarray:
    """Run / zone size / zone distance / dependence count entropy: -sum_ij p(i, j) log2(p(i, j) + eps),
    0 log 0 = 0."""
    p = c.P / c.total[:, None, None]
    safe = np.where(p > 0, p, 1.0)
    return -np.sum(np.where(p > 0, p * np.log2(safe + eps), 0.0), axis=(1, 2))


def low_grey_emphasis(c: CountMatrices) -> np.ndarray:
    """Low grey level run / zone / count emphasis: 1/N_s sum_i P_i / i^2."""
    return c.rows @ c.i**-2.0 / c.total


def high_grey_emphasis(c: CountMatrices) -> np.ndarray:
    """High grey level run / zone / count emphasis: 1/N_s sum_i P_i i^2."""
    return c.rows @ c.i**2 / c.total


def small_low_emphasis(c: CountMatrices) -> np.ndarray:
    """Small (short, low dependence) low grey level emphasis: 1/N_s sum_ij P(i, j) / (i^2 j^2)."""
    return c.joint(c.i**-2.0, c.j**-2.0)


def small_high_emphasis(c: CountMatrices) -> np.ndarray:
    """Small (short, low dependence) high grey level emphasis: 1/N_s sum_ij P(i, j) i^2 / j^2."""
    return c.joint(c.i**2, c.j**-2.0)


def large_low_emphasis(c: CountMatrices) -> np.ndarray:
    """Large (long, high dependence) low grey level emphasis: 1/N_s sum_ij P(i, j) j^2 / i^2."""
    return c.joint(c.i**-2.0, c.j**2)


def large_high_emphasis(c: CountMatrices) -> np.ndarray:
    """Large (long, high dependence) high grey level emphasis: 1/N_s sum_ij P(i, j) i^2 j^2."""
    return c.joint(c.i**2, c.j**2)


def energy(c: CountMatrices) -> np.ndarray:
    """Dependence count energy: sum_ij p(i, j)^2."""
    return np.sum((c.P / c.total[:, None, None]) ** 2, axis=(1, 2))


#: the formulas in the column order of :func:`evaluate` (and of the compiled kernel)
FORMULAS = (
    small_emphasis, large_emphasis, grey_non_uniformity, grey_non_uniformity_norm, value_non_uniformity,
    value_non_uniformity_norm, percentage, grey_variance, value_variance, entropy, low_grey_emphasis,
    high_grey_emphasis, small_low_emphasis, small_high_emphasis, large_low_emphasis, large_high_emphasis, energy,
)
#: formula -> its column of :func:`evaluate`
COLUMN = {formula: k for k, formula in enumerate(FORMULAS)}


def evaluate(P: np.ndarray, i: np.ndarray, j: np.ndarray, eps: float = 0.0,
             n_voxels: np.ndarray | float | None = None) -> np.ndarray:
    """float64 (k, 17): every formula (columns in :data:`FORMULAS` order) of each matrix of ``P`` (k, n, m).

    ``eps`` goes inside the entropy's logarithm; ``n_voxels`` (scalar or (k,)), when given, is the
    percentage's denominator N_v in place of sum_j j P_j. A matrix without entries gives NaN.
    """
    out = count_matrix_features(P, i, j, eps)
    if n_voxels is not None:
        out[:, COLUMN[percentage]] = P.sum(axis=(1, 2)) / np.asarray(n_voxels, dtype=np.float64)
    return out
