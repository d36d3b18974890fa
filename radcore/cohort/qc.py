"""Quality-control flags of one extracted (case, label): columns of the dataset that point at suspect cases.

None of them stops a case; each is written next to its features (``qc_*`` columns) so that a query or the
report can put suspect cases first. They come from what ingest recorded about the case (no extra read) and
the settings.

These columns are *absolute facts* about one row: a worker writes them a batch at a time and never sees
the cohort. Their thresholds are set so that a routine protocol of the modality does not reach them (a CT
of 3 to 5 mm slices resampled to 1 mm is routine: resampling factor 3 to 5, not flagged). Whether a row
is unusual *for its cohort* (its resampling unlike the others', its features far from theirs) is the
report's judgement, made over every row of a settings partition (:mod:`radcore.report.cohort`); the
report also treats a flag raised on most rows as the cohort's routine rather than as a finding.

==========================  ========  =====================================================================
column                      type      meaning
==========================  ========  =====================================================================
qc_roi_voxels               int64     voxels of the ROI on the image grid as stored (before resampling)
qc_small_roi                bool      fewer than :data:`SMALL_ROI_VOXELS` voxels: texture features are noise
qc_roi_at_border            bool      the ROI's bounding box touches the image border: it may be cut off
qc_roi_components           int64     26-connected components of the ROI (null for stores without them)
qc_fragmented_roi           bool      at least :data:`MANY_COMPONENTS` components
qc_intensity_out_of_range   bool      ROI intensities outside the modality's plausible range: CT below
                                      -1024 HU or above 3071 HU, PET (SUV) below -1 (null: no range known)
qc_resampling_factor        float64   the largest ratio, over the axes, between the voxel size and the size
                                      resampled to (either way round: 3.27 mm slices to 1 mm give 3.27)
qc_resampling_far           bool      that ratio above :data:`FAR_RESAMPLING`: interpolation makes up (or
                                      drops) more than 5 of every 6 voxels along an axis
qc_mask_other_series        bool      an RTSTRUCT or SEG mask that references another DICOM series than the
                                      image's (same frame of reference): a contour drawn on another scan
qc_flags                    string    the names of the flags raised, comma-separated ("" when none)
==========================  ========  =====================================================================
"""

from __future__ import annotations

from typing import Any

SMALL_ROI_VOXELS = 100
MANY_COMPONENTS = 5
#: resampling factors up to this are routine (CT and MR slices of up to 5-6 mm to 1 mm, PET 4 mm to 1 mm)
FAR_RESAMPLING = 6.0
#: plausible ROI intensity range per modality (DICOM Modality), CT in HU and PET in SUV
PLAUSIBLE = {"CT": (-1024.0, 3071.0), "PT": (-1.0, float("inf"))}

QC_TYPES = {
    "qc_roi_voxels": int, "qc_small_roi": bool, "qc_roi_at_border": bool, "qc_roi_components": int,
    "qc_fragmented_roi": bool, "qc_intensity_out_of_range": bool, "qc_resampling_factor": float,
    "qc_resampling_far": bool, "qc_mask_other_series": bool, "qc_flags": str,
}
_FLAGS = ("small_roi", "roi_at_border", "fragmented_roi", "intensity_out_of_range", "resampling_far",
          "mask_other_series")
#: each flag a row can carry in ``qc_flags``: what it says and what it is computed on (the report's legend)
FLAG_MEANINGS = {
    "small_roi": f"the ROI holds fewer than {SMALL_ROI_VOXELS} voxels on the image grid as stored (before "
                 "resampling): its texture features are noise",
    "roi_at_border": "the ROI's bounding box touches the border of the image as stored: the ROI may be cut off",
    "fragmented_roi": f"the ROI falls into {MANY_COMPONENTS} or more 26-connected parts on the image grid",
    "intensity_out_of_range": "the ROI's intensities, as stored, leave the modality's plausible range (CT "
                              f"{PLAUSIBLE['CT'][0]:g} to {PLAUSIBLE['CT'][1]:g} HU, PET from "
                              f"{PLAUSIBLE['PT'][0]:g} SUV; no range for other modalities)",
    "resampling_far": f"the voxel size and the size the settings resample to differ by more than "
                      f"{FAR_RESAMPLING:g} times along an axis (either way): beyond routine protocols",
    "mask_other_series": "the RTSTRUCT or SEG mask references another DICOM series than the image's",
}


def qc_values(info, label: int, settings) -> dict[str, Any]:
    """The ``qc_*`` columns of ``label`` of a stored case (:class:`radcore.io.store.CaseInfo`)."""
    box = info.boxes.get(label)
    voxels = info.voxel_counts.get(label, 0)
    components = info.components.get(label)
    low_high = info.roi_intensity.get(label)
    plausible = PLAUSIBLE.get(info.modality)
    factor = resampling_factor(info.spacing, target_spacing(settings))
    out: dict[str, Any] = {
        "qc_roi_voxels": voxels,
        "qc_small_roi": voxels < SMALL_ROI_VOXELS,
        "qc_roi_at_border": box is not None and any(a == 0 or b == n for (a, b), n in zip(box, info.shape)),
        "qc_roi_components": components,
        "qc_fragmented_roi": None if components is None else components >= MANY_COMPONENTS,
        "qc_intensity_out_of_range": None if plausible is None or low_high is None
        else bool(low_high[0] < plausible[0] or low_high[1] > plausible[1]),
        "qc_resampling_factor": factor,
        "qc_resampling_far": factor > FAR_RESAMPLING,
        "qc_mask_other_series": bool(info.mask_other_series),
    }
    out["qc_flags"] = ",".join(name for name in _FLAGS if out[f"qc_{name}"])
    return out


def target_spacing(settings) -> tuple[float, float, float] | None:
    """The (x, y, z) spacing the settings resample to (0 keeps an axis), or None."""
    params = getattr(settings, "pyradiomics", None)
    if params is not None:
        setting = params.setting
        if setting.interpolator is None or setting.resampledPixelSpacing is None:
            return None
        return tuple(float(v) for v in setting.resampledPixelSpacing)
    return settings.interpolation.spacing


def resampling_factor(spacing_zyx, target_xyz) -> float:
    """max over axes of max(a / b, b / a) for the voxel size a and the size b resampled to (1 without)."""
    if target_xyz is None:
        return 1.0
    ratios = [max(a / b, b / a) for a, b in zip(spacing_zyx[::-1], target_xyz) if a > 0 and b > 0]
    return float(max(ratios, default=1.0))
