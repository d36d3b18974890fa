"""Morphological features (IBSI-1 3.1, family code HCUG).

Shape comes from the morphological mask: its marching-cubes surface mesh (volume V, area A, vertices),
its voxel centres (approximate volume, PCA) and the convex hull of the mesh. Intensity-based features
(integrated intensity, Moran's I, Geary's C and the intensity-weighted centre of mass) use the
intensity mask. Positions are voxel centres in mm, (z, y, x). Ellipsoid and box features use semi-axes
a >= b >= c or side lengths; the ellipsoid surface follows the IBSI approximation (see
:func:`ellipsoid_area`).

PyRadiomics' shape class computes the records with a ``pyradiomics`` name from a :class:`Morphology` of
its own mesh (its marching-cubes table) and voxel count, this module's PCA (:func:`principal_axes`, its
covariance divided by N rather than N - 1) and the diameter kernel (:func:`pyradiomics_morphology`); the
fields it has no feature for are NaN.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import fft as sfft
from scipy.spatial import ConvexHull

from radcore.crop import bounding_box
from radcore.errors import EmptyROIError
from radcore.features.registry import Family, Feature
from radcore.kernels.mesh import marching_cubes, mesh_volume_area
from radcore.kernels.morphology import (
    khachiyan_mvee,
    line_extremes,
    max_distance,
    min_oriented_box,
    moran_geary,
    spectral_pair_sums,
)

MVEE_TOLERANCE = 1e-7


@dataclass(frozen=True)
class Morphology:
    """Everything the morphological features are computed from."""

    volume: float  # mesh volume V (mm^3)
    area: float  # mesh area A (mm^2)
    voxel_volume_sum: float  # N_v * voxel volume
    eigenvalues: np.ndarray  # PCA eigenvalues of the voxel positions, descending (major, minor, least)
    com_shift: float
    diameter: float
    aabb: np.ndarray  # side lengths of the axis-aligned bounding box of the mesh
    ombb: np.ndarray  # side lengths of the oriented minimum bounding box
    mvee: np.ndarray  # semi-axes of the minimum-volume enclosing ellipsoid, descending
    hull_volume: float
    hull_area: float
    mean_intensity: float
    moran: float
    geary: float


def pyradiomics_morphology(volume: float, area: float, voxel_volume_sum: float, eigenvalues: np.ndarray,
                           diameter: float) -> Morphology:
    """A :class:`Morphology` holding only what PyRadiomics' shape class measures (the rest NaN)."""
    nan, none = float("nan"), np.full(3, np.nan)
    return Morphology(volume, area, voxel_volume_sum, np.asarray(eigenvalues, np.float64), nan, diameter, none,
                      none, none, nan, nan, nan, nan, nan)


# ---------------------------------------------------------------- features


def volume(m: Morphology) -> float:
    """Volume (RNU0): V = 1/6 sum_f a_f . (b_f x c_f) over the mesh triangles f (vertices a, b, c)."""
    return m.volume


def approximate_volume(m: Morphology) -> float:
    """Approximate volume (YEKZ): V_a = N_v * voxel volume."""
    return m.voxel_volume_sum


def surface_area(m: Morphology) -> float:
    """Surface area (C0JK): A = 1/2 sum_f |(b_f - a_f) x (c_f - a_f)|."""
    return m.area


def surface_volume_ratio(m: Morphology) -> float:
    """Surface to volume ratio (2PR5): A / V."""
    return m.area / m.volume


def compactness_1(m: Morphology) -> float:
    """Compactness 1 (SKGS): V / (pi^(1/2) A^(3/2))."""
    return m.volume / (math.sqrt(math.pi) * m.area**1.5)


def compactness_2(m: Morphology) -> float:
    """Compactness 2 (BQWJ): 36 pi V^2 / A^3."""
    return 36.0 * math.pi * m.volume**2 / m.area**3


def spherical_disproportion(m: Morphology) -> float:
    """Spherical disproportion (KRCK): A / (36 pi V^2)^(1/3)."""
    return m.area / (36.0 * math.pi * m.volume**2) ** (1.0 / 3.0)


def sphericity(m: Morphology) -> float:
    """Sphericity (QCFX): (36 pi V^2)^(1/3) / A."""
    return (36.0 * math.pi * m.volume**2) ** (1.0 / 3.0) / m.area


