"""PyRadiomics' voxel-based extraction: one feature map per feature, as ``execute(..., voxelBased=True)``.

Settings (a params file's ``voxelSetting`` section): ``kernelRadius`` r (default 1), ``maskedKernel``
(default true), ``initValue`` (default 0), ``voxelBatch`` (default -1: all voxels in one batch).

What PyRadiomics 3.1 does, and this module with it:

- preprocessing as for the segment (:func:`radcore.pyradiomics.preprocess.prepare`); every image type's
  response is cut to the ROI's bounding box grown by r voxels (clipped to the image): that box is the
  maps' grid (its origin the box's first voxel, the image's spacing and direction);
- grey levels: the discretisation of the ROI (``maskedKernel`` true) or of the whole grid (false);
- the kernel of an ROI voxel c: the voxels v of the grid with |v_a - c_a| <= r_a, r_a = min(r, n_a - 1)
  with n_a the ROI's bounding-box size (masked) or the grid's size (unmasked) along axis a; masked, only
  ROI voxels; each class computes its matrices on the kernel's voxels (a pair, run, zone or neighbour
  lies inside the kernel) over the grey levels of the whole region (N_g its highest);
- GLCM: per offset; an offset without pairs gives NaN features and is left out of the mean over offsets,
  except in JointAverage, which PyRadiomics averages with ``mean`` (not ``nanmean``): NaN at a voxel
  with an empty offset, unless that offset is empty at every voxel of its ``voxelBatch`` batch (PyRadiomics
  then drops the offset);
- MCC: PyRadiomics' per-voxel MCC (eigenvalues of the N_g x N_g matrix Q per offset) raises on the NaN
  matrix of an empty offset, which fails the whole batch and leaves its map at ``initValue``: the same
  here (:func:`mcc_values`), so with masked kernels at the ROI's edge, where some offset is often empty,
  the MCC map is usually ``initValue`` throughout, as PyRadiomics gives it;
- the maps hold ``initValue`` outside the ROI, NaN where a feature is undefined at a voxel.

Not supported (a :class:`~radcore.errors.SettingsError` before any work): the shape classes (PyRadiomics
computes shape per ROI only; when every class is enabled by default they are skipped, as PyRadiomics skips
them), ``weightingNorm``, ``force2D``, and a kernel wider than the image on every axis.
"""

from __future__ import annotations

import dataclasses
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import SimpleITK as sitk

from radcore.crop import grown_box
from radcore.errors import SettingsError
from radcore.naming import FeatureKey
from radcore.pyradiomics.extractor import image_type_filter, images_of_volumes
from radcore.pyradiomics.features import EPS, angles, feature_class, select
from radcore.pyradiomics.naming import CLASSES, MAPPED_CLASSES, SHAPE_CLASSES
from radcore.pyradiomics.preprocess import Prepared, discretise, prepare
from radcore.pyradiomics.settings import PyRadiomicsParams
from radcore.pyradiomics.window import Window, geometry_image

#: PyRadiomics' defaults of ``voxelSetting``
VOXEL_DEFAULTS = {"kernelRadius": 1, "maskedKernel": True, "initValue": 0.0, "voxelBatch": -1}
#: voxels whose GLCMs are held at once for the MCC
MCC_BLOCK = 2048


def voxel_settings(params: PyRadiomicsParams) -> dict:
    """``voxelSetting`` of ``params`` over PyRadiomics' defaults."""
    return {**VOXEL_DEFAULTS, **dict(params.voxel_setting)}


def mapped_classes(params: PyRadiomicsParams, skip_shape: bool = False) -> dict[str, tuple[str, ...]]:
    """Class -> feature names to map; a :class:`SettingsError` for what cannot be mapped (module doc), unless
    ``skip_shape`` (a cohort run's params serve its features too: their shape classes are not mapped)."""
    classes = dict(params.feature_classes)
    every_class = set(classes) == set(CLASSES) and all(v is None for v in classes.values())
    asked = [c for c in classes if c in SHAPE_CLASSES]
    if asked and not every_class and not skip_shape:
        raise SettingsError(
            f"featureClass {asked[0]!r} cannot be mapped: PyRadiomics computes shape for the whole ROI only, "
            f"not per voxel; remove it from featureClass for maps (mappable: {list(MAPPED_CLASSES)})"
        )
    out = {}
    for name in MAPPED_CLASSES:
        if name in classes:
            module = feature_class(name)
            out[name] = select(name, module.FEATURES, module.OPTIONAL, classes[name])
    return out


