"""PyRadiomics 3D shape features (of the shape mask, before resegmentation unless ``resegmentShape``).

Notation: V the volume and A the surface area of PyRadiomics' marching-cubes mesh of the mask
(:func:`radcore.kernels.pyrad_mesh.mesh_volume_area`); N_v the number of mask voxels; lambda_major >=
lambda_minor >= lambda_least the eigenvalues of the covariance (divided by N_v) of the mask voxels'
physical coordinates (index x spacing); diameters are the largest distances between vertices of the mesh
(:mod:`radcore.kernels.pyrad_diameters`).
"""

from __future__ import annotations

import numpy as np

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


def _sqrt(value: float) -> float:
    return float(np.sqrt(value)) if value >= 0 else float("nan")


def compute(inputs, setting, enabled=None) -> dict[str, float]:
    """The shape features of ``inputs.shape_mask`` keyed by PyRadiomics name.

    MeshVolume = V; VoxelVolume = N_v prod(spacing); SurfaceArea = A; SurfaceVolumeRatio = A / V;
    Sphericity = (36 pi V^2)^(1/3) / A; Compactness1 = V / (sqrt(pi) A^(3/2)); Compactness2 =
    36 pi V^2 / A^3; SphericalDisproportion = A / (36 pi V^2)^(1/3); Maximum3DDiameter and
    Maximum2DDiameter{Slice, Column, Row} (pairs in one axial, coronal, sagittal plane);
    {Major, Minor, Least}AxisLength = 4 sqrt(lambda_{major, minor, least});
    Elongation = sqrt(lambda_minor / lambda_major); Flatness = sqrt(lambda_least / lambda_major).
    """
    names = select("shape", FEATURES, OPTIONAL, enabled)
    mask = np.asarray(inputs.shape_mask, dtype=bool)
    spacing = tuple(float(s) for s in inputs.spacing)
    volume, area = mesh_volume_area(mask, spacing)
    d_slice, d_column, d_row, d_3d = diameters(surface_points(mask), np.asarray(spacing) / 2.0)
    least, minor, major = eigenvalues(mask, spacing)
    sphere = (36.0 * np.pi * volume**2) ** (1.0 / 3.0)
    values = {
        "MeshVolume": volume,
        "VoxelVolume": float(np.count_nonzero(mask) * np.prod(spacing)),
        "SurfaceArea": area,
        "SurfaceVolumeRatio": area / volume,
        "Sphericity": sphere / area,
        "Compactness1": volume / (np.sqrt(np.pi) * area**1.5),
        "Compactness2": 36.0 * np.pi * volume**2 / area**3,
        "SphericalDisproportion": area / sphere,
        "Maximum3DDiameter": d_3d,
        "Maximum2DDiameterSlice": d_slice,
        "Maximum2DDiameterColumn": d_column,
        "Maximum2DDiameterRow": d_row,
        "MajorAxisLength": 4.0 * _sqrt(major),
        "MinorAxisLength": 4.0 * _sqrt(minor),
        "LeastAxisLength": 4.0 * _sqrt(least),
        "Elongation": _sqrt(minor / major) if major else float("nan"),
        "Flatness": _sqrt(least / major) if major else float("nan"),
    }
    return {name: float(values[name]) for name in names}