def asphericity(m: Morphology) -> float:
    """Asphericity (25C7): (A^3 / (36 pi V^2))^(1/3) - 1."""
    return (m.area**3 / (36.0 * math.pi * m.volume**2)) ** (1.0 / 3.0) - 1.0


def centre_of_mass_shift(m: Morphology) -> float:
    """Centre of mass shift (KLMA): |1/N_m sum_k r_k - sum_k X_k r_k / sum_k X_k|, the first over the
    morphological mask, the second (intensity-weighted) over the intensity mask."""
    return m.com_shift


def maximum_diameter(m: Morphology) -> float:
    """Maximum 3D diameter (L0JK): the largest distance between two mesh vertices."""
    return m.diameter


def major_axis_length(m: Morphology) -> float:
    """Major axis length (TDIC): 4 sqrt(lambda_major), lambda the PCA eigenvalues of the voxel positions."""
    return 4.0 * math.sqrt(m.eigenvalues[0])


def minor_axis_length(m: Morphology) -> float:
    """Minor axis length (P9VJ): 4 sqrt(lambda_minor)."""
    return 4.0 * math.sqrt(m.eigenvalues[1])


def least_axis_length(m: Morphology) -> float:
    """Least axis length (7J51): 4 sqrt(lambda_least)."""
    return 4.0 * math.sqrt(m.eigenvalues[2])


def elongation(m: Morphology) -> float:
    """Elongation (Q3CK): sqrt(lambda_minor / lambda_major); NaN when lambda_major = 0."""
    return _ratio_sqrt(m.eigenvalues[1], m.eigenvalues[0])


def flatness(m: Morphology) -> float:
    """Flatness (N17B): sqrt(lambda_least / lambda_major); NaN when lambda_major = 0."""
    return _ratio_sqrt(m.eigenvalues[2], m.eigenvalues[0])


def volume_density_aabb(m: Morphology) -> float:
    """Volume density, axis-aligned bounding box (PBX1): V / (l1 l2 l3), l the box sides."""
    return m.volume / float(np.prod(m.aabb))


def area_density_aabb(m: Morphology) -> float:
    """Area density, axis-aligned bounding box (R59B): A / (2 (l1 l2 + l1 l3 + l2 l3))."""
    return m.area / _box_area(m.aabb)


def volume_density_ombb(m: Morphology) -> float:
    """Volume density, oriented minimum bounding box (ZH1A): V / V_ombb."""
    return m.volume / float(np.prod(m.ombb))


def area_density_ombb(m: Morphology) -> float:
    """Area density, oriented minimum bounding box (IQYR): A / A_ombb."""
    return m.area / _box_area(m.ombb)


def volume_density_aee(m: Morphology) -> float:
    """Volume density, approximate enclosing ellipsoid (6BDE): V / (4 pi a b c / 3) with the semi-axes
    a, b, c = 2 sqrt(lambda_major), 2 sqrt(lambda_minor), 2 sqrt(lambda_least)."""
    return _ellipsoid_density(m.volume, _aee_axes(m), volume_not_area=True)


def area_density_aee(m: Morphology) -> float:
    """Area density, approximate enclosing ellipsoid (RDD2): A / A_aee (see :func:`ellipsoid_area`)."""
    return _ellipsoid_density(m.area, _aee_axes(m), volume_not_area=False)


def volume_density_mvee(m: Morphology) -> float:
    """Volume density, minimum volume enclosing ellipsoid (SWZ1): V / (4 pi a b c / 3), a b c the
    semi-axes of the Khachiyan MVEE of the convex hull vertices."""
    return _ellipsoid_density(m.volume, m.mvee, volume_not_area=True)


def area_density_mvee(m: Morphology) -> float:
    """Area density, minimum volume enclosing ellipsoid (BRI8): A / A_mvee."""
    return _ellipsoid_density(m.area, m.mvee, volume_not_area=False)


def volume_density_convex_hull(m: Morphology) -> float:
    """Volume density, convex hull (R3ER): V / V_convex of the mesh vertices."""
    return m.volume / m.hull_volume


def area_density_convex_hull(m: Morphology) -> float:
    """Area density, convex hull (7T7F): A / A_convex."""
    return m.area / m.hull_area


def integrated_intensity(m: Morphology) -> float:
    """Integrated intensity (99N0): V * mu, mu the mean intensity of the intensity mask."""
    return m.volume * m.mean_intensity


