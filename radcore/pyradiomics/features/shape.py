"""PyRadiomics 3D shape features (of the shape mask, before resegmentation unless ``resegmentShape``).

Notation: V the volume and A the surface area of PyRadiomics' marching-cubes mesh of the mask
(:func:`radcore.kernels.pyrad_mesh.mesh_volume_area`); N_v the number of mask voxels; lambda_major >=
lambda_minor >= lambda_least the eigenvalues of the covariance (divided by N_v) of the mask voxels'
physical coordinates (index x spacing); diameters are the largest distances between vertices of the mesh
(:func:`diameters`, with the IBSI diameter's kernel). The formulas over them are the IBSI morphology
records' (:mod:`radcore.features.morph`).
"""

from __future__ import annotations

import numpy as np

from radcore.features.morph import principal_axes, pyradiomics_morphology, voxel_positions
from radcore.features.registry import family
from radcore.kernels.morphology import line_extremes, max_distance
from radcore.kernels.pyrad_mesh import mesh_volume_area
from radcore.pyradiomics.features import select

FEATURES = (
    "MeshVolume",
    "VoxelVolume",
    "SurfaceArea",
    "SurfaceVolumeRatio",
    "Sphericity",
    "Maximum3DDiameter",
    "Maximum2DDiameterSlice",
    "Maximum2DDiameterColumn",
    "Maximum2DDiameterRow",
    "MajorAxisLength",
    "MinorAxisLength",
    "LeastAxisLength",
    "Elongation",
    "Flatness",
)
OPTIONAL = ("Compactness1", "Compactness2", "SphericalDisproportion")


def eigenvalues(mask: np.ndarray, spacing) -> np.ndarray:
    """Eigenvalues (ascending) of 1/N_v sum (x - mean)(x - mean)^T over voxel positions x in mm
    (:func:`radcore.features.morph.principal_axes` with ddof 0).

    Tiny negative values from rounding (> -1e-10) are set to 0, as PyRadiomics does.
    """
    eig = principal_axes(voxel_positions(mask, spacing), ddof=0)[0][::-1].copy()
    eig[(eig < 0) & (eig > -1e-10)] = 0.0
    return eig


def surface_points(mask: np.ndarray) -> np.ndarray:
    """(n, 3) int64: the vertices of the marching-cubes surface of the 3D ``mask``, i.e. the midpoints of
    the face-adjacent (inside, outside) voxel pairs (outside the array counts as outside), as doubled
    (z, y, x) indices (2 index + 1 along the pair's axis): integers, so points in one plane compare exactly."""
    mask = np.asarray(mask)
    if mask.ndim != 3:
        raise ValueError(f"mask must be a 3D (z, y, x) array, got shape {mask.shape}")
    padded = np.pad(mask != 0, 1)
    points = []
    for axis in range(3):
        lo = [slice(None)] * 3
        hi = [slice(None)] * 3
        lo[axis] = slice(0, -1)
        hi[axis] = slice(1, None)
        pairs = np.argwhere(padded[tuple(lo)] != padded[tuple(hi)])
        doubled = 2 * (pairs - 1)
        doubled[:, axis] += 1
        points.append(doubled)
    return np.ascontiguousarray(np.concatenate(points), dtype=np.int64)


def diameters(points: np.ndarray, spacing) -> tuple[float, float, float, float]:
    """(slice, column, row, 3D): the largest distances in mm between two of the doubled-index ``points``
    (:func:`surface_points`) with the same z, the same y, the same x, and overall.

    :func:`radcore.kernels.morphology.max_distance` over the points that
    :func:`~radcore.kernels.morphology.line_extremes` keeps for each (exact: the others lie between two
    points of an axis-parallel line)."""
    points = np.asarray(points, dtype=np.int64).reshape(-1, 3)
    scale = np.asarray(spacing, dtype=np.float64) / 2.0
    flags = line_extremes(points)
    at = points.astype(np.float64)
    # a plane z = c needs the points extreme along y (bit 1) and x (bit 2); y = c: z and x; x = c: z and y
    planar = [max_distance(at[flags & need == need], scale, axis) for axis, need in enumerate((6, 5, 3))]
    return (*planar, max_distance(at[flags == 7], scale, -1))


#: PyRadiomics feature name -> the registry's formula (:mod:`radcore.features.morph`)
FORMULAS = {f.pyradiomics: f.function for f in family("morph").features if f.pyradiomics}
#: the features without an IBSI record: the largest distance between mesh vertices in one axial, coronal or
#: sagittal plane
PYRADIOMICS_ONLY = ("Maximum2DDiameterSlice", "Maximum2DDiameterColumn", "Maximum2DDiameterRow")


def compute(inputs, setting, enabled=None) -> dict[str, float]:
    """The shape features of ``inputs.shape_mask`` keyed by PyRadiomics name: the registry's formulas over
    PyRadiomics' mesh (V, A), N_v prod(spacing), the eigenvalues and the largest vertex distance, and the
    three planar diameters (pairs in one axial, coronal, sagittal plane)."""
    names = select("shape", FEATURES, OPTIONAL, enabled)
    mask = np.asarray(inputs.shape_mask, dtype=bool)
    spacing = tuple(float(s) for s in inputs.spacing)
    volume, area = mesh_volume_area(mask, spacing)
    d_slice, d_column, d_row, d_3d = diameters(surface_points(mask), spacing)
    m = pyradiomics_morphology(volume, area, float(np.count_nonzero(mask) * np.prod(spacing)),
                               eigenvalues(mask, spacing)[::-1], d_3d)
    planar = {"Maximum2DDiameterSlice": d_slice, "Maximum2DDiameterColumn": d_column,
              "Maximum2DDiameterRow": d_row}
    return {name: float(planar[name] if name in planar else _safe(FORMULAS[name], m)) for name in names}


def _safe(formula, m) -> float:
    """``formula(m)``, NaN where it takes the square root of a negative eigenvalue (as PyRadiomics)."""
    try:
        return formula(m)
    except ValueError:
        return float("nan")
