"""DICOM image series and objects: which kind a file holds, reading a series (choosing it by
SeriesInstanceUID when a folder holds several), and PET in SUV.

A series is read with SimpleITK (GDCM), which applies each slice's rescale slope and intercept (CT in
HU). A PET series whose ``Units`` are ``BQML`` becomes SUV body weight,

    SUV = A * W / (D * 2^(-t / T))

with A the activity concentration (Bq/ml), W the patient weight (g), D the injected dose (Bq), T the
radionuclide half-life (s) and t the time from the radiopharmaceutical injection to the series start
(``DecayCorrection`` ``START``, the images decay-corrected to that time). ``Units`` ``GML`` is already SUV;
other units (e.g. ``CNTS``) or missing tags are an error that names them.
"""

from __future__ import annotations

import math
import re
from datetime import datetime
from pathlib import Path

import SimpleITK as sitk

from radcore.errors import ImageReadError

#: DICOM tags copied from a series' first file onto the image: SeriesInstanceUID, FrameOfReferenceUID,
#: Modality
SERIES_TAGS = ("0020|000e", "0020|0052", "0008|0060")


def sop_class(path: str | Path) -> str:
    """The SOP Class UID of a DICOM file ("" for anything else: a folder, another format, no such file)."""
    ds = _header(path, ["SOPClassUID"])
    return "" if ds is None else str(ds.get("SOPClassUID", ""))


def referenced_series(path: str | Path) -> str | None:
    """The SeriesInstanceUID an RTSTRUCT or SEG file refers to (None for other files or none given)."""
    ds = _header(path, ["ReferencedFrameOfReferenceSequence", "ReferencedSeriesSequence"])
    if ds is None:
        return None
    for frame in ds.get("ReferencedFrameOfReferenceSequence", []):
        for study in frame.get("RTReferencedStudySequence", []):
            for series in study.get("RTReferencedSeriesSequence", []):
                return str(series.SeriesInstanceUID)
    for series in ds.get("ReferencedSeriesSequence", []):
        return str(series.SeriesInstanceUID)
    return None


def _header(path: str | Path, tags: list[str]):
    path = Path(path)
    if not path.is_file():
        return None
    with path.open("rb") as fh:
        if fh.read(132)[128:132] != b"DICM":
            return None
    import pydicom

    try:
        return pydicom.dcmread(str(path), stop_before_pixels=True, specific_tags=tags)
    except Exception:  # noqa: BLE001 - a damaged header tells nothing
        return None


def read_series(folder: Path, series: str | None = None, prefer: str | None = None) -> sitk.Image:
    """The image of a DICOM series folder (the series ``series`` when it holds several), PET in SUV.

    ``prefer`` (the series a mask refers to) chooses only when the folder holds several series and none
    is named: a folder of one series is read as it is, and the mask's own check reports a mismatch.
    """
    reader = sitk.ImageSeriesReader()
    found = reader.GetGDCMSeriesIDs(str(folder))
    if not found:
        raise ImageReadError(f"DICOM folder {str(folder)!r} holds no image series")
    if series is None and len(found) > 1 and prefer in found:
        series = prefer
    if series is None and len(found) > 1:
        raise ImageReadError(
            f"DICOM folder {str(folder)!r} holds {len(found)} series ({', '.join(found)}); choose one by its "
            "SeriesInstanceUID (a series column in the manifest, --series for radcore extract)"
        )
    if series is not None and series not in found:
        raise ImageReadError(f"DICOM folder {str(folder)!r} holds no series {series} (it holds {', '.join(found)})")
    files = reader.GetGDCMSeriesFileNames(str(folder), series or found[0])
    reader.SetFileNames(files)
    reader.MetaDataDictionaryArrayUpdateOn()
    image = reader.Execute()
    for key in SERIES_TAGS:  # kept on the image: masks from RTSTRUCT and SEG check them, ingest records them
        if reader.HasMetaDataKey(0, key):
            image.SetMetaData(key, reader.GetMetaData(0, key).strip())
    if image.HasMetaDataKey("0008|0060") and image.GetMetaData("0008|0060") == "PT":
        image = sitk.Cast(image, sitk.sitkFloat64) * suv_factor(files[0])
        image.SetMetaData("0008|0060", "PT")
    return image


def suv_factor(path: str) -> float:
    """The factor from a PET file's values to SUV body weight (see the module docstring)."""
    import pydicom

    ds = pydicom.dcmread(path, stop_before_pixels=True)
    units = str(ds.get("Units", "")).upper()
    if units == "GML":
        return 1.0
    if units != "BQML":
        raise ImageReadError(f"PET series of {path!r} is in units {units or 'unknown'!r}; radcore converts BQML "
                             "to SUV (or takes GML as SUV)")
    try:
        drug = ds.RadiopharmaceuticalInformationSequence[0]
        weight_g = float(ds.PatientWeight) * 1000.0
        dose = float(drug.RadionuclideTotalDose)
        half_life = float(drug.RadionuclideHalfLife)
        start = _time(drug.get("RadiopharmaceuticalStartDateTime") or drug.RadiopharmaceuticalStartTime,
                      ds.get("SeriesDate"))
        scan = _time(ds.SeriesTime, ds.get("SeriesDate"))
    except (AttributeError, IndexError, KeyError, TypeError, ValueError) as exc:
        raise ImageReadError(f"PET series of {path!r} lacks what SUV needs (weight, dose, half-life, injection "
                             f"and series times): {exc}") from exc
    correction = str(ds.get("DecayCorrection", "START")).upper()
    if correction != "START":
        raise ImageReadError(f"PET series of {path!r} is decay-corrected to {correction!r}; radcore handles START")
    if not (weight_g > 0 and dose > 0 and half_life > 0):
        raise ImageReadError(f"PET series of {path!r}: weight, dose and half-life must be positive")
    elapsed = (scan - start).total_seconds()
    return weight_g / (dose * math.pow(2.0, -elapsed / half_life))


def _time(value, date) -> datetime:
    """A DICOM DT (YYYYMMDDHHMMSS.F), or a TM (HHMMSS.F) on the DA ``date`` (any day will do without
    one: only differences are used); a time-zone suffix is ignored."""
    match = re.match(r"(\d+)(?:\.(\d+))?", str(value).strip())
    if match is None:
        raise ValueError(f"not a DICOM time: {value!r}")
    digits, fraction = match.group(1), match.group(2) or ""
    if len(digits) > 6:
        day, clock = digits[:8], digits[8:]
    else:
        day, clock = str(date or "").strip() or "19700101", digits
    moment = datetime.strptime(day + clock.ljust(6, "0"), "%Y%m%d%H%M%S")
    return moment.replace(microsecond=int(fraction[:6].ljust(6, "0")) if fraction else 0)
