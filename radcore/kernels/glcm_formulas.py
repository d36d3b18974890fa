"""The GLCM formulas evaluated per matrix in one compiled pass (no NumPy temporaries), and PyRadiomics' MCC.

``glcm_features(p float64 (k, n, n), levels float64 (n,), eps, ibsi) -> float64 (k, 25)``
    for every normalised GLCM ``p[a]`` (rows / columns: the integer grey levels ``levels``, ascending: 1..Ng
    for the IBSI, the levels present for PyRadiomics) every formula of
    :data:`radcore.features.glcm.FORMULAS`, in that order, whose NumPy versions are this kernel's
    reference; p_{x+y} and p_{x-y} are indexed by the level values. ``eps`` goes inside every logarithm
    (0 for the IBSI; entries with p = 0 add nothing either way); ``ibsi`` picks the IBSI's values where a
    formula is undefined (NaN correlation and information correlation 1, information correlation 2
    clipped at 0) over PyRadiomics' (1, HXY - HXY1, 0 when HXY2 = HXY).
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

#: the columns of :func:`glcm_features` (the IBSI features, in the registry's order)
N_FORMULAS = 25


@numba.njit(cache=True, nogil=True)
def _glcm_one(p, lv, eps, ibsi, px, py, psum, pdiff, out):
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
            if v == 0.0:
                continue
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
            q = px[i] * py[j]
            if q > 0.0:
                hxy2 -= q * math.log2(q + eps)
            if v == 0.0:
                continue
            dj = lv[j] - uy
            t = di + dj
            c2 += v * t * t
            c3 += v * t * t * t
            c4 += v * t * t * t * t
            cov += v * di * dj
            vx += v * di * di
            vy += v * dj * dj
            hxy1 -= v * math.log2(q + eps)
    hx = 0.0
    hy = 0.0
    for i in range(n):
        if px[i] > 0.0:
            hx -= px[i] * math.log2(px[i] + eps)
        if py[i] > 0.0:
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
        if v == 0.0:
            continue
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
        if v == 0.0:
            continue
        sa += (k + 2) * v
        sent -= v * math.log2(v + eps)
    svar = 0.0
    for k in range(psum.shape[0]):
        svar += (k + 2 - sa) ** 2 * psum[k]
    sx = math.sqrt(vx)
    sy = math.sqrt(vy)
    if sx * sy != 0:
        corr = cov / (sx * sy)
    else:
        corr = np.nan if ibsi else 1.0
    div = max(hx, hy)
    if div != 0:
        imc1 = (hxy - hxy1) / div
    else:
        imc1 = np.nan if ibsi else hxy - hxy1
    arg = 1.0 - math.exp(-2.0 * (hxy2 - hxy))
    if ibsi:
        imc2 = math.sqrt(max(arg, 0.0))
    elif hxy2 == hxy:
        imc2 = 0.0
    else:
        imc2 = math.sqrt(arg) if arg >= 0 else np.nan
    values = (top, ux, vx, hxy, da, dvar, dent, sa, svar, sent, energy, contrast, da, inv_d, idn, idm, idmn,
              inv_var, corr, auto, c2, c3, c4, imc1, imc2)
    for f in range(N_FORMULAS):
        out[f] = values[f]


@numba.njit(cache=True, nogil=True)
def _glcm_features(p, levels, eps, ibsi, out):
    n = p.shape[1]
    ng = np.int64(levels[n - 1]) if n else 0
    px = np.empty(n)
    py = np.empty(n)
    psum = np.empty(max(2 * ng - 1, 1))
    pdiff = np.empty(max(ng, 1))
    for a in range(p.shape[0]):
        _glcm_one(p[a], levels, eps, ibsi, px, py, psum, pdiff, out[a])


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


def glcm_features(p: np.ndarray, levels: np.ndarray, eps: float, ibsi: bool) -> np.ndarray:
    """float64 (k, 25): every GLCM formula of each normalised GLCM of ``p`` (k, n, n); see module doc."""
    p = np.ascontiguousarray(p, dtype=np.float64)
    if p.ndim != 3 or p.shape[1:] != (len(levels), len(levels)):
        raise ValueError(f"p must be (k, {len(levels)}, {len(levels)}) for {len(levels)} grey levels, got {p.shape}")
    out = np.empty((p.shape[0], N_FORMULAS))
    _glcm_features(p, np.ascontiguousarray(levels, dtype=np.float64), float(eps), bool(ibsi), out)
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
