"""Numba kernels of the morphological family (IBSI-1 3.1): spatial autocorrelation (pair by pair, or its
pair sums from FFT spectra), the largest distance (the IBSI maximum 3D diameter, PyRadiomics' 3D and 2D
diameters), the convex hull's candidate points and enclosing bodies. Points are (n, 3) float64 positions
in mm unless said otherwise.
"""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True, nogil=True, fastmath=True, error_model="numpy")
def moran_geary(positions: np.ndarray, values: np.ndarray) -> tuple[float, float]:
    """Moran's I (N365) and Geary's C (NPT7), exact, with inverse-distance weights w_kl = 1 / |r_k - r_l|.

    I = N / W * sum_{k != l} w_kl (X_k - mu)(X_l - mu) / sum_k (X_k - mu)^2
    C = (N - 1) / (2 W) * sum_{k != l} w_kl (X_k - X_l)^2 / sum_k (X_k - mu)^2,   W = sum_{k != l} w_kl.

    One pass over the N (N - 1) / 2 unordered pairs (about 1 ns per pair: 2 s for 46,000 voxels); the
    points must be distinct. NaN when N < 2 or the intensities are constant.
    """
    n = values.shape[0]
    if n < 2:
        return np.nan, np.nan
    mu = 0.0
    for k in range(n):
        mu += values[k]
    mu /= n
    d = values - mu
    denom = 0.0
    for k in range(n):
        denom += d[k] * d[k]
    pz = positions[:, 0].copy()
    py = positions[:, 1].copy()
    px = positions[:, 2].copy()
    d2 = d * d
    w_sum = 0.0
    moran = 0.0
    geary = 0.0
    for k in range(n - 1):
        zk, yk, xk, dk = pz[k], py[k], px[k], d[k]
        acc_w = 0.0
        acc_d = 0.0
        acc_d2 = 0.0
        for m in range(k + 1, n):
            dz = pz[m] - zk
            dy = py[m] - yk
            dx = px[m] - xk
            w = 1.0 / np.sqrt(dz * dz + dy * dy + dx * dx)
            acc_w += w
            acc_d += w * d[m]
            acc_d2 += w * d2[m]
        w_sum += acc_w
        moran += dk * acc_d
        # sum_m w (d_m - d_k)^2 = sum w d_m^2 - 2 d_k sum w d_m + d_k^2 sum w
        geary += acc_d2 - 2.0 * dk * acc_d + dk * dk * acc_w
    if denom == 0.0:
        return np.nan, np.nan
    # the sums above run over unordered pairs: W, the Moran and Geary sums are half the ordered ones
    return n * moran / (w_sum * denom), (n - 1) * geary / (2.0 * w_sum * denom)


@numba.njit(cache=True, nogil=True)
def spectral_pair_sums(w_octant: np.ndarray, spectra: np.ndarray, n_last: int) -> np.ndarray:
    """The pair sums of Moran's I and Geary's C from half spectra (Parseval's theorem).

    ``spectra`` (complex, (3, P0, P1, n_last // 2 + 1)) are the ``rfftn`` spectra M, D, D2 of the mask m,
    d = X - mu and d^2 on a grid of P0 x P1 x n_last voxels. The weight kernel w is real and even along
    every axis, so its spectrum is real and mirrored: W[k0, k1, k2] = ``w_octant``[f(k0), f(k1), k2] with
    f(k) = min(k, P - k) (``w_octant`` of shape (P0 // 2 + 1, P1 // 2 + 1, n_last // 2 + 1)). With the
    sum over the whole spectrum (the half counted twice where its mirror is missing), P = P0 P1 n_last
    and the circular convolution *,

    m . (w * m) = 1/P sum_k W_k |M_k|^2,  d . (w * d) = 1/P sum_k W_k |D_k|^2,
    d^2 . (w * m) = 1/P sum_k W_k Re(conj(D2_k) M_k).

    Returns float64 [m . (w * m), d . (w * d), d^2 . (w * m)].
    """
    _, p0, p1, h = spectra.shape
    sums = np.zeros(3)
    for a in range(p0):
        fa = min(a, p0 - a)
        for b in range(p1):
            fb = min(b, p1 - b)
            s0 = 0.0
            s1 = 0.0
            s2 = 0.0
            for c in range(h):
                twice = 1.0 if c == 0 or 2 * c == n_last else 2.0
                w = w_octant[fa, fb, c] * twice
                mk, dk, ek = spectra[0, a, b, c], spectra[1, a, b, c], spectra[2, a, b, c]
                s0 += w * (mk.real * mk.real + mk.imag * mk.imag)
                s1 += w * (dk.real * dk.real + dk.imag * dk.imag)
                s2 += w * (ek.real * mk.real + ek.imag * mk.imag)
            sums[0] += s0
            sums[1] += s1
            sums[2] += s2
    return sums / (p0 * p1 * n_last)


