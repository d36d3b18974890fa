"""Masks from DICOM RTSTRUCT files: each ROI's contours rasterised onto the image grid.

An RTSTRUCT holds, per ROI (``StructureSetROISequence``: number and name), closed planar contours in
patient coordinates (mm). A contour is matched to an image slice by its position, not by index: its
points are mapped into the image's continuous index space (through the image's origin, spacing and
direction) and must lie on one slice plane (within :data:`PLANE_TOLERANCE` of a slice index). On that
slice the voxels whose centres lie inside the contour are the ROI; several contours of one ROI on a slice
combine by the even-odd rule, so a contour inside another cuts a hole
(:func:`radcore.kernels.polygon.fill_polygons`).

Errors (:class:`~radcore.errors.ImageReadError` for a file that is not a readable RTSTRUCT,
:class:`~radcore.errors.GeometryMismatchError` when it does not fit the image) name the file, the ROI and
the contour: an RTSTRUCT drawn in another frame of reference than the image's, a contour that is not
closed and planar, that lies between slices or off the image grid, an ROI name that is not in the file.
An RTSTRUCT that references another series of the same frame of reference is rasterised and flagged (see
:func:`radcore.io.images.read_mask`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import SimpleITK as sitk

from radcore.errors import GeometryMismatchError, ImageReadError, LabelNotFoundError
from radcore.kernels.polygon import fill_polygons

RTSTRUCT_SOP_CLASS = "1.2.840.10008.5.1.4.1.1.481.3"
#: how far (in slices) a contour's points may lie from a slice's plane
PLANE_TOLERANCE = 0.05
#: how far (in pixels) a contour point may lie outside the image's extent
GRID_TOLERANCE = 0.5


@dataclass(frozen=True)
class Roi:
    """One ROI of an RTSTRUCT: its number, name and contours ((n, 3) float64 points in mm, x y z)."""

    number: int
    name: str
    contours: tuple[np.ndarray, ...]
    contour_types: tuple[str, ...]


@dataclass(frozen=True)
class RtStruct:
    """The ROIs of an RTSTRUCT file and the image series it references."""

    path: str
    rois: tuple[Roi, ...]
    series_uids: tuple[str, ...]
    frame_of_reference_uids: tuple[str, ...]

    @property
    def names(self) -> list[str]:
        return [r.name for r in self.rois]

    def roi(self, name: str | None) -> Roi:
        """The ROI called ``name``; with None the file's only ROI."""
        if name is None:
            if len(self.rois) != 1:
                raise LabelNotFoundError(
                    f"RTSTRUCT {self.path!r} holds {len(self.rois)} ROIs ({', '.join(self.names)}); choose one by name"
                )
            return self.rois[0]
        for roi in self.rois:
            if roi.name == name:
                return roi
        raise LabelNotFoundError(f"RTSTRUCT {self.path!r} holds no ROI {name!r}; it holds {', '.join(self.names)}")


def read_rtstruct(path: str | Path) -> RtStruct:
    """The ROIs and referenced series of an RTSTRUCT file."""
    import pydicom

    try:
        ds = pydicom.dcmread(str(path))
    except Exception as exc:  # noqa: BLE001
        raise ImageReadError(f"mask {str(path)!r} could not be read as DICOM: {exc}") from exc
    if ds.get("Modality") != "RTSTRUCT":
        raise ImageReadError(f"mask {str(path)!r} is DICOM {ds.get('Modality')!r}, not an RTSTRUCT")
    names = {int(r.ROINumber): str(r.ROIName) for r in ds.get("StructureSetROISequence", [])}
    rois = []
    for item in ds.get("ROIContourSequence", []):
        number = int(item.ReferencedROINumber)
        contours, types = [], []
        for contour in item.get("ContourSequence", []):
            points = np.asarray([float(v) for v in contour.ContourData], dtype=np.float64).reshape(-1, 3)
            contours.append(points)
            types.append(str(contour.get("ContourGeometricType", "")))
        rois.append(Roi(number, names.get(number, f"ROI {number}"), tuple(contours), tuple(types)))
    series, frames = [], []
    for frame in ds.get("ReferencedFrameOfReferenceSequence", []):
        frames.append(str(frame.get("FrameOfReferenceUID", "")))
        for study in frame.get("RTReferencedStudySequence", []):
            for s in study.get("RTReferencedSeriesSequence", []):
                series.append(str(s.SeriesInstanceUID))
    return RtStruct(str(path), tuple(rois), tuple(series), tuple(f for f in frames if f))


def rasterise(rtstruct: RtStruct, roi: Roi, image: sitk.Image) -> np.ndarray:
    """The bool (z, y, x) mask of ``roi`` on the grid of ``image``; see the module docstring."""
    _check_frame(rtstruct, image)
    size = np.array(image.GetSize())  # x, y, z
    mask = np.zeros(size[::-1], np.bool_)
    per_slice: dict[int, list[np.ndarray]] = {}
    for number, (points, kind) in enumerate(zip(roi.contours, roi.contour_types), start=1):
        where = f"RTSTRUCT {rtstruct.path!r}, ROI {roi.name!r}, contour {number}"
        if kind == "POINT" or len(points) < 3:
            continue  # a point or a line marks no area
        if kind not in ("CLOSED_PLANAR", ""):
            raise GeometryMismatchError(f"{where} is {kind}, not a closed planar contour")
        index = _to_index(image, points)
        k = index[:, 2]
        plane = float(np.round(np.median(k)))
        if np.abs(k - plane).max() > PLANE_TOLERANCE:
            raise GeometryMismatchError(
                f"{where} does not lie on a slice of the image: its points span slice positions "
                f"{k.min():.3f} to {k.max():.3f}"
            )
        low = index[:, :2].min(axis=0)
        high = index[:, :2].max(axis=0)
        if plane < 0 or plane > size[2] - 1 or np.any(low < -GRID_TOLERANCE - 0.5) or np.any(high > size[:2] - 0.5 + GRID_TOLERANCE):
            raise GeometryMismatchError(f"{where} lies off the image grid (slice {plane:.0f} of {size[2]})")
        per_slice.setdefault(int(plane), []).append(index[:, :2])
    for z, polygons in per_slice.items():
        vertices = np.concatenate(polygons)
        starts = np.concatenate([[0], np.cumsum([len(p) for p in polygons])])
        mask[z] = fill_polygons(vertices, starts, int(size[1]), int(size[0]))
    return mask


def _to_index(image: sitk.Image, points: np.ndarray) -> np.ndarray:
    """Continuous (x, y, z) indices of patient points (n, 3) in ``image``."""
    direction = np.array(image.GetDirection(), dtype=np.float64).reshape(3, 3)
    spacing = np.array(image.GetSpacing(), dtype=np.float64)
    origin = np.array(image.GetOrigin(), dtype=np.float64)
    return np.linalg.solve(direction * spacing[None, :], (points - origin).T).T


def _check_frame(rtstruct: RtStruct, image: sitk.Image) -> None:
    """Refuse an RTSTRUCT drawn in another frame of reference than the image's (its coordinates would mean
    nothing there). Another series in the same frame is allowed, and flagged by the reader
    (:func:`radcore.io.images.read_mask`)."""
    frame = image.GetMetaData("0020|0052").strip() if image.HasMetaDataKey("0020|0052") else ""
    if frame and rtstruct.frame_of_reference_uids and frame not in rtstruct.frame_of_reference_uids:
        raise GeometryMismatchError(
            f"RTSTRUCT {rtstruct.path!r} is drawn in frame of reference {', '.join(rtstruct.frame_of_reference_uids)}, "
            f"the image in {frame}"
        )
