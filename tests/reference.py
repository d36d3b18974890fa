"""IBSI-1 reference values and the matching rule the IBSI uses."""

from __future__ import annotations

import csv
import math
from pathlib import Path

DATA = Path(__file__).parent / "data"
IBSI1 = DATA / "ibsi1"
DIGITAL_PHANTOM = (
    IBSI1 / "digital_phantom" / "nifti" / "image" / "phantom.nii.gz",
    IBSI1 / "digital_phantom" / "nifti" / "mask" / "mask.nii.gz",
)
CT_PHANTOM = (
    IBSI1 / "ct_phantom" / "nifti" / "image" / "phantom.nii.gz",
    IBSI1 / "ct_phantom" / "nifti" / "mask" / "mask.nii.gz",
)
#: the same phantom as a DICOM CT series and an RTSTRUCT (ROI GTV-1)
CT_PHANTOM_DICOM = (
    IBSI1 / "ct_phantom" / "dicom" / "image",
    IBSI1 / "ct_phantom" / "dicom" / "mask" / "DCM_RS_00060.dcm",
)
CONFIGS = Path(__file__).parents[1] / "configs" / "ibsi1"


def reference(name: str) -> dict[str, tuple[float, float]]:
    """tag -> (reference value, tolerance) of ``reference_values/<name>.csv``; tags without a value skipped."""
    out = {}
    with open(IBSI1 / "reference_values" / f"{name}.csv") as fh:
        for row in csv.DictReader(fh, delimiter=";"):
            if row["reference value"].strip():
                out[row["tag"]] = (float(row["reference value"]), float(row["tolerance"]))
    return out


def round_sig(x: float, digits: int = 3) -> float:
    """``x`` rounded to ``digits`` significant digits."""
    if x == 0 or not math.isfinite(x):
        return x
    return round(x, digits - 1 - int(math.floor(math.log10(abs(x)))))


def matches(value: float | None, ref: float, tol: float) -> bool:
    """IBSI rule: the value rounded to 3 significant digits lies within the tolerance of the reference.

    A few references carry more digits with tolerance 0 (e.g. ``max_int_init_img`` 3065): the value as it
    is, unrounded, matches those when it lies within the tolerance.
    """
    if value is None or not math.isfinite(value):
        return False
    slack = tol + 1e-12 * max(1.0, abs(ref))
    return abs(round_sig(value) - ref) <= slack or abs(value - ref) <= slack


def compare(values: dict[str, float], name: str, prefix: str = "") -> tuple[list[str], list[str]]:
    """(matched tags, mismatched descriptions) of ``values`` against reference ``name``, tags under ``prefix``."""
    ok, bad = [], []
    for tag, (ref, tol) in reference(name).items():
        if not tag.startswith(prefix):
            continue
        v = values.get(tag)
        if matches(v, ref, tol):
            ok.append(tag)
        else:
            bad.append(f"{tag}: got {v!r}, reference {ref} ± {tol}")
    return ok, bad
