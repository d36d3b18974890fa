"""Failed cases as rows: the one place an error row of the dataset's ``errors`` partition is built.

A case fails at one of :data:`STAGES`:

- ``manifest``: its manifest row cannot run (no case id, no image or mask, a label that is not an integer);
- ``read``: an input file or object (manifest runs) or the stored case is missing, unreadable or damaged (a
  compressed file cut short, NaN or Inf voxels), or the storage holding it refuses it (no bucket, no or
  wrong credentials: :class:`~radcore.errors.StorageError`);
- ``ingest``: the case is invalid (not 3D scalar, mask off the image grid where the settings cannot use
  it) or cannot be written;
- ``perturb``: a perturbed version of a robustness run cannot be made (the ROI becomes empty, a rotation
  needs interpolation the settings forbid); its row names the version, the other versions run;
- ``preprocess``: ROI, interpolation, resegmentation or filtering failed (e.g. an empty mask);
- ``features``: a feature family (IBSI) or feature class (PyRadiomics) failed
  (:class:`~radcore.errors.FeatureError`);
- ``write``: the batch holding it was lost (its worker died) or its files could not be written.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from radcore.errors import FeatureError

STAGES = ("manifest", "read", "ingest", "perturb", "preprocess", "features", "write")
#: the fields of an error row shown in summaries (the Prefect failures table, the command's last lines)
SUMMARY_FIELDS = ("case_id", "label", "stage", "error_type", "reason")


def error_row(
    case_id: str, label: int | None, stage: str, error: BaseException | str, perturbation: str | None = None
) -> dict[str, Any]:
    """The error row of ``case_id`` (``label`` None: the case as a whole) failed at ``stage``; in a robustness
    run, ``perturbation`` names the version that failed (None: every version, or a run without versions).

    ``error`` is the exception (its class is the row's ``error_type``; a :class:`FeatureError` is named
    by its cause) or, for a manifest row, the reason as text (``error_type`` ``ManifestError``).
    """
    import radcore

    if stage not in STAGES:
        raise ValueError(f"stage must be one of {STAGES}, got {stage!r}")
    if isinstance(error, str):
        error_type, reason = "ManifestError", error
    else:
        error_type = type(error.cause if isinstance(error, FeatureError) else error).__name__
        reason = str(error) or repr(error)
    return {
        "case_id": case_id,
        "label": label,
        "stage": stage,
        "error_type": error_type,
        "reason": reason,
        "radcore_version": radcore.__version__,
        "attempted_at": datetime.now(timezone.utc),
        "perturbation": perturbation,
    }


def failure_summaries(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The :data:`SUMMARY_FIELDS` of error rows."""
    return [{k: e[k] for k in SUMMARY_FIELDS} for e in errors]
