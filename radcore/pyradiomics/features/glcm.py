"""PyRadiomics grey level co-occurrence matrix (GLCM) features.

Matrices: one per offset a of :func:`radcore.pyradiomics.features.angles` (every offset with infinity norm
in ``distances``, in-plane only with ``force2D``), counting ROI voxel pairs (v, v + a) with
:func:`radcore.kernels.pyrad_texture.cooccurrence` on the texture layout; ``symmetricalGLCM`` adds the transpose. Rows and
columns of grey levels absent from the ROI are dropped, so i and j run over the grey levels present (their
values, not their ranks). With ``weightingNorm`` the matrices are summed with weights exp(-d^2) into one;
otherwise offsets without pairs are dropped. Each matrix is normalised, p(i, j) = P(i, j) / sum P, every
feature is computed per matrix and averaged over the matrices (NaN ignored).

Notation: Ng the highest grey level present; p_x(i) = sum_j p(i, j), p_y(j) = sum_i p(i, j);
mu_x = sum i p(i, j), mu_y = sum j p(i, j); p_{x+y}(k) = sum_{i+j=k} p(i, j) for k = 2..2Ng;
p_{x-y}(k) = sum_{|i-j|=k} p(i, j) for k = 0..Ng-1; HX, HY the entropies of p_x, p_y;
HXY = -sum p log2(p + eps); HXY1 = -sum p log2(p_x p_y + eps); HXY2 = -sum p_x p_y log2(p_x p_y + eps).
"""

from __future__ import annotations

import numpy as np

from radcore.kernels.pyrad_formulas import GLCM_NAMES, glcm_features, mcc_bound, mcc_matrix
from radcore.kernels.pyrad_lanczos import top_eigenvalue
from radcore.kernels.pyrad_texture import cooccurrence
from radcore.pyradiomics.features import EPS, angle_weights, angles, column_nanmeans, nanmean, select

FEATURES = (
    "Autocorrelation",
    "JointAverage",
    "ClusterProminence",
    "ClusterShade",
    "ClusterTendency",
    "Contrast",
    "Correlation",
    "DifferenceAverage",
    "DifferenceEntropy",
    "DifferenceVariance",
    "JointEnergy",
    "JointEntropy",
    "Imc1",
    "Imc2",
    "Idm",
    "MCC",
    "Idmn",
    "Id",
    "Idn",
    "InverseVariance",
    "MaximumProbability",
    "SumAverage",
    "SumEntropy",
    "SumSquares",
)
OPTIONAL: tuple[str, ...] = ()


def matrices(inputs, setting) -> tuple[np.ndarray, np.ndarray]:
    """Normalised GLCMs (k, n, n) over the n grey levels present, and those levels (float64)."""
    offsets = angles(setting.distances, inputs.levels.shape, setting.force2D, setting.force2Ddimension)
    tex = inputs.texture(int(np.abs(offsets).max()) if len(offsets) else 1)
    present = tex.present
    counts = cooccurrence(tex.ranks, tex.roi, tex.steps(offsets), len(present))
    if setting.symmetricalGLCM:
        counts = counts + np.transpose(counts, (0, 2, 1))
    if setting.weightingNorm is not None:
        weights = angle_weights(offsets, inputs.spacing, setting.weightingNorm)
        counts = np.tensordot(weights, counts, axes=1)[None]
    else:
        counts = counts[counts.sum(axis=(1, 2)) > 0]
    return counts / counts.sum(axis=(1, 2), keepdims=True), present


def _sum_by(flat: np.ndarray, index: np.ndarray, size: int) -> np.ndarray:
    """(k, size): for each row of ``flat`` (k, m), the sums of its entries grouped by ``index`` (m,)."""
    return np.stack([np.bincount(index, weights=row, minlength=size) for row in flat]) if len(flat) else np.zeros((0, size))


class _Glcm:
    """The per-matrix quantities the formulas share; arrays carry the matrix index first."""

    def __init__(self, p: np.ndarray, present: np.ndarray):
        self.p = p
        self.ng = present[-1]
        self.i = present[None, :, None]
        self.j = present[None, None, :]
        self.px = p.sum(axis=2)  # (k, n)
        self.py = p.sum(axis=1)
        self.ux = np.sum(self.i * p, axis=(1, 2))
        self.uy = np.sum(self.j * p, axis=(1, 2))
        total = (self.i + self.j)[0]
        diff = np.abs(self.i - self.j)[0]
        self.k_sum = np.arange(2, 2 * self.ng + 1)
        self.k_diff = np.arange(0, self.ng)
        flat = p.reshape(p.shape[0], -1)
        self.p_sum = _sum_by(flat, (total - 2).astype(np.int64).ravel(), self.k_sum.size)
        self.p_diff = _sum_by(flat, diff.astype(np.int64).ravel(), self.k_diff.size)
        self.hxy = -np.sum(p * np.log2(p + EPS), axis=(1, 2))

    def centred(self):
        return self.i - self.ux[:, None, None], self.j - self.uy[:, None, None]


