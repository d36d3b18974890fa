"""Which kind of DICOM object a file holds, read from its header only."""

from __future__ import annotations

from pathlib import Path


def sop_class(path: str | Path) -> str:
    """The SOP Class UID of a DICOM file ("" for anything else: a folder, another format, no such file)."""
    path = Path(path)
    if not path.is_file():
        return ""
    with path.open("rb") as fh:
        if fh.read(132)[128:132] != b"DICM":
            return ""
    import pydicom

    try:
        ds = pydicom.dcmread(str(path), stop_before_pixels=True, specific_tags=["SOPClassUID"])
    except Exception:  # noqa: BLE001 - a damaged header is not a kind of object
        return ""
    return str(ds.get("SOPClassUID", ""))