def check(params: PyRadiomicsParams, image_size=None, skip_shape: bool = False) -> dict:
    """The voxel settings, after the checks made before any work (module doc); without ``image_size`` those
    that need no image."""
    voxel = voxel_settings(params)
    radius = int(voxel["kernelRadius"])
    if radius < 1:
        raise SettingsError(f"voxelSetting.kernelRadius must be an integer >= 1, got {voxel['kernelRadius']!r}")
    if image_size is not None and 2 * radius + 1 > max(int(n) for n in image_size):
        raise SettingsError(
            f"voxelSetting.kernelRadius {radius} needs a kernel of {2 * radius + 1} voxels, wider than the image "
            f"on every axis (size {list(image_size)} (x, y, z)); use a radius below {max(image_size) // 2}"
        )
    if params.setting.weightingNorm is not None:
        raise SettingsError("setting.weightingNorm is not supported for voxel maps; leave it unset")
    if params.setting.force2D or any(dict(it.overrides).get("force2D") for it in params.image_types):
        raise SettingsError("setting.force2D is not supported for voxel maps (its 2D kernels are not reproduced "
                            "yet); leave it unset")
    mapped_classes(params, skip_shape)
    return voxel


def extract_volume_maps(image, mask, params: PyRadiomicsParams, label: int | None = None,
                        parallel: bool = False, skip_shape: bool = False) -> dict[FeatureKey, sitk.Image]:
    """:func:`extract_maps` of a loaded :class:`radcore.io.images.Volume` pair (a cohort worker's crop of a
    stored case, holding :func:`map_source_box`), as
    :func:`radcore.pyradiomics.extractor.extract_volumes` takes them."""
    img, msk, params, window = images_of_volumes(image, mask, params, label)
    return extract_maps(img, msk, params, parallel=parallel, window=window, skip_shape=skip_shape)


def map_source_box(params: PyRadiomicsParams, info, label: int, box) -> tuple[slice, ...]:
    """The box of a stored case (:class:`radcore.io.store.CaseInfo`) the maps of ``label`` read: the
    features' ``box`` (:func:`radcore.pyradiomics.extractor.source_box`) grown by the kernel radius, so the
    maps' grid and every kernel on it lie inside."""
    radius = int(voxel_settings(params)["kernelRadius"])
    return grown_box(box, (radius,) * 3, info.shape)


def extract_maps(image: sitk.Image, mask: sitk.Image, params: PyRadiomicsParams, label: int | None = None,
                 parallel: bool = False, window: Window | None = None,
                 skip_shape: bool = False) -> dict[FeatureKey, sitk.Image]:
    """PyRadiomics' voxel-based feature maps of one case, keyed by image type, class and feature (named
    as PyRadiomics names them by :func:`radcore.naming.column_name` with ``"pyradiomics"``:
    ``original_glcm_Contrast``); ``parallel`` runs the voxels on numba's threads; with a ``window`` image
    and mask are crops of one whole image (:func:`radcore.pyradiomics.preprocess.prepare`)."""
    from radcore.kernels.voxel_maps import voxel_features

    if label is not None:
        params = dataclasses.replace(params, setting=dataclasses.replace(params.setting, label=label))
    voxel = check(params, image.GetSize() if window is None else window.size, skip_shape)
    classes = mapped_classes(params, skip_shape)
    radius = int(voxel["kernelRadius"])
    prepared = prepare(image, mask, params.setting, window)
    grid = grown_box(prepared.box, (radius,) * 3, prepared.image.shape)
    on_grid = dataclasses.replace(prepared, box=grid)
    roi = np.ascontiguousarray(prepared.mask[grid])
    centres = np.argwhere(roi)
    masked = bool(voxel["maskedKernel"])
    region = roi if masked else np.ones_like(roi)
    extent = (centres.max(axis=0) - centres.min(axis=0) + 1) if masked else np.array(roi.shape)
    radii = [min(radius, int(n) - 1) for n in extent]
    out: dict[FeatureKey, sitk.Image] = {}
    for it in params.image_types:
        setting = params.image_type_setting(it)
        glcm_offsets = angles(setting.distances, roi.shape, setting.force2D, setting.force2Ddimension)
        run_offsets = angles((1,), roi.shape, setting.force2D, setting.force2Ddimension)
        neighbours = angles(setting.distances, roi.shape, setting.force2D, setting.force2Ddimension, True)
        zone_links = angles((1,), (3, 3, 3), setting.force2D, setting.force2Ddimension)
        for image_type, filtered in image_type_filter(it, setting).responses(on_grid):
            levels, n_levels = discretise(filtered, region, setting)
            results = voxel_features(levels, np.asarray(filtered, dtype=np.float64), region, centres, radii,
                                     n_levels, tuple(classes), glcm_offsets, run_offsets, neighbours, zone_links,
                                     setting.symmetricalGLCM, EPS, float(setting.voxelArrayShift),
                                     float(setting.gldm_a), parallel)
            values = class_values(classes, results, prepared.spacing, int(voxel["voxelBatch"]))
            if "MCC" in classes.get("glcm", ()):
                values[("glcm", "MCC")] = mcc_values(results, levels, region, centres, radii, glcm_offsets,
                                                     setting.symmetricalGLCM, int(voxel["voxelBatch"]),
                                                     float(voxel["initValue"]), parallel)
            for (name, feature), column in values.items():
                array = np.full(roi.shape, float(voxel["initValue"]))
                array[roi] = column
                out[FeatureKey(image_type, name, feature)] = _image(array, prepared, grid)
    return out