def autocorrelation(g: _Glcm) -> np.ndarray:
    """Autocorrelation = sum p(i, j) i j."""
    return np.sum(g.p * g.i * g.j, axis=(1, 2))


def joint_average(g: _Glcm) -> np.ndarray:
    """JointAverage = mu_x = sum p(i, j) i."""
    return g.ux


def _cluster(g: _Glcm, power: int) -> np.ndarray:
    di, dj = g.centred()
    return np.sum(g.p * (di + dj) ** power, axis=(1, 2))


def cluster_prominence(g: _Glcm) -> np.ndarray:
    """ClusterProminence = sum p(i, j) (i + j - mu_x - mu_y)^4."""
    return _cluster(g, 4)


def cluster_shade(g: _Glcm) -> np.ndarray:
    """ClusterShade = sum p(i, j) (i + j - mu_x - mu_y)^3."""
    return _cluster(g, 3)


def cluster_tendency(g: _Glcm) -> np.ndarray:
    """ClusterTendency = sum p(i, j) (i + j - mu_x - mu_y)^2."""
    return _cluster(g, 2)


def contrast(g: _Glcm) -> np.ndarray:
    """Contrast = sum p(i, j) (i - j)^2."""
    return np.sum(g.p * (g.i - g.j) ** 2, axis=(1, 2))


def correlation(g: _Glcm) -> np.ndarray:
    """Correlation = sum p(i, j) (i - mu_x)(j - mu_y) / (sigma_x sigma_y); 1 when sigma_x sigma_y = 0."""
    di, dj = g.centred()
    cov = np.sum(g.p * di * dj, axis=(1, 2))
    sx = np.sqrt(np.sum(g.p * di**2, axis=(1, 2)))
    sy = np.sqrt(np.sum(g.p * dj**2, axis=(1, 2)))
    out = np.ones_like(cov)
    ok = sx * sy != 0
    out[ok] = cov[ok] / (sx[ok] * sy[ok])
    return out


def difference_average(g: _Glcm) -> np.ndarray:
    """DifferenceAverage = sum_k k p_{x-y}(k)."""
    return g.p_diff @ g.k_diff


def difference_entropy(g: _Glcm) -> np.ndarray:
    """DifferenceEntropy = -sum_k p_{x-y}(k) log2(p_{x-y}(k) + eps)."""
    return -np.sum(g.p_diff * np.log2(g.p_diff + EPS), axis=1)


def difference_variance(g: _Glcm) -> np.ndarray:
    """DifferenceVariance = sum_k (k - DA)^2 p_{x-y}(k), DA the DifferenceAverage."""
    da = difference_average(g)
    return np.sum((g.k_diff[None, :] - da[:, None]) ** 2 * g.p_diff, axis=1)


def joint_energy(g: _Glcm) -> np.ndarray:
    """JointEnergy = sum p(i, j)^2."""
    return np.sum(g.p**2, axis=(1, 2))


def joint_entropy(g: _Glcm) -> np.ndarray:
    """JointEntropy = HXY = -sum p(i, j) log2(p(i, j) + eps)."""
    return g.hxy


def _entropies(g: _Glcm):
    hx = -np.sum(g.px * np.log2(g.px + EPS), axis=1)
    hy = -np.sum(g.py * np.log2(g.py + EPS), axis=1)
    pxpy = g.px[:, :, None] * g.py[:, None, :]
    hxy1 = -np.sum(g.p * np.log2(pxpy + EPS), axis=(1, 2))
    hxy2 = -np.sum(pxpy * np.log2(pxpy + EPS), axis=(1, 2))
    return hx, hy, hxy1, hxy2


def imc1(g: _Glcm) -> np.ndarray:
    """Imc1 = (HXY - HXY1) / max(HX, HY); HXY - HXY1 when max(HX, HY) = 0."""
    hx, hy, hxy1, _ = _entropies(g)
    div = np.fmax(hx, hy)
    out = g.hxy - hxy1
    ok = div != 0
    out[ok] = out[ok] / div[ok]
    return out