@numba.njit(cache=True, nogil=True)
def line_extremes(lattice: np.ndarray) -> np.ndarray:
    """int64 (n,) flags of the integer points ``lattice`` (n, 3) int64: bit k is set when the point is the
    first or the last of the points on its line along axis k (those sharing its two other coordinates).

    A point between two others on a line is a convex combination of them, so it is neither a vertex of
    the points' convex hull nor an end of their largest distance. The points with every bit set
    (flags == 7) thus have the same convex hull, every hull vertex and the same largest distance; those
    with bits 1 and 2 set (flags & 6 == 6) the same largest distance within each plane z = c (bits 0 and
    2 for the planes y = c, 0 and 1 for x = c).
    """
    n = lattice.shape[0]
    flags = np.zeros(n, np.int64)
    if n == 0:
        return flags
    lo = lattice[0].copy()
    size = lattice[0].copy()
    for i in range(n):
        for a in range(3):
            lo[a] = min(lo[a], lattice[i, a])
            size[a] = max(size[a], lattice[i, a])
    size = size - lo + 1
    for a in range(3):
        b, c = (a + 1) % 3, (a + 2) % 3
        first = np.full((size[b], size[c]), np.iinfo(np.int64).max, np.int64)
        last = np.full((size[b], size[c]), np.iinfo(np.int64).min, np.int64)
        for i in range(n):
            u, v, w = lattice[i, a], lattice[i, b] - lo[b], lattice[i, c] - lo[c]
            first[v, w] = min(first[v, w], u)
            last[v, w] = max(last[v, w], u)
        for i in range(n):
            u, v, w = lattice[i, a], lattice[i, b] - lo[b], lattice[i, c] - lo[c]
            if u == first[v, w] or u == last[v, w]:
                flags[i] |= 1 << a
    return flags


@numba.njit(cache=True, nogil=True)
def _max_sq_distance(points, index, scale):
    # Largest squared distance between two of points[index] (0 for fewer than two). Pairs are searched
    # from the points farthest from their centroid c inwards; the search stops once |a - c| + |b - c|, an
    # upper bound of |a - b|, cannot beat the best distance found (with 1e-9 to spare for rounding: the
    # pair values themselves are exact, d = sum ((a_k - b_k) scale_k)^2, whatever the order).
    m = index.shape[0]
    if m < 2:
        return 0.0
    centre = np.zeros(3)
    for q in range(m):
        for k in range(3):
            centre[k] += points[index[q], k] * scale[k]
    for k in range(3):
        centre[k] /= m
    radius = np.empty(m)
    for q in range(m):
        r = 0.0
        for k in range(3):
            d = points[index[q], k] * scale[k] - centre[k]
            r += d * d
        radius[q] = np.sqrt(r)
    order = np.argsort(-radius)
    best = 0.0
    for qa in range(m):
        ra = radius[order[qa]]
        bound = ra + radius[order[0]]
        if bound * bound * (1.0 + 1e-9) < best:
            break
        a = index[order[qa]]
        for qb in range(qa + 1, m):
            bound = ra + radius[order[qb]]
            if bound * bound * (1.0 + 1e-9) < best:
                break
            b = index[order[qb]]
            dz = (points[a, 0] - points[b, 0]) * scale[0]
            dy = (points[a, 1] - points[b, 1]) * scale[1]
            dx = (points[a, 2] - points[b, 2]) * scale[2]
            d = dz * dz + dy * dy + dx * dx
            if d > best:
                best = d
    return best


