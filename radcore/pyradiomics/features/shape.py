"""PyRadiomics 3D shape features (of the shape mask, before resegmentation unless ``resegmentShape``).

Notation: V the volume and A the surface area of PyRadiomics' marching-cubes mesh of the mask
(:func:`radcore.kernels.pyrad_mesh.mesh_volume_area`); N_v the number of mask voxels; lambda_major >=
lambda_minor >= lambda_least the eigenvalues of the covariance (divided by N_v) of the mask voxels'
physical coordinates (index x spacing); diameters are the largest distances between vertices of the mesh
(:mod:`radcore.kernels.pyrad_diameters`). The formulas over them are the IBSI morphology records'
(:mod:`radcore.features.morph`).
"""

from __future__ import annotations

import numpy as np

from radcore.features.morph import pyradiomics_morphology
from radcore.features.registry import family
from radcore.kernels.pyrad_diameters import diameters, surface_points
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
    """Eigenvalues (ascending) of 1/N_v sum (x - mean)(x - mean)^T over voxel positions x in mm.

    Tiny negative values from rounding (> -1e-10) are set to 0.
    """
    coords = np.argwhere(mask).astype(np.float64) * np.asarray(spacing, dtype=np.float64)[None, :]
    coords -= coords.mean(axis=0)
    coords /= np.sqrt(len(coords))
    eig = np.linalg.eigvals(coords.T @ coords).real
    eig[(eig < 0) & (eig > -1e-10)] = 0.0
    return np.sort(eig)


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
    d_slice, d_column, d_row, d_3d = diameters(surface_points(mask), np.asarray(spacing) / 2.0)
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
