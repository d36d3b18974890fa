"""IBSI diagnostic values as a feature family, so they are named and written like features.

They are recorded by :func:`radcore.preprocess.prepare`; they have no IBSI feature code (they are
diagnostic features of the IBSI reference tables, not radiomics features). Each one's description (the
catalogue's) says what it is computed on. A cohort worker, which reads a crop around the ROI, gives the
same values as :func:`radcore.extract` on the whole image: the whole image's size and original intensities
come with the crop (recorded at ingest), and the whole interpolated image's intensities are computed once
per case from the whole stored image (:func:`radcore.profiles.ibsi.whole_image_values`).
"""

from __future__ import annotations

from radcore.features.registry import Family, Feature

_REASON = "IBSI diagnostic value (reference-table tag), not a radiomics feature"


def _tags() -> list[str]:
    tags = []
    for stage in ("init", "interp"):
        tags += [f"img_dim_{a}_{stage}_img" for a in "xyz"]
        tags += [f"vox_dim_{a}_{stage}_img" for a in "xyz"]
        tags += [f"{s}_int_{stage}_img" for s in ("mean", "min", "max")]
    for stage in ("init", "interp", "reseg"):
        tags += [f"int_mask_dim_{a}_{stage}_roi" for a in "xyz"]
        tags += [f"int_mask_bb_dim_{a}_{stage}_roi" for a in "xyz"]
        tags.append(f"int_mask_vox_count_{stage}_roi")
        tags += [f"morph_mask_bb_dim_{a}_{stage}_roi" for a in "xyz"]
        tags.append(f"morph_mask_vox_count_{stage}_roi")
        tags += [f"int_mask_{s}_int_{stage}_roi" for s in ("mean", "min", "max")]
    return tags


_STAGES = {"init": "as read", "interp": "after interpolation (and rounding, when asked)",
           "reseg": "after resegmentation"}
_STATS = {"mean": "mean", "min": "minimum", "max": "maximum"}


def _description(tag: str) -> str:
    """What the value of ``tag`` is, and what it is computed on."""
    parts = tag.split("_")
    stage = _STAGES[parts[-2]]
    if parts[-1] == "img":
        if parts[1] == "dim":
            what = "size (voxels)" if parts[0] == "img" else "voxel size (mm)"
            return f"{what} of the whole image along {parts[2]}, {stage}"
        return f"{_STATS[parts[0]]} intensity of the whole image (every voxel, not a crop around the ROI), {stage}"
    mask = "intensity mask" if parts[0] == "int" else "morphological mask"
    if parts[2] == "dim":
        return f"size (voxels) of the whole image grid along {parts[3]}, {stage}"
    if parts[2] == "bb":
        return f"bounding box size (voxels) of the ROI's {mask} along {parts[4]}, {stage}"
    if parts[2] == "vox":
        return f"voxels in the ROI's {mask}, {stage}"
    return f"{_STATS[parts[2]]} intensity inside the ROI's intensity mask, {stage}"


def _lookup(tag: str):
    def value(diagnostics) -> float:
        """The value recorded under this tag while preprocessing."""
        return float(diagnostics.get(tag, float("nan")))

    return value


FEATURES = tuple(
    Feature("diagnostics", tag, None, tag, _lookup(tag), _description(tag), _REASON) for tag in _tags()
)


def compute(roi, disc, settings) -> dict[tuple[str, str], float]:
    """The diagnostic values recorded in ``roi.diagnostics``."""
    return {(f.name, ""): f.function(roi.diagnostics) for f in FEATURES}


FAMILY = Family("diagnostics", "", FEATURES, compute)