@numba.njit(cache=True, nogil=True)
def max_distance(points: np.ndarray, scale: np.ndarray, same_axis: int) -> float:
    """Largest Euclidean distance between two of ``points`` (n, 3) float64, coordinate differences times
    ``scale`` (3,) (ones for positions in mm, the spacing for voxel indices): over all pairs when
    ``same_axis`` < 0, else over the pairs with equal coordinate ``same_axis`` (the largest distance within
    a plane: PyRadiomics' 2D diameters). 0 without such a pair.

    d(a, b)^2 = sum_k ((a_k - b_k) scale_k)^2, searched by :func:`_max_sq_distance`; run it on the points
    :func:`line_extremes` keeps (or on the convex hull's vertices) to search fewer.
    """
    n = points.shape[0]
    if same_axis < 0:
        return np.sqrt(_max_sq_distance(points, np.arange(n), scale))
    key = points[:, same_axis].copy()
    order = np.argsort(key, kind="mergesort")
    best = 0.0
    start = 0
    while start < n:
        stop = start + 1
        while stop < n and key[order[stop]] == key[order[start]]:
            stop += 1
        best = max(best, _max_sq_distance(points, order[start:stop], scale))
        start = stop
    return np.sqrt(best)


@numba.njit(cache=True, nogil=True)
def khachiyan_mvee(points: np.ndarray, tol: float, max_iter: int) -> tuple[np.ndarray, np.ndarray]:
    """Minimum-volume enclosing ellipsoid {x : (x - c)^T A (x - c) <= 1} of ``points``.

    Khachiyan's algorithm with Todd and Yildirim's away steps: weights u of the points (sum 1),
    X = Q diag(u) Q^T with Q = [P; 1], M_j = q_j^T X^-1 q_j. While max_j M_j > (d + 1)(1 + tol) or
    min_{u_j > 0} M_j < (d + 1)(1 - tol), move weight towards the point of largest M_j or away from the
    point of smallest. Then c = P u and A = 1/d (P diag(u) P^T - c c^T)^-1. Returns (c, A).

    A step u <- (1 - s) u + s e_j changes X by a rank-one term, so with v = X^-1 q_j and a = s / (1 - s)
    (Sherman-Morrison) M_i <- (M_i - a (v . q_i)^2 / (1 + a M_j)) / (1 - s) and likewise X^-1; an away
    step is s < 0 with u <- (1 + |s|) u - |s| e_j. M and X^-1 are recomputed from u every 64 steps and
    before stopping, so rounding does not build up and the stopping test sees exact values.
    """
    n, d = points.shape
    k = d + 1.0
    q = np.ones((d + 1, n))  # q[:, j] = (p_j, 1); rows contiguous so the updates below vectorise
    q[:d] = points.T
    u = np.full(n, 1.0 / n)
    m = np.empty(n)
    vq = np.empty(n)
    xi = _mvee_refresh(q, u, m)
    v = np.empty(d + 1)
    since_refresh = 0
    for _ in range(max_iter):
        j_up, j_down = 0, -1
        for j in range(n):
            if m[j] > m[j_up]:
                j_up = j
            if u[j] > 0.0 and (j_down < 0 or m[j] < m[j_down]):
                j_down = j
        up = m[j_up] / k - 1.0
        down = 1.0 - m[j_down] / k
        if up <= tol and down <= tol:
            if since_refresh == 0:
                break
            xi = _mvee_refresh(q, u, m)
            since_refresh = 0
            continue
        if up > down:
            j = j_up
            step = (m[j] - k) / (k * (m[j] - 1.0))
            scale = 1.0 - step
            u *= scale
            u[j] += step
        else:
            j = j_down
            step = min((k - m[j]) / (k * (m[j] - 1.0)), u[j] / (1.0 - u[j]))
            scale = 1.0 + step
            u *= scale
            u[j] = max(u[j] - step, 0.0)
            step = -step
        since_refresh += 1
        if since_refresh == 64:
            xi = _mvee_refresh(q, u, m)
            since_refresh = 0
            continue
        a = step / scale
        for r in range(d + 1):
            s = 0.0
            for c in range(d + 1):
                s += xi[r, c] * q[c, j]
            v[r] = s
        f = a / (1.0 + a * m[j])
        vq[:] = 0.0
        for c in range(d + 1):
            vc = v[c]
            for i in range(n):
                vq[i] += vc * q[c, i]
        for i in range(n):
            m[i] = (m[i] - f * vq[i] * vq[i]) / scale
        for r in range(d + 1):
            for c in range(d + 1):
                xi[r, c] = (xi[r, c] - f * v[r] * v[c]) / scale
    c = points.T @ u
    cov = (points.T * u) @ points - np.outer(c, c)
    return c, np.linalg.inv(cov) / d