def morans_i(m: Morphology) -> float:
    """Moran's I index (N365), over the intensity mask, weights 1 / |r_k - r_l|:
    N / W * sum_{k != l} w_kl (X_k - mu)(X_l - mu) / sum_k (X_k - mu)^2, W = sum_{k != l} w_kl."""
    return m.moran


def gearys_c(m: Morphology) -> float:
    """Geary's C measure (NPT7): (N - 1) / (2 W) * sum_{k != l} w_kl (X_k - X_l)^2 / sum_k (X_k - mu)^2."""
    return m.geary


# ---------------------------------------------------------------- geometry helpers


def ellipsoid_area(a: float, b: float, c: float, terms: int = 20) -> float:
    """Surface of the ellipsoid with semi-axes a >= b >= c, the IBSI approximation:

    A = 4 pi a b sum_{nu=0}^{20} (alpha beta)^nu / (1 - 4 nu^2) P_nu((alpha^2 + beta^2) / (2 alpha beta)),
    alpha = sqrt(1 - b^2 / a^2), beta = sqrt(1 - c^2 / a^2), P_nu the Legendre polynomials. The products
    Q_nu = (alpha beta)^nu P_nu(.) follow Bonnet's recursion
    (nu + 1) Q_{nu+1} = (2 nu + 1) (alpha^2 + beta^2) / 2 Q_nu - nu (alpha beta)^2 Q_{nu-1},
    which needs no division by alpha beta (spheres included). Exact for spheres; for elongated ellipsoids
    the series departs from the true surface (52.8 instead of 48.9 for 3, 2, 1), but it is the IBSI
    definition and the reference values follow it.
    """
    a, b, c = sorted((a, b, c), reverse=True)
    alpha = math.sqrt(max(1.0 - (b / a) ** 2, 0.0))
    beta = math.sqrt(max(1.0 - (c / a) ** 2, 0.0))
    half_sum, prod2 = (alpha**2 + beta**2) / 2.0, (alpha * beta) ** 2
    q_prev, q = 1.0, half_sum  # Q_0, Q_1
    total = 1.0 + q / (1.0 - 4.0)
    for nu in range(1, terms):
        q_prev, q = q, ((2 * nu + 1) * half_sum * q - nu * prod2 * q_prev) / (nu + 1)
        total += q / (1.0 - 4.0 * (nu + 1) ** 2)
    return 4.0 * math.pi * a * b * total


def _ratio_sqrt(num: float, den: float) -> float:
    return math.sqrt(num / den) if den > 0 else float("nan")


def _box_area(sides: np.ndarray) -> float:
    l1, l2, l3 = (float(s) for s in sides)
    return 2.0 * (l1 * l2 + l1 * l3 + l2 * l3)


def _aee_axes(m: Morphology) -> np.ndarray:
    return 2.0 * np.sqrt(m.eigenvalues)


def _ellipsoid_density(value: float, axes: np.ndarray, volume_not_area: bool) -> float:
    a, b, c = (float(x) for x in axes)
    if min(a, b, c) <= 0 or not all(map(math.isfinite, (a, b, c))):
        return float("nan")
    body = 4.0 * math.pi * a * b * c / 3.0 if volume_not_area else ellipsoid_area(a, b, c)
    return value / body


def voxel_positions(mask: np.ndarray, spacing) -> np.ndarray:
    """float64 (n, d): the positions in mm (index times ``spacing``) of the voxels of ``mask``, raster order."""
    return np.argwhere(mask) * np.asarray(spacing, dtype=np.float64)


def principal_axes(positions: np.ndarray, ddof: int) -> tuple[np.ndarray, np.ndarray]:
    """Eigenvalues (descending) and unit eigenvectors (columns) of the covariance matrix of ``positions``
    (n, d): C = 1 / (n - ddof) sum_i (x_i - mean)(x_i - mean)^T, ``ddof`` 1 for the IBSI's sample
    covariance, 0 for PyRadiomics'. Zeros and the grid axes for fewer than two positions.

    Computed as PyRadiomics does (the centred positions divided by sqrt(n - ddof), their product,
    ``numpy.linalg.eig``), so the PyRadiomics profile has its eigenvalues to the last bit. Rounding can
    leave the eigenvalues of a singular C (a flat ROI) slightly negative: each convention treats them.
    """
    n, d = positions.shape
    if n < 2:
        return np.zeros(d), np.eye(d)
    centred = positions - positions.mean(axis=0)
    centred /= np.sqrt(n - ddof)
    values, vectors = np.linalg.eig(centred.T @ centred)
    order = np.argsort(values.real)[::-1]
    return values.real[order], vectors.real[:, order]


