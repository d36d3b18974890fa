"""Reading images and masks with SimpleITK, and checking that they belong together.

Arrays come out (z, y, x); ``Volume.spacing`` is (z, y, x) in mm, ``origin`` (x, y, z) and
``direction`` the row-major 3x3 ITK direction matrix, kept so results can be mapped back to patient space.
"""

from __future__ import annotations

import logging
import tempfile

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import SimpleITK as sitk

from radcore.errors import (
    GeometryMismatchError,
    ImageReadError,
    InvalidImageError,
    LabelNotFoundError,
    SettingsError,
)
from radcore.io.integrity import check_finite, check_nifti, decode_nifti, is_gzip, is_nifti
from radcore.io.dicom import read_series, referenced_series, sop_class
from radcore.io.rtstruct import RTSTRUCT_SOP_CLASS, rasterise, read_rtstruct
from radcore.io.seg import SEG_SOP_CLASS, segment_mask

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Volume:
    """A 3D array with its geometry.

    ``origin`` is the physical position of ``array[0, 0, 0]``. When ``array`` is a crop of a larger image
    (read from a store around one ROI), ``full_shape`` is that image's shape and ``offset`` the (z, y, x)
    index of the crop's first voxel in it, so grid-dependent steps (interpolation, diagnostics) can act
    as on the whole image.
    """

    array: np.ndarray
    spacing: tuple[float, float, float]
    origin: tuple[float, float, float] = (0.0, 0.0, 0.0)
    direction: tuple[float, ...] = (1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0)
    full_shape: tuple[int, int, int] | None = None
    offset: tuple[int, int, int] = (0, 0, 0)
    #: (mean, min, max) intensity of the whole image, when ``array`` is a crop and they are known
    whole_intensity: tuple[float, float, float] | None = None
    #: the physical position (x, y, z) of the whole image's first voxel, when ``array`` is a crop
    whole_origin: tuple[float, float, float] | None = None
    #: ITK's (mean, sample standard deviation) of the whole image (PyRadiomics' ``normalize``), when known
    whole_normalisation: tuple[float, float] | None = None

    @property
    def whole_shape(self) -> tuple[int, int, int]:
        """Shape of the whole image this array belongs to."""
        return self.full_shape if self.full_shape is not None else tuple(self.array.shape)


def read_image(
    source: str | Path | sitk.Image, what: str = "image", series: str | None = None, prefer: str | None = None
) -> sitk.Image:
    """A SimpleITK image from a file (NIfTI, NRRD, MHA, ...), a DICOM series folder or as it is.

    A DICOM folder holding several series needs ``series``, the SeriesInstanceUID to read (or ``prefer``,
    the one a mask refers to); a PET series in Bq/ml becomes SUV (body weight) (see
    :func:`radcore.io.dicom.read_series`).

    Raises :class:`ImageReadError` for a missing or unreadable file, :class:`DamagedFileError` for a
    NIfTI file cut short or failing its checksum, and :class:`NonFiniteImageError` for NaN or Inf voxels
    (see :mod:`radcore.io.integrity`).
    """
    if isinstance(source, sitk.Image):
        check_finite(source, what)
        return source
    path = Path(source)
    if not path.exists():
        raise ImageReadError(f"{what} {str(path)!r} does not exist")
    try:
        if path.is_dir():
            image = read_series(path, series, prefer)
        elif (plain := _read_plain_nifti(path, what)) is not None:
            volume, reader = plain
            return _volume_image(volume, reader)
        elif is_nifti(path) and is_gzip(path):
            image = _read_nifti_gz(path, what)
        else:
            if is_nifti(path):
                check_nifti(path, what)
            image = sitk.ReadImage(str(path))
    except RuntimeError as exc:
        raise _unreadable(path, what, exc) from exc
    check_finite(image, what, str(path))
    return image


def read_volume(source: str | Path | sitk.Image, what: str = "image") -> Volume:
    """:func:`to_volume` of :func:`read_image`; a plain NIfTI file (one value per voxel, stored values
    unscaled) is decoded straight into its array, with no SimpleITK image between (half the time of a
    ``.nii.gz`` CT)."""
    if not isinstance(source, sitk.Image) and Path(source).is_file():
        plain = _read_plain_nifti(Path(source), what)
        if plain is not None:
            return plain[0]
    return to_volume(read_image(source, what), what)


def _unreadable(path: Path, what: str, exc: RuntimeError) -> ImageReadError:
    first = str(exc).strip().splitlines()
    reason = next((line for line in first if "ERROR" in line or "rror" in line), first[-1] if first else "")
    return ImageReadError(f"{what} {str(path)!r} could not be read: {reason.strip()}")


#: SimpleITK's scalar pixel types and the numpy types of their arrays
_PIXEL_TYPES = {
    sitk.sitkUInt8: "u1", sitk.sitkInt8: "i1", sitk.sitkUInt16: "u2", sitk.sitkInt16: "i2", sitk.sitkUInt32: "u4",
    sitk.sitkInt32: "i4", sitk.sitkUInt64: "u8", sitk.sitkInt64: "i8", sitk.sitkFloat32: "f4", sitk.sitkFloat64: "f8",
}


