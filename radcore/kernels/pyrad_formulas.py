"""PyRadiomics' texture formulas evaluated per matrix in one compiled pass (no NumPy temporaries).

``glcm_features(p float64 (k, n, n), levels float64 (n,), eps) -> float64 (k, 23)``
    for every normalised GLCM ``p[a]`` (rows / columns: the grey levels ``levels`` present, ascending,
    integer valued) the 23 features of :data:`GLCM_NAMES` (every GLCM feature but MCC) with the formulas of
    :mod:`radcore.pyradiomics.features.glcm`; p_{x+y} and p_{x-y} are indexed by the level values.
``mcc_matrix(p float64 (k, n, n), eps) -> float64 (k, n, n)``
    PyRadiomics' MCC matrix Q(i, j) = sum_k p(i, k) p(j, k) / (p_x(i) p_y(k) + eps) of each ``p[a]``,
    summed over k in ascending order as PyRadiomics sums it.
``mcc_bound(p float64 (k, n, n), eps) -> float64 (k,)``
    the Frobenius norm of E = Dx^1/2 (Q - Q0) Dx^-1/2, Q0 the MCC matrix without eps and Dx the diagonal
    matrix of p_x (see the GLCM module's MCC).
"""

from __future__ import annotations

import math

import numba
import numpy as np

GLCM_NAMES = (
    "Autocorrelation", "JointAverage", "ClusterProminence", "ClusterShade", "ClusterTendency", "Contrast",
    "Correlation", "DifferenceAverage", "DifferenceEntropy", "DifferenceVariance", "JointEnergy",
    "JointEntropy", "Imc1", "Imc2", "Idm", "Idmn", "Id", "Idn", "InverseVariance", "MaximumProbability",
    "SumAverage", "SumEntropy", "SumSquares",
)


@numba.njit(cache=True, nogil=True)
def _glcm_one(p, lv, eps, px, py, psum, pdiff, out):
    n = p.shape[0]
    ng = lv[n - 1]
    px[:] = 0.0
    py[:] = 0.0
    psum[:] = 0.0
    pdiff[:] = 0.0
    ux = 0.0
    uy = 0.0
    auto = 0.0
    contrast = 0.0
    energy = 0.0
    hxy = 0.0
    top = 0.0
    for i in range(n):
        gi = lv[i]
        for j in range(n):
            v = p[i, j]
            gj = lv[j]
            px[i] += v
            py[j] += v
            ux += gi * v
            uy += gj * v
            auto += v * gi * gj
            contrast += v * (gi - gj) ** 2
            energy += v * v
            hxy -= v * math.log2(v + eps)
            top = max(top, v)
            psum[np.int64(gi + gj) - 2] += v
            pdiff[np.int64(abs(gi - gj))] += v
    c2 = 0.0
    c3 = 0.0
    c4 = 0.0
    cov = 0.0
    vx = 0.0
    vy = 0.0
    hxy1 = 0.0
    hxy2 = 0.0
    for i in range(n):
        di = lv[i] - ux
        for j in range(n):
            v = p[i, j]
            dj = lv[j] - uy
            t = di + dj
            c2 += v * t * t
            c3 += v * t * t * t
            c4 += v * t * t * t * t
            cov += v * di * dj
            vx += v * di * di
            vy += v * dj * dj
            q = px[i] * py[j]
            hxy1 -= v * math.log2(q + eps)
            hxy2 -= q * math.log2(q + eps)
    hx = 0.0
    hy = 0.0
    for i in range(n):
        hx -= px[i] * math.log2(px[i] + eps)
        hy -= py[i] * math.log2(py[i] + eps)
    da = 0.0
    dent = 0.0
    idm = 0.0
    idmn = 0.0
    inv_d = 0.0
    idn = 0.0
    inv_var = 0.0
    for k in range(pdiff.shape[0]):
        v = pdiff[k]
        da += k * v
        dent -= v * math.log2(v + eps)
        idm += v / (1.0 + k * k)
        idmn += v / (1.0 + k * k / (ng * ng))
        inv_d += v / (1.0 + k)
        idn += v / (1.0 + k / ng)
        if k > 0:
            inv_var += v / (k * k)
    dvar = 0.0
    for k in range(pdiff.shape[0]):
        dvar += (k - da) ** 2 * pdiff[k]
    sa = 0.0
    sent = 0.0
    for k in range(psum.shape[0]):
        v = psum[k]
        sa += (k + 2) * v
        sent -= v * math.log2(v + eps)
    sx = math.sqrt(vx)
    sy = math.sqrt(vy)
    corr = 1.0 if sx * sy == 0 else cov / (sx * sy)
    div = max(hx, hy)
    imc1 = hxy - hxy1
    if div != 0:
        imc1 /= div
    if hxy2 == hxy:
        imc2 = 0.0
    else:
        arg = 1.0 - math.exp(-2.0 * (hxy2 - hxy))
        imc2 = math.sqrt(arg) if arg >= 0 else np.nan
    values = (auto, ux, c4, c3, c2, contrast, corr, da, dent, dvar, energy, hxy, imc1, imc2, idm, idmn, inv_d,
              idn, inv_var, top, sa, sent, vx)
    for f in range(23):
        out[f] = values[f]