def moran_geary_grid(values: np.ndarray, mask: np.ndarray, spacing) -> tuple[float, float]:
    """Moran's I and Geary's C of the voxels of ``mask`` (exact sums, by FFT).

    With w(r) = 1 / |r| (w(0) = 0), d = X - mu inside the mask and 0 outside, m the mask indicator:
    W = m . (w * m), sum_{k != l} w d_k d_l = d . (w * d) and
    sum_{k != l} w (X_k - X_l)^2 = 2 d^2 . (w * m) - 2 d . (w * d). On the mask's bounding box (s voxels
    per axis) zero-padded to a period P >= 2 s - 1, circular convolution with the kernel of every offset
    within the box equals the pair sums; the dot products come from the spectra by Parseval's theorem
    (:func:`radcore.kernels.morphology.spectral_pair_sums`), so the sums equal the O(N^2) pair sums up
    to rounding (``radcore.kernels.morphology.moran_geary`` computes them pair by pair).
    """
    n = int(np.count_nonzero(mask))
    if n < 2:
        return float("nan"), float("nan")
    box = bounding_box(mask)
    inside = mask[box]
    m = inside.astype(np.float64)
    mu = float(values[mask].sum()) / n
    d = np.where(inside, values[box] - mu, 0.0)
    d2 = d * d
    denom = float(d2.sum())
    if denom == 0.0:
        return float("nan"), float("nan")
    periods = [_even_fast_length(2 * s - 1) for s in m.shape]
    spectra = _padded_rfftn(np.stack([m, d, d2]), periods)
    w_octant = _kernel_octant(m.shape, spacing, periods)
    w_sum, cross, half_squares = spectral_pair_sums(w_octant, spectra, periods[-1])
    squares = 2.0 * half_squares - 2.0 * cross
    return n / w_sum * cross / denom, (n - 1) / (2.0 * w_sum) * squares / denom


def _even_fast_length(n: int) -> int:
    """The smallest even length >= ``n`` that scipy's FFT handles fast."""
    p = sfft.next_fast_len(n)
    while p % 2:
        p = sfft.next_fast_len(p + 1)
    return p


