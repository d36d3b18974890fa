"""IBSI diagnostic values (image and ROI dimensions, voxel sizes, counts, intensities) per stage.

Tags follow the IBSI reference tables: ``img_dim_x_init_img``, ``int_mask_vox_count_reseg_roi``, ...
"""

from __future__ import annotations

import numpy as np

from radcore.io.images import Volume


def image_diagnostics(volume: Volume, stage: str) -> dict[str, float]:
    """Size, voxel size and intensity mean/min/max of a whole image at ``stage`` (init, interp)."""
    out: dict[str, float] = {}
    for axis, n, sp in zip("zyx", volume.array.shape, volume.spacing):
        out[f"img_dim_{axis}_{stage}_img"] = float(n)
        out[f"vox_dim_{axis}_{stage}_img"] = float(sp)
    a = volume.array
    out[f"mean_int_{stage}_img"] = float(a.mean())
    out[f"min_int_{stage}_img"] = float(a.min())
    out[f"max_int_{stage}_img"] = float(a.max())
    return out


def roi_diagnostics(image: np.ndarray, mask: np.ndarray, spacing, stage: str) -> dict[str, float]:
    """Mask grid size, bounding-box size, voxel count and intensity mean/min/max inside the mask."""
    out: dict[str, float] = {}
    idx = np.nonzero(mask)
    for k, (axis, n) in enumerate(zip("zyx", mask.shape)):
        out[f"int_mask_dim_{axis}_{stage}_roi"] = float(n)
        out[f"int_mask_bb_dim_{axis}_{stage}_roi"] = float(idx[k].max() - idx[k].min() + 1) if idx[k].size else 0.0
    x = image[mask]
    out[f"int_mask_vox_count_{stage}_roi"] = float(x.size)
    out[f"int_mask_mean_int_{stage}_roi"] = float(x.mean()) if x.size else float("nan")
    out[f"int_mask_min_int_{stage}_roi"] = float(x.min()) if x.size else float("nan")
    out[f"int_mask_max_int_{stage}_roi"] = float(x.max()) if x.size else float("nan")
    return out
