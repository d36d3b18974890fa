"""Local binary patterns as PyRadiomics defines them (``LBP2D`` and ``LBP3D`` image types).

**LBP2D** (Ojala et al. 2002), plane by plane across the array axis ``force2Ddimension``: for each pixel
``P`` neighbours on a circle of radius ``R`` (pixels) at angles ``2 pi p / P``, row offset
``-R sin(2 pi p / P)`` and column offset ``R cos(2 pi p / P)`` (rounded to 5 decimals), are sampled by
bilinear interpolation (0 outside the plane) and thresholded at the centre, ``s_p = [I_p >= I_c]``.
``default`` gives ``sum s_p 2^p``, ``ror`` its minimum over rotations, ``uniform`` the number of ones if
``s_0..s_{P-1}`` changes at most twice and ``P + 1`` otherwise, ``var`` the variance of the ``I_p``.

**LBP3D** (Banerjee et al. 2013), for the voxels of the ROI only: the ``Nv`` vertices ``v`` of an
icosphere (icosahedron subdivided ``subdivision`` times, radius ``R`` voxels) are sampled by cubic
B-spline interpolation (0 outside the image) and thresholded at the centre, ``b_v = [I(x + v) >= I(x)]``.
With the spherical harmonics ``Y_n^m`` evaluated at the angles PyRadiomics uses for each vertex,
``c_nm = sum_v b_v Y_n^m(v)`` and, for each degree ``n < levels``,

    LBP_n(x) = sqrt( sum_v ( sum_m c_nm Y_n^m(v) )^2 )

gives the images ``lbp-3D-m1 .. lbp-3D-m<levels>``; ``lbp-3D-k`` is the excess kurtosis (Fisher,
biased) of the ``Nv`` sampled intensities. Voxels outside the ROI are 0.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.ndimage import map_coordinates
from scipy.spatial import ConvexHull
from scipy.special import lpmv

from radcore.errors import SettingsError
from radcore.kernels.lbp import DEFAULT, ROR, UNIFORM, VAR, lbp_plane

METHODS = {"default": DEFAULT, "ror": ROR, "uniform": UNIFORM, "var": VAR}

#: the cubic spline prefilter is recursive: 20 voxels make a cropped response equal the whole one
SPLINE_MARGIN = 20


def margin_2d(radius: float) -> int:
    """In-plane voxels an LBP2D of ``radius`` needs around a region."""
    return int(math.ceil(radius)) + 1


def margin_3d(radius: float) -> int:
    """Voxels an LBP3D of ``radius`` needs around a region (sampling reach plus the spline prefilter)."""
    return int(math.ceil(radius)) + SPLINE_MARGIN


def lbp_2d(image: np.ndarray, radius: float = 1.0, samples: int = 8, method: str = "uniform", axis: int = 0) -> np.ndarray:
    """LBP of every plane of ``image`` across array ``axis``, as float64."""
    if method not in METHODS:
        raise SettingsError(f"lbp2DMethod must be one of {list(METHODS)}, got {method!r}")
    p = np.arange(samples)
    dr = np.round(-radius * np.sin(2 * np.pi * p / samples), 5)
    dc = np.round(radius * np.cos(2 * np.pi * p / samples), 5)
    planes = np.moveaxis(np.asarray(image, dtype=np.float64), axis, 0)
    out = np.empty(planes.shape, dtype=np.float64)
    for i in range(planes.shape[0]):
        plane_out = np.empty(planes.shape[1:], dtype=np.float64)
        lbp_plane(np.ascontiguousarray(planes[i]), dr, dc, METHODS[method], plane_out)
        out[i] = plane_out
    return np.moveaxis(out, 0, axis)


def icosphere(subdivision: int = 1, radius: float = 1.0) -> np.ndarray:
    """Vertices (Nv, 3) of an icosahedron with every face split ``subdivision`` times into four (edge
    midpoints pushed onto the sphere), scaled to ``radius``: 12, 42, 162, ... vertices."""
    t = (1.0 + math.sqrt(5.0)) / 2.0
    base = []
    for a in (-1.0, 1.0):
        for b in (-t, t):
            base += [(a, b, 0.0), (0.0, a, b), (b, 0.0, a)]
    verts = np.array(base) / math.sqrt(1.0 + t * t)
    faces = ConvexHull(verts).simplices
    for _ in range(subdivision):
        index: dict[tuple[int, int], int] = {}
        points = list(verts)
        new_faces = []
        for face in faces:
            mids = []
            for i, j in ((face[0], face[1]), (face[1], face[2]), (face[2], face[0])):
                key = (min(i, j), max(i, j))
                if key not in index:
                    mid = (verts[i] + verts[j]) / 2.0
                    index[key] = len(points)
                    points.append(mid / np.linalg.norm(mid))
                mids.append(index[key])
            a, b, c = face
            ab, bc, ca = mids
            new_faces += [(a, ab, ca), (ab, b, bc), (ca, bc, c), (ab, bc, ca)]
        verts = np.array(points)
        faces = np.array(new_faces)
    return verts * radius


def spherical_harmonic(m: int, n: int, azimuth: np.ndarray, polar: np.ndarray) -> np.ndarray:
    """Y_n^m = sqrt((2n+1)/(4 pi) (n-m)!/(n+m)!) P_n^m(cos polar) exp(i m azimuth), with the
    Condon-Shortley phase in P_n^m."""
    norm = math.sqrt((2 * n + 1) / (4 * math.pi) * math.factorial(n - m) / math.factorial(n + m))
    return norm * lpmv(m, n, np.cos(polar)) * np.exp(1j * m * azimuth)


def lbp_3d(
    image: np.ndarray, mask: np.ndarray, levels: int = 2, radius: float = 1.0, subdivision: int = 1
) -> list[tuple[str, np.ndarray]]:
    """``[("lbp-3D-m1", ...), ..., ("lbp-3D-k", ...)]``: float64 images, values inside ``mask`` only."""
    verts = icosphere(subdivision, radius)
    # PyRadiomics hands arccos(z / R) to the azimuth argument and atan2(y, x) to the polar one
    first = np.arccos(np.clip(verts[:, 2] / radius, -1.0, 1.0))
    second = np.arctan2(verts[:, 1], verts[:, 0])
    harmonics = [spherical_harmonic(0, 0, first, second)]
    degree = [0]
    for n in range(1, levels):
        for m in range(-n, n + 1):
            if m < 0:  # Y_n^-m = (-1)^m conj(Y_n^m)
                harmonics.append((-1) ** (-m) * np.conj(spherical_harmonic(-m, n, first, second)))
            else:
                harmonics.append(spherical_harmonic(m, n, first, second))
            degree.append(n)
    y = np.stack(harmonics, axis=1)  # (Nv, X)
    degree = np.array(degree)

    image = np.asarray(image)
    roi = np.nonzero(mask)
    coords = np.array(roi, dtype=np.float64).T[None, :, :] + verts[:, None, :]  # (Nv, Np, 3)
    # (Np, Nv): cubic spline, 0 outside, in the image's own type, as PyRadiomics samples (an integer
    # image gives integer samples)
    samples = map_coordinates(image, coords.T, order=3).astype(np.float64)
    centre = image[roi].astype(np.float64)
    dev = samples - samples.mean(axis=1, keepdims=True)
    m2 = (dev**2).mean(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        kurt = (dev**4).mean(axis=1) / m2**2 - 3.0
    bits = (samples >= centre[:, None]).astype(np.float64)
    coeff = bits @ y  # (Np, X)
    out = []
    for n in range(levels):
        sel = degree == n
        f = coeff[:, sel] @ y[:, sel].T  # (Np, Nv)
        level_values = np.real(np.sqrt(np.sum(f**2, axis=1)))
        arr = np.zeros(image.shape, dtype=np.float64)
        arr[roi] = level_values
        out.append((f"lbp-3D-m{n + 1}", arr))
    arr = np.zeros(image.shape, dtype=np.float64)
    arr[roi] = np.real(kurt)
    out.append(("lbp-3D-k", arr))
    return out
