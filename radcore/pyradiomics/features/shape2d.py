"""PyRadiomics 2D shape features (class ``shape2D``) of a mask one voxel thick along ``force2Ddimension``.

PyRadiomics computes them only with ``force2D``, on the shape mask cut to its bounding box, which must be
one voxel thick along ``force2Ddimension`` (an array axis, z = 0): the mask is then a 2D image with the
pixel spacing of the two other axes.

Notation: A the area and P the length of the marching-squares contour of the mask
(:func:`radcore.kernels.contour2d.contour`; vertices halfway between an inside and an outside pixel);
N_p the number of mask pixels; lambda_major >= lambda_minor the eigenvalues of the covariance (divided by
N_p) of the pixels' physical coordinates.
"""

from __future__ import annotations

import numpy as np

from radcore.kernels.contour2d import contour
from radcore.pyradiomics.features import select
from radcore.pyradiomics.features.shape import eigenvalues

FEATURES = (
    "MeshSurface",
    "PixelSurface",
    "Perimeter",
    "PerimeterSurfaceRatio",
    "Sphericity",
    "MaximumDiameter",
    "MajorAxisLength",
    "MinorAxisLength",
    "Elongation",
)
OPTIONAL = ("SphericalDisproportion",)


def compute(inputs, setting, enabled=None) -> dict[str, float]:
    """The 2D shape features of ``inputs.shape_mask`` keyed by PyRadiomics name.

    MeshSurface = A; PixelSurface = N_p s_1 s_2; Perimeter = P; PerimeterSurfaceRatio = P / A;
    Sphericity = 2 sqrt(pi A) / P; SphericalDisproportion = P / (2 sqrt(pi A)); MaximumDiameter the
    largest distance between two contour vertices; {Major, Minor}AxisLength = 4 sqrt(lambda_{major,
    minor}); Elongation = sqrt(lambda_minor / lambda_major).

    Raises ValueError when the mask is more than one voxel thick along ``force2Ddimension``.
    """
    names = select("shape2D", FEATURES, OPTIONAL, enabled)
    axis = int(setting.force2Ddimension)
    mask = np.asarray(inputs.shape_mask, dtype=bool)
    if mask.shape[axis] > 1:
        raise ValueError(
            f"shape2D needs a mask one voxel thick along force2Ddimension {axis}; this one is {mask.shape[axis]} "
            "voxels thick (PyRadiomics fails such a case too)"
        )
    plane = np.squeeze(mask, axis=axis)
    spacing = tuple(float(s) for k, s in enumerate(inputs.spacing) if k != axis)
    perimeter, area, diameter = contour(plane, spacing)
    minor, major = eigenvalues(plane, spacing)
    sphericity = 2.0 * np.sqrt(np.pi * area) / perimeter
    values = {
        "MeshSurface": area,
        "PixelSurface": float(np.count_nonzero(plane) * spacing[0] * spacing[1]),
        "Perimeter": perimeter,
        "PerimeterSurfaceRatio": perimeter / area,
        "Sphericity": sphericity,
        "SphericalDisproportion": 1.0 / sphericity,
        "MaximumDiameter": diameter,
        "MajorAxisLength": 4.0 * np.sqrt(major) if major >= 0 else float("nan"),
        "MinorAxisLength": 4.0 * np.sqrt(minor) if minor >= 0 else float("nan"),
        "Elongation": float(np.sqrt(minor / major)) if minor >= 0 and major > 0 else float("nan"),
    }
    return {name: float(values[name]) for name in names}