def class_values(classes: dict, results: dict, spacing, voxel_batch: int) -> dict[tuple[str, str], np.ndarray]:
    """(class, feature) -> value per ROI voxel (raster order) from :func:`voxel_features`' columns."""
    from radcore.kernels.voxel_maps import FIRSTORDER_COLUMNS
    from radcore.pyradiomics.features import firstorder, glcm, gldm, glrlm, glszm, ngtdm

    out: dict[tuple[str, str], np.ndarray] = {}
    if "firstorder" in classes:
        table = results["firstorder"]
        stat = {name: table[:, k] for k, name in enumerate(FIRSTORDER_COLUMNS)}
        values = firstorder.from_statistics(classes["firstorder"], stat, lambda: stat["entropy"],
                                            lambda: stat["uniformity"], stat["n_voxels"], float(np.prod(spacing)))
        out.update({("firstorder", k): np.asarray(v, dtype=np.float64) for k, v in values.items()})
    if "glcm" in classes:
        table = results["glcm"]
        for name in classes["glcm"]:
            if name != "MCC":
                out[("glcm", name)] = table[:, glcm.COLUMN[name]].copy()
        if "JointAverage" in classes["glcm"]:
            out[("glcm", "JointAverage")][_empty_kept(results["glcm_empty"], voxel_batch)] = np.nan
    for name, module in (("glrlm", glrlm), ("glszm", glszm), ("gldm", gldm)):
        if name in classes:
            for feature in classes[name]:
                if (name, feature) == ("gldm", "DependencePercentage"):
                    out[(name, feature)] = np.ones(results[name].shape[0])
                else:
                    out[(name, feature)] = results[name][:, module.COLUMN[feature]].copy()
    if "ngtdm" in classes:
        order = list(ngtdm.FORMULAS)
        for feature in classes["ngtdm"]:
            out[("ngtdm", feature)] = results["ngtdm"][:, order.index(feature)].copy()
    return out