def _read_plain_nifti(path: Path, what: str) -> tuple[Volume, sitk.ImageFileReader] | None:
    """A 3D scalar NIfTI file whose stored values are its voxel values, as a volume (its voxel data checked
    and decoded by :func:`radcore.io.integrity.decode_nifti`, its geometry as SimpleITK's reader gives it)
    and that reader; None for another file (scaled values, another dimension, a type of several values)."""
    if not is_nifti(path):
        return None
    reader = sitk.ImageFileReader()
    reader.SetFileName(str(path))
    try:
        reader.ReadImageInformation()
    except RuntimeError:  # the checked reading says why (a damaged file) or SimpleITK's own reading does
        return None
    stored = _PIXEL_TYPES.get(reader.GetPixelID())
    if reader.GetDimension() != 3 or reader.GetNumberOfComponents() != 1 or stored is None:
        return None
    decoded = decode_nifti(path, what)
    if decoded is None:
        return None
    data, layout = decoded
    size = reader.GetSize()
    if layout.scaled or layout.dtype is None or layout.dtype.newbyteorder("=") != np.dtype(stored) \
            or layout.n_bytes != int(np.prod(size)) * layout.dtype.itemsize:
        return None
    array = data.view(layout.dtype).reshape(size[::-1])
    if not layout.dtype.isnative:
        array = array.astype(layout.dtype.newbyteorder("="))
    sx, sy, sz = reader.GetSpacing()
    return Volume(array, (sz, sy, sx), tuple(reader.GetOrigin()), tuple(reader.GetDirection())), reader


def _volume_image(volume: Volume, reader: sitk.ImageFileReader) -> sitk.Image:
    """The SimpleITK image of a volume :func:`_read_plain_nifti` decoded, with the header's metadata."""
    image = to_image(volume)
    for key in reader.GetMetaDataKeys():
        image.SetMetaData(key, reader.GetMetaData(key))
    return image


def to_image(volume: Volume) -> sitk.Image:
    """The SimpleITK image of a volume (its array copied, its geometry set)."""
    image = sitk.GetImageFromArray(np.ascontiguousarray(volume.array))
    image.SetSpacing(tuple(float(v) for v in volume.spacing[::-1]))
    image.SetOrigin(tuple(float(v) for v in volume.origin))
    image.SetDirection(tuple(float(v) for v in volume.direction))
    return image


def _read_nifti_gz(path: Path, what: str) -> sitk.Image:
    """A ``.nii.gz`` decompressed once: checked (:func:`radcore.io.integrity.check_nifti`) into a temporary
    ``.nii`` that SimpleITK reads, rather than checked and then decompressed again by SimpleITK (about a
    third of the reading time). Where no temporary file can be written, the file is read as it is."""
    try:
        with tempfile.TemporaryDirectory(prefix="radcore-read-") as folder:
            plain = Path(folder) / "image.nii"
            with plain.open("wb") as sink:
                check_nifti(path, what, sink)
            return sitk.ReadImage(str(plain))
    except ImageReadError:
        raise
    except OSError as exc:  # no room or no right for the copy: check, then read the file itself
        log.debug("no decompressed copy of %s (%s); reading it as it is", path, exc)
        check_nifti(path, what)
        return sitk.ReadImage(str(path))


def read_pair(
    image: str | Path | sitk.Image, mask: str | Path | sitk.Image, roi: str | None = None, series: str | None = None
) -> tuple[sitk.Image, sitk.Image]:
    """Image and mask of one case (:func:`read_image`, :func:`read_mask`); an image folder holding several
    series gives the one ``series`` names, else the one a DICOM RTSTRUCT or SEG mask references."""
    prefer = None
    if series is None and not isinstance(image, sitk.Image) and Path(image).is_dir() \
            and not isinstance(mask, sitk.Image):
        prefer = referenced_series(mask)
    img = read_image(image, "image", series, prefer)
    return img, read_mask(mask, img, roi)


def read_mask(source: str | Path | sitk.Image, image: sitk.Image, roi: str | None = None) -> sitk.Image:
    """A mask as a label image: a file or SimpleITK image as it is; a DICOM RTSTRUCT's ROI ``roi`` (None:
    its only ROI) rasterised onto the grid of ``image`` as label 1 (:mod:`radcore.io.rtstruct`); a DICOM
    SEG's segment ``roi`` (number or label) on that grid as label 1 (:mod:`radcore.io.seg`)."""
    kind = "" if isinstance(source, sitk.Image) else sop_class(source)
    if kind == RTSTRUCT_SOP_CLASS:
        structures = read_rtstruct(source)
        mask = sitk.GetImageFromArray(rasterise(structures, structures.roi(roi), image).astype(np.uint8))
        mask.CopyInformation(image)
        return _note_other_series(mask, image, structures.series_uids, source)
    if kind == SEG_SOP_CLASS:
        referenced = referenced_series(source)
        return _note_other_series(segment_mask(source, image, roi), image, (referenced,) if referenced else (),
                                  source)
    if roi is not None:
        raise SettingsError(f"an ROI name ({roi!r}) chooses a structure of an RTSTRUCT or a segment of a DICOM SEG; "
                            f"{str(source)!r} is a label image")
    return read_image(source, "mask")


