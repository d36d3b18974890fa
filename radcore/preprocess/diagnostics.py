"""IBSI diagnostic values (image and ROI dimensions, voxel sizes, counts, intensities) per stage.

Tags follow the IBSI reference tables: ``img_dim_x_init_img``, ``int_mask_vox_count_reseg_roi``,
``morph_mask_bb_dim_z_interp_roi``, ... Stages: ``init`` (as read), ``interp`` (after interpolation and
rounding), ``reseg`` (after resegmentation). ``int_mask_dim_*`` is the size of the whole image grid at
that stage, not of the crop radcore works on.
"""

from __future__ import annotations

import numpy as np

from radcore.crop import box_and_count
from radcore.io.images import Volume


def image_diagnostics(volume: Volume, stage: str) -> dict[str, float]:
    """Size, voxel size and intensity mean/min/max of a whole image at ``stage`` (init, interp).

    For a crop (``volume.full_shape`` set and larger) the size is the whole image's; the intensity
    statistics come from ``volume.whole_intensity`` when the crop carries them (a store records them at
    ingest), else they are left out.
    """
    out: dict[str, float] = {}
    for axis, n, sp in zip("zyx", volume.whole_shape, volume.spacing):
        out[f"img_dim_{axis}_{stage}_img"] = float(n)
        out[f"vox_dim_{axis}_{stage}_img"] = float(sp)
    if tuple(volume.array.shape) == tuple(volume.whole_shape):
        a = volume.array
        stats = (float(a.mean()), float(a.min()), float(a.max()))
    elif volume.whole_intensity is not None:
        stats = volume.whole_intensity
    else:
        return out
    for name, value in zip(("mean", "min", "max"), stats):
        out[f"{name}_int_{stage}_img"] = float(value)
    return out


def _box_and_count(box_count: tuple, prefix: str, stage: str) -> dict[str, float]:
    out: dict[str, float] = {}
    box, count = box_count
    for k, axis in enumerate("zyx"):
        size = float(box[k].stop - box[k].start) if box is not None else 0.0
        out[f"{prefix}_bb_dim_{axis}_{stage}_roi"] = size
    out[f"{prefix}_vox_count_{stage}_roi"] = float(count)
    return out


def roi_diagnostics(
    image: np.ndarray,
    morph_mask: np.ndarray,
    int_mask: np.ndarray,
    grid_shape: tuple[int, int, int],
    stage: str,
) -> dict[str, float]:
    """Grid size, bounding-box sizes and voxel counts of both masks, intensities in the intensity mask.

    ``image`` and the masks may be a crop of the whole grid of size ``grid_shape`` (z, y, x).
    """
    out: dict[str, float] = {}
    for axis, n in zip("zyx", grid_shape):
        out[f"int_mask_dim_{axis}_{stage}_roi"] = float(n)
    int_box = box_and_count(int_mask)
    out.update(_box_and_count(int_box, "int_mask", stage))
    morph_box = int_box if morph_mask is int_mask else box_and_count(morph_mask)
    out.update(_box_and_count(morph_box, "morph_mask", stage))
    x = image[int_mask]
    out[f"int_mask_mean_int_{stage}_roi"] = float(x.mean()) if x.size else float("nan")
    out[f"int_mask_min_int_{stage}_roi"] = float(x.min()) if x.size else float("nan")
    out[f"int_mask_max_int_{stage}_roi"] = float(x.max()) if x.size else float("nan")
    return out
