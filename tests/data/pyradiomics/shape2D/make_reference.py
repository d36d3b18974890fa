"""Writes reference.csv: PyRadiomics' shape2D values on one slice of each sample case.

Run with PyRadiomics installed (pip install "radcore[pyradiomics]"): python make_reference.py
For each sample case the mask is kept on its axial slice with the most ROI voxels only (and, for a second
row, on its sagittal plane with the most, with force2Ddimension 2); every shape2D feature is computed by
PyRadiomics' own extractor.
"""

import csv
import logging
from pathlib import Path

import numpy as np
import radiomics
import SimpleITK as sitk
from radiomics import featureextractor

HERE = Path(__file__).parent
CASES = ("brain1", "brain2", "breast1")
FEATURES = ["MeshSurface", "PixelSurface", "Perimeter", "PerimeterSurfaceRatio", "Sphericity",
            "SphericalDisproportion", "MaximumDiameter", "MajorAxisLength", "MinorAxisLength", "Elongation"]


def one_plane(mask: sitk.Image, axis: int) -> sitk.Image:
    array = sitk.GetArrayFromImage(mask)
    roi = array == 1
    counts = roi.sum(axis=tuple(a for a in range(3) if a != axis))
    keep = np.zeros_like(array)
    index = [slice(None)] * 3
    index[axis] = int(np.argmax(counts))
    keep[tuple(index)] = array[tuple(index)]
    out = sitk.GetImageFromArray(keep)
    out.CopyInformation(mask)
    return out


def main() -> None:
    radiomics.setVerbosity(logging.ERROR)
    rows = []
    for case in CASES:
        image = sitk.ReadImage(str(HERE.parent / f"{case}_image.nrrd"))
        mask = sitk.ReadImage(str(HERE.parent / f"{case}_label.nrrd"))
        for axis in (0, 2):  # axis 1 never runs in PyRadiomics 3.1 (its size test reads (x, y, z) order)
            params = {"setting": {"force2D": True, "force2Ddimension": axis, "label": 1},
                      "featureClass": {"shape2D": FEATURES}}
            result = featureextractor.RadiomicsFeatureExtractor(params).execute(image, one_plane(mask, axis))
            rows.append({"case": case, "force2Ddimension": axis,
                         **{f: float(result[f"original_shape2D_{f}"]) for f in FEATURES}})
    with (HERE / "reference.csv").open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(repr_rows(rows))


def repr_rows(rows):
    return [{k: repr(v) if isinstance(v, float) else v for k, v in row.items()} for row in rows]


if __name__ == "__main__":
    main()