#: metadata key of a mask read from an RTSTRUCT or SEG that references another series than the image's
#: (same frame of reference): what the DICOM says, for the ``qc_mask_other_series`` flag
OTHER_SERIES_KEY = "radcore|mask_other_series"


def _note_other_series(mask: sitk.Image, image: sitk.Image, referenced: tuple[str, ...], source) -> sitk.Image:
    """Record on ``mask`` (:data:`OTHER_SERIES_KEY`) when the RTSTRUCT or SEG ``source`` references other
    series than ``image``'s SeriesInstanceUID (both known)."""
    series = image.GetMetaData("0020|000e").strip() if image.HasMetaDataKey("0020|000e") else ""
    if series and referenced and series not in referenced:
        note = f"{str(source)!r} references series {', '.join(referenced)}; the image is series {series}"
        log.warning("mask %s", note)
        mask.SetMetaData(OTHER_SERIES_KEY, note)
    return mask


def other_series(mask: sitk.Image) -> str:
    """The note :func:`read_mask` left on a mask of another series than its image ("" when none)."""
    return mask.GetMetaData(OTHER_SERIES_KEY) if mask.HasMetaDataKey(OTHER_SERIES_KEY) else ""


def to_volume(image: sitk.Image, what: str = "image") -> Volume:
    """The array and geometry of a 3D scalar SimpleITK image."""
    if image.GetDimension() != 3:
        raise InvalidImageError(f"{what} must be 3D, got {image.GetDimension()}D")
    if image.GetNumberOfComponentsPerPixel() != 1:
        raise InvalidImageError(
            f"{what} must be a scalar image, got {image.GetNumberOfComponentsPerPixel()} components per voxel"
        )
    array = sitk.GetArrayFromImage(image)
    sx, sy, sz = image.GetSpacing()
    return Volume(array, (sz, sy, sx), tuple(image.GetOrigin()), tuple(image.GetDirection()))


def check_geometry(image: Volume, mask: Volume, tolerance: float = 1e-3) -> None:
    """Raise :class:`GeometryMismatchError` when image and mask grids differ.

    Size must be equal; spacing, origin (mm) and direction cosines may differ by ``tolerance``.
    """
    if image.array.shape != mask.array.shape:
        raise GeometryMismatchError(
            f"mask size {mask.array.shape[::-1]} (x, y, z) differs from image size {image.array.shape[::-1]}"
        )
    for name, a, b in (
        ("spacing", image.spacing[::-1], mask.spacing[::-1]),
        ("origin", image.origin, mask.origin),
        ("direction", image.direction, mask.direction),
    ):
        if not np.allclose(a, b, rtol=0, atol=tolerance):
            raise GeometryMismatchError(
                f"mask {name} {tuple(round(v, 6) for v in b)} differs from image {name} "
                f"{tuple(round(v, 6) for v in a)} by more than {tolerance}"
            )


def load_case(
    image: str | Path | sitk.Image,
    mask: str | Path | sitk.Image,
    label: int = 1,
    tolerance: float = 1e-3,
    roi: str | None = None,
) -> tuple[Volume, Volume]:
    """Read and check one case: the image as float64 and the mask as bool for ``label`` (an RTSTRUCT
    mask: its ROI ``roi``, see :func:`read_mask`)."""
    sitk_image = read_image(image, "image")
    img = to_volume(sitk_image, "image")
    msk = to_volume(read_mask(mask, sitk_image, roi), "mask")
    check_geometry(img, msk, tolerance)
    roi = msk.array == label
    if not roi.any():
        present = np.unique(msk.array)
        shown = ", ".join(str(v) for v in present[:10]) + (" ..." if present.size > 10 else "")
        raise LabelNotFoundError(f"label {label} does not occur in the mask (labels present: {shown})")
    return (
        Volume(img.array.astype(np.float64, copy=False), img.spacing, img.origin, img.direction),
        Volume(roi, msk.spacing, msk.origin, msk.direction),
    )


def mask_labels(mask: sitk.Image | Volume) -> list[int]:
    """The non-zero labels present in a mask, sorted (channel 0 of a vector mask)."""
    if isinstance(mask, Volume):
        array = mask.array
    else:
        if mask.GetNumberOfComponentsPerPixel() > 1:
            mask = sitk.VectorIndexSelectionCast(mask, 0)
        array = sitk.GetArrayViewFromImage(mask)
    values = np.unique(array)
    return [int(v) for v in values if v != 0 and float(v).is_integer()]