@numba.njit(cache=True, nogil=True)
def _mvee_refresh(q: np.ndarray, u: np.ndarray, m: np.ndarray) -> np.ndarray:
    """X^-1 with X = sum_j u_j q_j q_j^T (q_j the columns of ``q``), and m_j = q_j^T X^-1 q_j filled in."""
    e, n = q.shape
    x = np.zeros((e, e))
    for j in range(n):
        for r in range(e):
            for c in range(e):
                x[r, c] += u[j] * q[r, j] * q[c, j]
    xi = np.linalg.inv(x)
    for j in range(n):
        mj = 0.0
        for r in range(e):
            s = 0.0
            for c in range(e):
                s += xi[r, c] * q[c, j]
            mj += q[r, j] * s
        m[j] = mj
    return xi


@numba.njit(cache=True, nogil=True)
def _hull_2d(s: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Indices of the 2D convex hull of (s, t), counter-clockwise (Andrew's monotone chain)."""
    n = s.shape[0]
    order = np.argsort(s)
    i = 0
    while i < n:  # runs of equal s: by t (insertion sort; such runs are short)
        j = i + 1
        while j < n and s[order[j]] == s[order[i]]:
            j += 1
        for a in range(i + 1, j):
            key = order[a]
            b = a - 1
            while b >= i and t[order[b]] > t[key]:
                order[b + 1] = order[b]
                b -= 1
            order[b + 1] = key
        i = j
    hull = np.empty(2 * n + 1, dtype=np.int64)
    k = 0
    for ii in range(n):  # lower chain
        i = order[ii]
        while k >= 2 and _turn(s, t, hull[k - 2], hull[k - 1], i) <= 0:
            k -= 1
        hull[k] = i
        k += 1
    lower = k + 1
    for ii in range(n - 2, -1, -1):  # upper chain
        i = order[ii]
        while k >= lower and _turn(s, t, hull[k - 2], hull[k - 1], i) <= 0:
            k -= 1
        hull[k] = i
        k += 1
    return hull[: max(k - 1, 1)]


@numba.njit(cache=True, nogil=True)
def _turn(s, t, a, b, c) -> float:
    """z of (b - a) x (c - a): > 0 for a counter-clockwise turn."""
    return (s[b] - s[a]) * (t[c] - t[a]) - (t[b] - t[a]) * (s[c] - s[a])


@numba.njit(cache=True, nogil=True)
def min_oriented_box(points: np.ndarray, normals: np.ndarray, facet_normals: np.ndarray,
                     facet_areas: np.ndarray, triangles: np.ndarray) -> np.ndarray:
    """Side lengths (descending) of the smallest-volume box around ``points`` among boxes with one face
    orthogonal to one of the unit ``normals`` and, in that plane, the minimum-area rectangle (one side
    along an edge of the projected 2D convex hull, rotating calipers in O(h^2)).

    ``points`` are the vertices of their convex hull, whose triangles are ``triangles`` (f, 3) int64
    (indices into ``points``) with outward unit normals ``facet_normals`` and areas ``facet_areas``. Along
    n the hull's outline is drawn by the vertices that touch a facet facing n and one facing away (or
    edge-on, within 1e-9): only those are projected to find the 2D hull. The outline's area,
    1/2 sum_f area_f |n . normal_f|, is no larger than any rectangle around it, so a normal whose height
    times that area exceeds the best volume so far is skipped (it could not replace it).
    """
    best_vol = np.inf
    best = np.zeros(3)
    n_points = points.shape[0]
    h = np.empty(n_points)
    s = np.empty(n_points)
    t = np.empty(n_points)
    front = np.empty(n_points, np.bool_)
    back = np.empty(n_points, np.bool_)
    for k in range(normals.shape[0]):
        nz, ny, nx = normals[k, 0], normals[k, 1], normals[k, 2]
        for i in range(n_points):
            h[i] = points[i, 0] * nz + points[i, 1] * ny + points[i, 2] * nx
        height = h.max() - h.min()
        front[:] = False
        back[:] = False
        shadow = 0.0
        for f in range(triangles.shape[0]):
            dot = facet_normals[f, 0] * nz + facet_normals[f, 1] * ny + facet_normals[f, 2] * nx
            shadow += facet_areas[f] * abs(dot)
            for c in range(3):
                front[triangles[f, c]] |= dot >= -1e-9
                back[triangles[f, c]] |= dot <= 1e-9
        if height * 0.5 * shadow > best_vol * (1.0 + 1e-9):
            continue
        # a unit vector orthogonal to the normal, and the third axis
        if abs(nx) < 0.9:
            uz, uy, ux = ny, -nz, 0.0
        else:
            uz, uy, ux = 0.0, nx, -ny
        un = np.sqrt(uz * uz + uy * uy + ux * ux)
        uz, uy, ux = uz / un, uy / un, ux / un
        vz, vy, vx = ny * ux - nx * uy, nx * uz - nz * ux, nz * uy - ny * uz
        n_outline = 0
        for i in range(n_points):
            if front[i] and back[i]:
                s[n_outline] = points[i, 0] * uz + points[i, 1] * uy + points[i, 2] * ux
                t[n_outline] = points[i, 0] * vz + points[i, 1] * vy + points[i, 2] * vx
                n_outline += 1
        hull = _hull_2d(s[:n_outline], t[:n_outline])
        m = hull.shape[0]
        for e in range(m):
            a, b = hull[e], hull[(e + 1) % m]
            ex, ey = s[b] - s[a], t[b] - t[a]
            el = np.sqrt(ex * ex + ey * ey)
            if el == 0.0:
                continue
            ex, ey = ex / el, ey / el
            lo1, hi1, lo2, hi2 = np.inf, -np.inf, np.inf, -np.inf
            for i in range(m):
                p = hull[i]
                a1 = s[p] * ex + t[p] * ey
                a2 = -s[p] * ey + t[p] * ex
                lo1, hi1 = min(lo1, a1), max(hi1, a1)
                lo2, hi2 = min(lo2, a2), max(hi2, a2)
            vol = height * (hi1 - lo1) * (hi2 - lo2)
            if vol < best_vol:
                best_vol = vol
                best[0], best[1], best[2] = height, hi1 - lo1, hi2 - lo2
    return -np.sort(-best)
