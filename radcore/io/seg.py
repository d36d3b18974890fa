"""Masks from DICOM SEG files (binary and fractional), read with highdicom onto the image grid.

A segment is chosen by number or by label (``roi``); a file with one segment needs neither. The segment
is read as a volume in the SEG's own geometry (its frames placed by their positions), fractional values
scaled to [0, 1] and kept where at least 0.5, and resampled onto the image grid by nearest neighbour (an
identity when the SEG was made on the image's slices, as usual). highdicom is an optional dependency
(``pip install "radcore[dicom]"``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import SimpleITK as sitk

from radcore.errors import GeometryMismatchError, ImageReadError, LabelNotFoundError

SEG_SOP_CLASS = "1.2.840.10008.5.1.4.1.1.66.4"


def segment_mask(path: str | Path, image: sitk.Image, roi: str | None = None) -> sitk.Image:
    """The segment ``roi`` (number or label; None: the only segment) of a SEG file as a uint8 mask (1
    inside) on the grid of ``image``."""
    try:
        import highdicom as hd
    except ImportError as exc:  # pragma: no cover - the dicom extra is installed for the tests
        raise ImageReadError(f"mask {str(path)!r} is a DICOM SEG; reading it needs highdicom: "
                             'pip install "radcore[dicom]"') from exc
    try:
        seg = hd.seg.segread(str(path))
    except Exception as exc:  # noqa: BLE001
        raise ImageReadError(f"mask {str(path)!r} could not be read as a DICOM SEG: {exc}") from exc
    number = _segment_number(seg, roi, str(path))
    _check_frame(seg, image, str(path))
    try:
        volume = seg.get_volume(segment_numbers=[number], combine_segments=True, rescale_fractional=True,
                                dtype=np.float64)
    except Exception as exc:  # noqa: BLE001
        raise GeometryMismatchError(f"DICOM SEG {str(path)!r}: segment {number} does not form a volume: {exc}") from exc
    inside = (np.asarray(volume.array) >= 0.5).astype(np.uint8)
    return sitk.Resample(_as_sitk(inside, np.asarray(volume.affine)), image, sitk.Transform(),
                         sitk.sitkNearestNeighbor, 0, sitk.sitkUInt8)


def _segment_number(seg, roi: str | None, path: str) -> int:
    numbers = [int(n) for n in seg.get_segment_numbers()]
    labels = {n: str(seg.get_segment_description(n).segment_label) for n in numbers}
    listed = ", ".join(f"{n} ({labels[n]})" for n in numbers)
    if roi is None:
        if len(numbers) != 1:
            raise LabelNotFoundError(f"DICOM SEG {path!r} holds {len(numbers)} segments ({listed}); choose one")
        return numbers[0]
    if str(roi).isdigit() and int(roi) in numbers:
        return int(roi)
    named = [n for n in numbers if labels[n] == roi]
    if not named:
        raise LabelNotFoundError(f"DICOM SEG {path!r} holds no segment {roi!r}; it holds {listed}")
    return named[0]


def _check_frame(seg, image: sitk.Image, path: str) -> None:
    frame = image.GetMetaData("0020|0052").strip() if image.HasMetaDataKey("0020|0052") else ""
    seg_frame = str(seg.get("FrameOfReferenceUID", ""))
    if frame and seg_frame and frame != seg_frame:
        raise GeometryMismatchError(f"DICOM SEG {path!r} is in frame of reference {seg_frame}, the image in {frame}")


def _as_sitk(array: np.ndarray, affine: np.ndarray) -> sitk.Image:
    """A (slice, row, column) array placed by a highdicom affine (indices -> patient mm) as a SimpleITK
    image whose x, y, z axes are the column, row and slice axes."""
    columns = affine[:3, :3]
    spacing = np.linalg.norm(columns, axis=0)  # per (slice, row, column)
    direction = columns / spacing[None, :]
    out = sitk.GetImageFromArray(np.ascontiguousarray(array))
    out.SetOrigin(tuple(float(v) for v in affine[:3, 3]))
    out.SetSpacing(tuple(float(v) for v in spacing[::-1]))
    out.SetDirection(tuple(float(v) for v in direction[:, ::-1].ravel()))
    return out