def imc2(g: _Glcm) -> np.ndarray:
    """Imc2 = sqrt(1 - exp(-2 (HXY2 - HXY))); 0 when HXY2 = HXY."""
    _, _, _, hxy2 = _entropies(g)
    with np.errstate(invalid="ignore"):
        out = np.sqrt(1.0 - np.exp(-2.0 * (hxy2 - g.hxy)))
    out[hxy2 == g.hxy] = 0.0
    return out


def idm(g: _Glcm) -> np.ndarray:
    """Idm (inverse difference moment) = sum_k p_{x-y}(k) / (1 + k^2)."""
    return g.p_diff @ (1.0 / (1.0 + g.k_diff**2))


def mcc(g: _Glcm) -> np.ndarray:
    """MCC = sqrt(second largest eigenvalue of Q), Q(i, j) = sum_k p(i, k) p(j, k) / (p_x(i) p_y(k) + eps).

    1 for a single grey level (flat region).
    """
    return mcc_values(g.p)


def mcc_values(p: np.ndarray) -> np.ndarray:
    """MCC of each normalised GLCM of ``p`` (k, n, n); see :func:`mcc`."""
    if p.shape[1] < 2:
        return np.ones(p.shape[0])
    out = _mcc_symmetric(p, mcc_bound(p, EPS))
    slow = np.flatnonzero(np.isnan(out))
    if slow.size:
        eig = np.sort(np.linalg.eigvals(mcc_matrix(p[slow], EPS)), axis=-1)
        with np.errstate(invalid="ignore"):
            out[slow] = np.real(np.sqrt(eig[:, -2]))
    return out


#: largest bound on the relative change of the second eigenvalue accepted from dropping eps (below):
#: MCC = sqrt(lambda_2) then moves by at most 1e-5 relative, a tenth of the 1e-4 agreement
_MCC_TOLERANCE = 2e-5


#: from this many grey levels on, lambda_2 comes from Lanczos iteration plus a Cholesky certificate
#: (:func:`_lambda2_certified`) rather than a full symmetric eigensolver
_LANCZOS_LEVELS = 48
#: relative width of the interval [theta, theta (1 + _CERTIFIED)] certified to hold lambda_2
_CERTIFIED = 1e-7


def _mcc_symmetric(p: np.ndarray, err: np.ndarray) -> np.ndarray:
    """MCC per matrix from a symmetric eigenproblem where that is exact to ``_MCC_TOLERANCE``, else NaN.

    Without eps, Q = Dx^-1 P Dy^-1 P^T (Dx, Dy the diagonal matrices of p_x, p_y) is similar to the
    symmetric S S^T, S = Dx^-1/2 P Dy^-1/2 (levels without pairs give zero rows and columns, and zero
    eigenvalues, in both). With eps, Q = Q0 + dQ and Dx^1/2 Q Dx^-1/2 = S S^T + E, E = Dx^1/2 dQ Dx^-1/2;
    every eigenvalue moves by at most ||E||_2 <= ||E||_F = ``err`` (Bauer-Fike, symmetric base;
    :func:`radcore.kernels.pyrad_formulas.mcc_bound`). The symmetric value is used when
    ||E||_F (plus the width of the certified interval, for large matrices) <= _MCC_TOLERANCE * lambda_2.
    """
    px = p.sum(axis=2)
    py = p.sum(axis=1)
    rx = np.sqrt(px)
    ry = np.sqrt(py)
    with np.errstate(invalid="ignore", divide="ignore"):
        s = np.where(p > 0, p / (rx[:, :, None] * ry[:, None, :]), 0.0)
    m = s @ np.transpose(s, (0, 2, 1))
    if p.shape[1] < _LANCZOS_LEVELS:
        lam = np.linalg.eigvalsh(m)[:, -2]
        width = np.zeros_like(lam)
    else:
        lam = np.array([_lambda2_certified(m[a], rx[a]) for a in range(p.shape[0])])
        width = _CERTIFIED * lam
    ok = (lam > 0) & (err + width <= _MCC_TOLERANCE * lam)
    return np.where(ok, np.sqrt(np.where(ok, lam, 0.0)), np.nan)


