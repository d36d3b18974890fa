"""PyRadiomics grey level co-occurrence matrix (GLCM) features.

Matrices: one per offset a of :func:`radcore.pyradiomics.features.angles` (every offset with infinity norm
in ``distances``, in-plane only with ``force2D``), counting ROI voxel pairs (v, v + a) with
:func:`radcore.kernels.matrices.cooccurrence` on the texture layout; ``symmetricalGLCM`` adds the transpose. Rows and
columns of grey levels absent from the ROI are dropped, so i and j run over the grey levels present (their
values, not their ranks). With ``weightingNorm`` the matrices are summed with weights exp(-d^2) into one;
otherwise offsets without pairs are dropped. Each matrix is normalised, p(i, j) = P(i, j) / sum P, every
feature is computed per matrix and averaged over the matrices (NaN ignored).

The formulas are those of :mod:`radcore.features.glcm` (one NumPy reference and one compiled pass for both
conventions), with log2(p + eps) in every entropy and PyRadiomics' values where a formula is undefined;
the IBSI GLCM's registry records name each formula's PyRadiomics feature. MCC, which the IBSI does not
define, is computed here.
"""

from __future__ import annotations

import numpy as np

from radcore.features import glcm as ibsi_glcm
from radcore.kernels.glcm_formulas import mcc_bound, mcc_matrix
from radcore.kernels.pyrad_lanczos import top_eigenvalue
from radcore.kernels.matrices import cooccurrence
from radcore.pyradiomics.features import EPS, angle_weights, angles, column_nanmeans, nanmean, registry_columns, select

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
#: PyRadiomics features without an IBSI counterpart in the registry, computed here
PYRADIOMICS_ONLY = ("MCC",)


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


def mcc_values(p: np.ndarray) -> np.ndarray:
    """MCC = sqrt(second largest eigenvalue of Q), Q(i, j) = sum_k p(i, k) p(j, k) / (p_x(i) p_y(k) + eps),
    of each normalised GLCM of ``p`` (k, n, n); 1 for a single grey level (flat region)."""
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
    :func:`radcore.kernels.glcm_formulas.mcc_bound`). The symmetric value is used when
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


#: feature name -> column of :func:`radcore.features.glcm.evaluate`, from the IBSI GLCM records
COLUMN = registry_columns("glcm", ibsi_glcm.COLUMN)


def compute(inputs, setting, enabled=None) -> dict[str, float]:
    """The GLCM features of ``inputs`` (ClassInputs) keyed by PyRadiomics name."""
    names = select("glcm", FEATURES, OPTIONAL, enabled)
    p, present = matrices(inputs, setting)
    if p.shape[0] == 0:
        return {name: float("nan") for name in names}
    means = column_nanmeans(ibsi_glcm.evaluate(p, present, EPS, ibsi=False))
    return {name: nanmean(mcc_values(p)) if name == "MCC" else float(means[COLUMN[name]]) for name in names}