def mcc_values(results: dict, levels: np.ndarray, region: np.ndarray, centres: np.ndarray, radii,
               glcm_offsets: np.ndarray, symmetric: bool, voxel_batch: int, init_value: float,
               parallel: bool) -> np.ndarray:
    """The MCC per ROI voxel (raster order), as PyRadiomics computes it per ``voxelBatch`` batch.

    PyRadiomics takes the eigenvalues of Q (N_g x N_g over the levels of the whole region) of every
    offset of every voxel of a batch at once; a voxel with an empty offset that the batch keeps gives a
    NaN matrix, the eigensolver raises and the batch keeps ``init_value``. Otherwise MCC is the mean over
    the voxel's offsets of sqrt(second largest eigenvalue of Q) (:func:`radcore.pyradiomics.features.glcm.
    mcc_values` on the kernel's levels, with one zero row and column when the region has levels the kernel
    lacks: they add zero eigenvalues, which is what the second largest is when the kernel's matrix has
    one non-zero eigenvalue); 1 when the region has one grey level.
    """
    empty = results["glcm_empty"]
    out = np.full(len(empty), float(init_value))
    ok = ~_failed_batches(empty, voxel_batch)
    n_region = int(np.unique(levels[region]).size)
    if n_region == 1 or not ok.any():
        out[ok] = 1.0
        return out
    local = results["levels"]
    sizes = np.where(local < n_region, local + 1, local)
    values = np.full(len(empty), np.nan)
    chosen = np.flatnonzero(ok)
    blocks = [chosen[start:start + MCC_BLOCK] for start in range(0, chosen.size, MCC_BLOCK)]
    workers = _threads() if parallel else 1

    def block_values(part: np.ndarray) -> np.ndarray:
        return _mcc_block(levels, region, centres[part], radii, glcm_offsets, symmetric, sizes[part], empty[part],
                          parallel and workers == 1)

    if workers > 1 and len(blocks) > 1:
        # the eigensolvers of NumPy run one block per thread (they release the GIL, as the compiled GLCMs of
        # each block do): memory bounded by ``workers`` blocks' matrices
        with ThreadPoolExecutor(workers) as pool:
            for part, found in zip(blocks, pool.map(block_values, blocks)):
                values[part] = found
    else:
        for part in blocks:  # memory bounded by a block's matrices
            values[part] = block_values(part)
    out[ok] = values[ok]
    return out


def _threads() -> int:
    import numba

    return int(numba.get_num_threads())


def _mcc_block(levels, region, centres, radii, glcm_offsets, symmetric, sizes, empty, parallel) -> np.ndarray:
    from radcore.kernels.voxel_maps import glcm_stack
    from radcore.pyradiomics.features.glcm import mcc_values as per_matrix

    flat = glcm_stack(levels, region, centres, radii, int(levels.max()), glcm_offsets, symmetric, sizes, parallel)
    k = len(glcm_offsets)
    starts = np.concatenate([[0], np.cumsum(k * sizes**2)[:-1]])
    filled = ((empty[:, None] >> np.arange(k)[None, :]) & 1) == 0
    values = np.full(sizes.size, np.nan)
    for m in np.unique(sizes):
        which = np.flatnonzero(sizes == m)
        p = flat[starts[which][:, None] + np.arange(k * m * m)[None, :]].reshape(which.size, k, m, m)
        per_offset = np.full((which.size, k), np.nan)
        use = filled[which]
        per_offset[use] = per_matrix(p[use])
        values[which] = _nanmean(per_offset)
    return values


def _nanmean(table: np.ndarray) -> np.ndarray:
    counted = (~np.isnan(table)).sum(axis=1)
    total = np.where(np.isnan(table), 0.0, table).sum(axis=1)
    return np.where(counted > 0, total / np.maximum(counted, 1), np.nan)


def _failed_batches(empty: np.ndarray, voxel_batch: int) -> np.ndarray:
    """Voxels of a batch in which some voxel has an empty offset the batch keeps (PyRadiomics' MCC fails)."""
    kept = _empty_kept(empty, voxel_batch)
    batch = len(empty) if voxel_batch < 0 else max(int(voxel_batch), 1)
    out = np.zeros(len(empty), bool)
    for start in range(0, len(empty), batch):
        out[start:start + batch] = kept[start:start + batch].any()
    return out


def _empty_kept(empty: np.ndarray, voxel_batch: int) -> np.ndarray:
    """Voxels with an empty GLCM offset that PyRadiomics keeps: one not empty at every voxel of the batch."""
    batch = len(empty) if voxel_batch < 0 else max(int(voxel_batch), 1)
    out = np.zeros(len(empty), bool)
    for start in range(0, len(empty), batch):
        part = empty[start:start + batch]
        always = np.bitwise_and.reduce(part) if len(part) else 0
        out[start:start + batch] = (part & ~always) != 0
    return out


def _image(array: np.ndarray, prepared: Prepared, grid) -> sitk.Image:
    image = sitk.GetImageFromArray(array)
    geometry = geometry_image(prepared.origin, prepared.spacing[::-1], prepared.direction)
    first = [int(s.start) for s in grid][::-1]
    image.SetOrigin(geometry.TransformIndexToPhysicalPoint(first))
    image.SetSpacing(tuple(float(s) for s in prepared.spacing[::-1]))
    image.SetDirection(prepared.direction)
    return image