def _padded_rfftn(stack: np.ndarray, periods) -> np.ndarray:
    """``rfftn`` of each 3D array of ``stack`` zero-padded to ``periods``, one axis at a time so that each
    pass transforms only the lines that hold data, the complex passes in place."""
    n, s0, s1, _ = stack.shape
    out = np.zeros((n, periods[0], periods[1], periods[2] // 2 + 1), np.complex128)
    out[:, :s0, :s1] = sfft.rfft(stack, n=periods[2], axis=3)
    part = out[:, :s0]
    done = sfft.fft(part, axis=2, overwrite_x=True)  # scipy transforms complex input in place
    if not np.shares_memory(done, part):
        part[...] = done
    return sfft.fft(out, axis=1, overwrite_x=True)


def _kernel_octant(shape, spacing, periods) -> np.ndarray:
    """One octant of the (real) spectrum of w(r) = 1 / |r| over the offsets -(s - 1) .. s - 1 of a box of
    ``shape``, wrapped onto a grid of even ``periods``: the kernel is even along every axis, so its
    spectrum is the type-I DCT of its first octant (offsets 0 .. P / 2)."""
    octant = [np.arange(p // 2 + 1) * float(sp) for p, sp in zip(periods, spacing)]
    r2 = octant[0][:, None, None] ** 2 + octant[1][None, :, None] ** 2 + octant[2][None, None, :] ** 2
    r2[0, 0, 0] = np.inf
    w = 1.0 / np.sqrt(r2)
    w[shape[0]:] = 0.0
    w[:, shape[1]:] = 0.0
    w[:, :, shape[2]:] = 0.0
    return sfft.dctn(w, type=1, overwrite_x=True)


def spatial_autocorrelation(image: np.ndarray, mask: np.ndarray, spacing, max_voxels: int | None = None):
    """(Moran's I, Geary's C) of the voxels of ``mask``: exact (:func:`moran_geary_grid`), or, when
    ``max_voxels`` is set and exceeded, pair by pair over a seeded random subset of ``max_voxels`` voxels
    (an estimate)."""
    if max_voxels is None or np.count_nonzero(mask) <= max_voxels:
        return moran_geary_grid(image, mask, spacing)
    voxels = np.argwhere(mask)
    keep = np.sort(np.random.default_rng(0).choice(len(voxels), size=max_voxels, replace=False))
    voxels = voxels[keep]
    positions = voxels * np.asarray(spacing, dtype=np.float64)
    return moran_geary(positions, image[tuple(voxels.T)].astype(np.float64))


def _ombb_normals(hull: ConvexHull, pca_axes: np.ndarray) -> np.ndarray:
    """Candidate box orientations: the distinct hull facet normals, the grid axes and the PCA axes."""
    normals = np.vstack([hull.equations[:, :3], np.eye(3), pca_axes.T])
    normals /= np.linalg.norm(normals, axis=1, keepdims=True)
    normals *= np.where(normals[:, [0]] < 0, -1.0, 1.0)  # n and -n give the same box
    return np.unique(np.round(normals, 9), axis=0)


def _hull_facets(hull: ConvexHull, hull_points: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The hull's triangles as (outward unit normals, areas, int64 corner indices into ``hull_points``,
    the points ``hull.vertices`` picks)."""
    a, b, c = (hull.points[hull.simplices[:, k]] for k in range(3))
    areas = 0.5 * np.linalg.norm(np.cross(b - a, c - a), axis=1)
    index = np.full(len(hull.points), -1, np.int64)
    index[hull.vertices] = np.arange(len(hull_points))
    return np.ascontiguousarray(hull.equations[:, :3]), areas, np.ascontiguousarray(index[hull.simplices])


def describe(roi, max_moran_voxels: int | None = None) -> Morphology:
    """The :class:`Morphology` of a preprocessed ROI."""
    morph, intensity, spacing = roi.morph_mask, roi.int_mask, roi.spacing
    if not morph.any() or not intensity.any():
        raise EmptyROIError("morphological features need a non-empty morphological and intensity mask")
    box = bounding_box(morph)
    vertices, faces = marching_cubes(morph[box], spacing)  # shape features are translation invariant
    vol, area = mesh_volume_area(vertices, faces)
    # the hull of the vertices that end an axis-parallel line of vertices: the same hull, its vertices in
    # the same order (vertices are edge midpoints: integers in half-voxel units)
    candidates = vertices[line_extremes(np.rint(2.0 * vertices / np.asarray(spacing)).astype(np.int64)) == 7]
    hull = ConvexHull(candidates)
    hull_points = np.ascontiguousarray(candidates[hull.vertices])
    positions = voxel_positions(morph, spacing)
    eigenvalues, axes = principal_axes(positions, ddof=1)
    eigenvalues = np.clip(eigenvalues, 0.0, None)
    centre, a_matrix = khachiyan_mvee(hull_points, MVEE_TOLERANCE, 100_000)
    mvee = np.sort(1.0 / np.sqrt(np.linalg.eigvalsh(a_matrix)))[::-1]
    int_positions = voxel_positions(intensity, spacing)
    x = roi.image[intensity].astype(np.float64)
    com_geom = positions.mean(axis=0)
    total = x.sum()  # the intensity-weighted centre is undefined when the intensities sum to 0
    com_int = (x[:, None] * int_positions).sum(axis=0) / total if total != 0 else np.full(3, np.nan)
    moran, geary = spatial_autocorrelation(roi.image, intensity, spacing, max_moran_voxels)
    return Morphology(
        volume=float(vol),
        area=float(area),
        voxel_volume_sum=float(morph.sum() * np.prod(spacing)),
        eigenvalues=eigenvalues,
        com_shift=float(np.linalg.norm(com_geom - com_int)),
        diameter=float(max_distance(hull_points, np.ones(3), -1)),
        aabb=np.ptp(vertices, axis=0),
        ombb=min_oriented_box(hull_points, _ombb_normals(hull, axes), *_hull_facets(hull, hull_points)),
        mvee=mvee,
        hull_volume=float(hull.volume),
        hull_area=float(hull.area),
        mean_intensity=float(x.mean()),
        moran=float(moran),
        geary=float(geary),
    )


def _feature(name: str, code: str, tag: str, fn, description: str, pyradiomics: str = "") -> Feature:
    return Feature("morph", name, code, f"morph_{tag}", fn, description, pyradiomics=pyradiomics)


FEATURES = (
    _feature("volume", "RNU0", "volume", volume, "Volume (mesh)", "MeshVolume"),
    _feature("approximate_volume", "YEKZ", "vol_approx", approximate_volume, "Approximate volume (voxel count)",
             "VoxelVolume"),
    _feature("surface_area", "C0JK", "area_mesh", surface_area, "Surface area (mesh)", "SurfaceArea"),
    _feature("surface_volume_ratio", "2PR5", "av", surface_volume_ratio, "Surface to volume ratio",
             "SurfaceVolumeRatio"),
    _feature("compactness_1", "SKGS", "comp_1", compactness_1, "Compactness 1", "Compactness1"),
    _feature("compactness_2", "BQWJ", "comp_2", compactness_2, "Compactness 2", "Compactness2"),
    _feature("spherical_disproportion", "KRCK", "sph_dispr", spherical_disproportion, "Spherical disproportion",
             "SphericalDisproportion"),
    _feature("sphericity", "QCFX", "sphericity", sphericity, "Sphericity", "Sphericity"),
    _feature("asphericity", "25C7", "asphericity", asphericity, "Asphericity"),
    _feature("centre_of_mass_shift", "KLMA", "com", centre_of_mass_shift, "Centre of mass shift"),
    _feature("maximum_3d_diameter", "L0JK", "diam", maximum_diameter, "Maximum 3D diameter", "Maximum3DDiameter"),
    _feature("major_axis_length", "TDIC", "pca_maj_axis", major_axis_length, "Major axis length",
             "MajorAxisLength"),
    _feature("minor_axis_length", "P9VJ", "pca_min_axis", minor_axis_length, "Minor axis length",
             "MinorAxisLength"),
    _feature("least_axis_length", "7J51", "pca_least_axis", least_axis_length, "Least axis length",
             "LeastAxisLength"),
    _feature("elongation", "Q3CK", "pca_elongation", elongation, "Elongation", "Elongation"),
    _feature("flatness", "N17B", "pca_flatness", flatness, "Flatness", "Flatness"),
    _feature("volume_density_aabb", "PBX1", "vol_dens_aabb", volume_density_aabb,
             "Volume density - axis-aligned bounding box"),
    _feature("area_density_aabb", "R59B", "area_dens_aabb", area_density_aabb,
             "Area density - axis-aligned bounding box"),
    _feature("volume_density_ombb", "ZH1A", "vol_dens_ombb", volume_density_ombb,
             "Volume density - oriented minimum bounding box"),
    _feature("area_density_ombb", "IQYR", "area_dens_ombb", area_density_ombb,
             "Area density - oriented minimum bounding box"),
    _feature("volume_density_aee", "6BDE", "vol_dens_aee", volume_density_aee,
             "Volume density - approximate enclosing ellipsoid"),
    _feature("area_density_aee", "RDD2", "area_dens_aee", area_density_aee,
             "Area density - approximate enclosing ellipsoid"),
    _feature("volume_density_mvee", "SWZ1", "vol_dens_mvee", volume_density_mvee,
             "Volume density - minimum volume enclosing ellipsoid"),
    _feature("area_density_mvee", "BRI8", "area_dens_mvee", area_density_mvee,
             "Area density - minimum volume enclosing ellipsoid"),
    _feature("volume_density_convex_hull", "R3ER", "vol_dens_conv_hull", volume_density_convex_hull,
             "Volume density - convex hull"),
    _feature("area_density_convex_hull", "7T7F", "area_dens_conv_hull", area_density_convex_hull,
             "Area density - convex hull"),
    _feature("integrated_intensity", "99N0", "integ_int", integrated_intensity, "Integrated intensity"),
    _feature("morans_i", "N365", "moran_i", morans_i, "Moran's I index"),
    _feature("gearys_c", "NPT7", "geary_c", gearys_c, "Geary's C measure"),
)


def compute(roi, disc, settings) -> dict[tuple[str, str], float]:
    """All morphological features of one ROI."""
    m = describe(roi, settings.morphology.moran_geary_max_voxels)
    return {(f.name, ""): float(f.function(m)) for f in FEATURES}


FAMILY = Family("morph", "morph", FEATURES, compute, pyradiomics="shape")