def _lambda2_certified(m: np.ndarray, r: np.ndarray) -> float:
    """The second largest eigenvalue of m = S S^T, to within a relative ``_CERTIFIED`` below the truth.

    r = sqrt(p_x) is m's eigenvector for its largest eigenvalue, 1 (S^T r = sqrt(p_y), S sqrt(p_y) = r),
    so lambda_2 is the largest eigenvalue of a = m - r r^T. Lanczos gives theta <= lambda_max(a) (a
    Rayleigh quotient); a Cholesky factorisation of (theta (1 + _CERTIFIED)) I - a exists only if every
    eigenvalue of a lies below theta (1 + _CERTIFIED), which proves the interval (for theta > 1e-5, where
    that margin is far above the factorisation's rounding). Without that proof the full eigensolver
    answers.
    """
    a = m - np.outer(r, r)
    n = a.shape[0]
    start = np.cos(np.arange(1, n + 1) * 1.3)  # fixed, with no special structure
    theta, residual = top_eigenvalue(a, start, 96, 1e-9)
    if theta > 1e-5 and residual <= _CERTIFIED * theta:  # margin far above rounding in the factorisation
        shifted = -a
        shifted[np.diag_indices(n)] += theta * (1.0 + _CERTIFIED)
        try:
            np.linalg.cholesky(shifted)
        except np.linalg.LinAlgError:
            pass
        else:
            return float(theta)
    return float(np.linalg.eigvalsh(m)[-2])


def idmn(g: _Glcm) -> np.ndarray:
    """Idmn = sum_k p_{x-y}(k) / (1 + k^2 / Ng^2)."""
    return g.p_diff @ (1.0 / (1.0 + g.k_diff**2 / g.ng**2))


def inverse_difference(g: _Glcm) -> np.ndarray:
    """Id = sum_k p_{x-y}(k) / (1 + k)."""
    return g.p_diff @ (1.0 / (1.0 + g.k_diff))


def idn(g: _Glcm) -> np.ndarray:
    """Idn = sum_k p_{x-y}(k) / (1 + k / Ng)."""
    return g.p_diff @ (1.0 / (1.0 + g.k_diff / g.ng))


def inverse_variance(g: _Glcm) -> np.ndarray:
    """InverseVariance = sum_{k >= 1} p_{x-y}(k) / k^2."""
    return g.p_diff[:, 1:] @ (1.0 / g.k_diff[1:] ** 2)


def maximum_probability(g: _Glcm) -> np.ndarray:
    """MaximumProbability = max p(i, j)."""
    return g.p.max(axis=(1, 2))


def sum_average(g: _Glcm) -> np.ndarray:
    """SumAverage = sum_k k p_{x+y}(k)."""
    return g.p_sum @ g.k_sum


def sum_entropy(g: _Glcm) -> np.ndarray:
    """SumEntropy = -sum_k p_{x+y}(k) log2(p_{x+y}(k) + eps)."""
    return -np.sum(g.p_sum * np.log2(g.p_sum + EPS), axis=1)


def sum_squares(g: _Glcm) -> np.ndarray:
    """SumSquares = sum p(i, j) (i - mu_x)^2."""
    di, _ = g.centred()
    return np.sum(g.p * di**2, axis=(1, 2))


FORMULAS = {
    "Autocorrelation": autocorrelation,
    "JointAverage": joint_average,
    "ClusterProminence": cluster_prominence,
    "ClusterShade": cluster_shade,
    "ClusterTendency": cluster_tendency,
    "Contrast": contrast,
    "Correlation": correlation,
    "DifferenceAverage": difference_average,
    "DifferenceEntropy": difference_entropy,
    "DifferenceVariance": difference_variance,
    "JointEnergy": joint_energy,
    "JointEntropy": joint_entropy,
    "Imc1": imc1,
    "Imc2": imc2,
    "Idm": idm,
    "MCC": mcc,
    "Idmn": idmn,
    "Id": inverse_difference,
    "Idn": idn,
    "InverseVariance": inverse_variance,
    "MaximumProbability": maximum_probability,
    "SumAverage": sum_average,
    "SumEntropy": sum_entropy,
    "SumSquares": sum_squares,
}


_COLUMN = {name: k for k, name in enumerate(GLCM_NAMES)}


def compute(inputs, setting, enabled=None) -> dict[str, float]:
    """The GLCM features of ``inputs`` (ClassInputs) keyed by PyRadiomics name.

    The formulas above run as one compiled pass per matrix
    (:func:`radcore.kernels.pyrad_formulas.glcm_features`); they are its reference.
    """
    names = select("glcm", FEATURES, OPTIONAL, enabled)
    p, present = matrices(inputs, setting)
    if p.shape[0] == 0:
        return {name: float("nan") for name in names}
    table = glcm_features(p, present, EPS)
    means = column_nanmeans(table)
    return {name: nanmean(mcc_values(p)) if name == "MCC" else float(means[_COLUMN[name]]) for name in names}