@numba.njit(cache=True, nogil=True)
def _glcm_features(p, levels, eps, out):
    n = p.shape[1]
    ng = np.int64(levels[n - 1]) if n else 0
    px = np.empty(n)
    py = np.empty(n)
    psum = np.empty(max(2 * ng - 1, 1))
    pdiff = np.empty(max(ng, 1))
    for a in range(p.shape[0]):
        _glcm_one(p[a], levels, eps, px, py, psum, pdiff, out[a])


@numba.njit(cache=True, nogil=True)
def _marginals(p, px, py):
    n = p.shape[0]
    px[:] = 0.0
    py[:] = 0.0
    for i in range(n):
        for j in range(n):
            px[i] += p[i, j]
            py[j] += p[i, j]


@numba.njit(cache=True, nogil=True)
def _mcc_matrix(p, eps, q):
    k, n, _ = p.shape
    px = np.empty(n)
    py = np.empty(n)
    for a in range(k):
        _marginals(p[a], px, py)
        for c in range(n):  # PyRadiomics sums over the column level c in ascending order
            for i in range(n):
                pic = p[a, i, c]
                if pic == 0.0:
                    continue
                d = px[i] * py[c] + eps
                for j in range(n):
                    pjc = p[a, j, c]
                    if pjc != 0.0:
                        q[a, i, j] += (pic * pjc) / d


@numba.njit(cache=True, nogil=True)
def _mcc_bound(p, eps, err):
    # column c of p is copied to a contiguous row first (same values, same order of the sums)
    k, n, _ = p.shape
    px = np.empty(n)
    py = np.empty(n)
    root = np.empty(n)
    dq = np.empty((n, n))
    pt = np.empty((n, n))
    for a in range(k):
        _marginals(p[a], px, py)
        for i in range(n):
            root[i] = math.sqrt(px[i])
            for c in range(n):
                pt[c, i] = p[a, i, c]
        dq[:] = 0.0
        for c in range(n):
            col = pt[c]
            for i in range(n):
                pic = col[i]
                if pic == 0.0:
                    continue
                o = px[i] * py[c]
                w = -pic * eps / (o * (o + eps))  # 1 / (o + eps) - 1 / o without cancellation
                row = dq[i]
                for j in range(n):
                    row[j] += w * col[j]
        total = 0.0
        for i in range(n):
            for j in range(n):
                if px[j] > 0:
                    e = dq[i, j] * root[i] / root[j]
                    total += e * e
        err[a] = math.sqrt(total)


def glcm_features(p: np.ndarray, levels: np.ndarray, eps: float) -> np.ndarray:
    """float64 (k, 23): the :data:`GLCM_NAMES` features of each normalised GLCM; see module doc."""
    p = np.ascontiguousarray(p, dtype=np.float64)
    out = np.empty((p.shape[0], len(GLCM_NAMES)))
    _glcm_features(p, np.ascontiguousarray(levels, dtype=np.float64), float(eps), out)
    return out


def mcc_matrix(p: np.ndarray, eps: float) -> np.ndarray:
    """float64 (k, n, n): PyRadiomics' MCC matrix Q of each normalised GLCM; see module doc."""
    p = np.ascontiguousarray(p, dtype=np.float64)
    q = np.zeros(p.shape)
    _mcc_matrix(p, float(eps), q)
    return q


def mcc_bound(p: np.ndarray, eps: float) -> np.ndarray:
    """float64 (k,): ||Dx^1/2 (Q - Q0) Dx^-1/2||_F of each normalised GLCM; see module doc."""
    p = np.ascontiguousarray(p, dtype=np.float64)
    err = np.zeros(p.shape[0])
    _mcc_bound(p, float(eps), err)
    return err
