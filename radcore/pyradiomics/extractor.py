"""One case through PyRadiomics' extraction: preprocessing, image types, feature classes, names.

For every enabled image type the filtered images (:mod:`radcore.pyradiomics.image_types`) are computed on
the ROI's bounding box plus the margin the filter needs (not on the whole image, which gives the same
values inside the box), cut to the box, discretised with that image type's settings, and handed to each
enabled feature class as :class:`~radcore.pyradiomics.inputs.ClassInputs`. Shape classes run once, on the
mask, under the image type ``original`` (as PyRadiomics names them). Keys are
:class:`~radcore.naming.FeatureKey` with the PyRadiomics image-type prefix (``original``, ``wavelet-LLH``,
``log-sigma-1-0-mm-3D``, ``square``, ``gradient``, ``lbp-2D``, ``lbp-3D-m1``, ``lbp-3D-k``), the class
name and the feature name.
"""

from __future__ import annotations

import dataclasses
import logging

import numpy as np
import SimpleITK as sitk

from radcore.crop import grown_box
from radcore.errors import FeatureError
from radcore.image_types import IMAGE_TYPES, Filter, filter_of
from radcore.io.images import to_image
from radcore.naming import FeatureKey
from radcore.pyradiomics.features import feature_class, select
from radcore.pyradiomics.inputs import ClassInputs
from radcore.pyradiomics.naming import SHAPE_CLASSES
from radcore.pyradiomics.preprocess import (
    Prepared, discretise, output_grid, prepare, source_bounds,
)
from radcore.pyradiomics.settings import ImageTypeParams, PyRadiomicsParams, PyRadiomicsSetting
from radcore.pyradiomics.window import Window, box_xyz, geometry_image

log_ = logging.getLogger(__name__)


def extract_volumes(image, mask, params: PyRadiomicsParams, label: int | None = None) -> dict[FeatureKey, float]:
    """Features of an already loaded :class:`radcore.io.images.Volume` pair; the mask is the bool ROI or
    a label map (``label``: the ROI's label), each volume on its own grid.

    Crops of a larger image (``full_shape``, ``offset``, ``whole_origin`` and the whole image's statistics
    set, image and mask on one grid, holding :func:`source_box`) give the whole image's features.
    """
    img, msk, params, window = images_of_volumes(image, mask, params, label)
    return extract_images(img, msk, params, window=window)


def images_of_volumes(image, mask, params: PyRadiomicsParams, label: int | None = None):
    """(image, label map, params with ``label``, :class:`Window` or None) of a loaded volume pair, as
    :func:`extract_volumes` hands them to :func:`extract_images`."""
    setting = params.setting if label is None else dataclasses.replace(params.setting, label=label)
    img = to_image(image)
    if mask.array.dtype == bool:
        labelled = dataclasses.replace(mask, array=np.asarray(mask.array, dtype=np.uint32) * np.uint32(setting.label))
    else:
        labelled = mask
    return img, to_image(labelled), dataclasses.replace(params, setting=setting), _window(image, mask)


def _window(image, mask) -> Window | None:
    """The :class:`Window` of a cropped image volume (None for a whole image)."""
    if image.full_shape is None or (tuple(image.full_shape) == image.array.shape and not any(image.offset)):
        return None
    if image.whole_origin is None or image.whole_intensity is None:
        raise ValueError("a cropped image volume needs the whole image's origin and intensity range "
                         "(Volume.whole_origin, whole_intensity)")
    if (mask.array.shape, tuple(mask.offset)) != (image.array.shape, tuple(image.offset)):
        raise ValueError("a cropped image and mask must be the same crop of one grid")
    mean, sigma = image.whole_normalisation or (None, None)
    return Window(
        size=tuple(int(n) for n in image.full_shape[::-1]), offset=tuple(int(n) for n in image.offset[::-1]),
        origin=tuple(image.whole_origin), spacing=tuple(float(s) for s in image.spacing[::-1]),
        direction=tuple(image.direction), minimum=image.whole_intensity[1], maximum=image.whole_intensity[2],
        mean=mean, sigma=sigma,
    )


def source_box(params: PyRadiomicsParams, shape, spacing, origin, direction, roi_box) -> tuple[slice, ...]:
    """The box (slices (z, y, x)) of an image (``shape``, ``spacing`` (z, y, x), ``origin``, ``direction``)
    whose crop gives :func:`extract_images` the whole image's features for the ROI whose bounding box is
    ``roi_box`` (half-open (start, stop) per axis (z, y, x)), with the mask on the image grid: see
    :mod:`radcore.pyradiomics.window`."""
    setting = params.setting
    full = np.array(shape[::-1])
    lo = np.array([a for a, _ in roi_box][::-1])
    size = np.array([b - a for a, b in roi_box][::-1])
    box = tuple(slice(int(a), int(b)) for a, b in roi_box)
    if setting.interpolator is not None and setting.resampledPixelSpacing is not None:
        geometry = geometry_image(origin, spacing[::-1], direction)
        target, new_size, grid_origin = output_grid(geometry, full, lo, size, setting)
        if np.allclose(np.array(spacing[::-1]), target):
            return grown_box(box, (setting.padDistance,) * 3, shape)
        return box_xyz(*source_bounds(geometry, full, grid_origin, target, new_size, direction))
    if setting.preCrop:
        return grown_box(box, (setting.padDistance,) * 3, shape)
    region = box
    for it in params.image_types:
        margins, wrap = image_type_filter(it, params.image_type_setting(it)).reach(tuple(spacing), tuple(shape))
        grown = grown_box(box, margins, shape, wrap)
        region = tuple(slice(min(r.start, g.start), max(r.stop, g.stop)) for r, g in zip(region, grown))
    return region


def extract_images(image: sitk.Image, mask: sitk.Image, params: PyRadiomicsParams, label: int | None = None,
                   window: Window | None = None) -> dict[FeatureKey, float]:
    """Features of one case as SimpleITK images, keyed by PyRadiomics image type, class and feature; with a
    ``window`` image and mask are crops of one grid (see :func:`radcore.pyradiomics.preprocess.prepare`)."""
    if label is not None:
        params = dataclasses.replace(params, setting=dataclasses.replace(params.setting, label=label))
    setting = params.setting
    prepared = prepare(image, mask, setting, window)
    classes = dict(params.feature_classes)
    out: dict[FeatureKey, float] = {}
    shape_classes = [c for c in classes if c in SHAPE_CLASSES and _shape_runs(c, prepared, setting)]
    if shape_classes:
        inputs = class_inputs(prepared, prepared.image[prepared.box], setting)
        for name in shape_classes:
            out.update(_run_class(name, inputs, setting, classes[name], "original"))
    texture = [c for c in classes if c not in SHAPE_CLASSES]
    for it in params.image_types:
        it_setting = params.image_type_setting(it)
        for image_type, filtered in image_type_filter(it, it_setting).responses(prepared):
            inputs = class_inputs(prepared, filtered, it_setting)
            for name in texture:
                out.update(_run_class(name, inputs, it_setting, classes[name], image_type))
    return out


def feature_keys(params: PyRadiomicsParams) -> list[FeatureKey]:
    """Every feature key :func:`extract_images` can give for ``params``, from the feature classes' lists and
    the image types' names (no case is computed). A case may give fewer: a LoG sigma too wide for its
    image, or shape2D when its conditions fail, is left out."""
    setting = params.setting
    classes = dict(params.feature_classes)
    keys: list[FeatureKey] = []
    for name in classes:
        if name == "shape" or (name == "shape2D" and setting.force2D):
            keys += _class_keys("original", name, setting, classes[name])
    texture = [c for c in classes if c not in SHAPE_CLASSES]
    for it in params.image_types:
        it_setting = params.image_type_setting(it)
        for image_type in image_type_filter(it, it_setting).names():
            for name in texture:
                keys += _class_keys(image_type, name, it_setting, classes[name])
    return keys


def _class_keys(image_type: str, name: str, setting: PyRadiomicsSetting, enabled) -> list[FeatureKey]:
    module = feature_class(name)
    return [FeatureKey(image_type, name, f) for f in select(name, module.FEATURES, module.OPTIONAL, enabled)]


def image_type_filter(it: ImageTypeParams, setting: PyRadiomicsSetting) -> Filter:
    """The filter of image type ``it`` (:mod:`radcore.pyradiomics.image_types`) with the settings it reads."""
    return filter_of(it.name, {key: getattr(setting, key) for key in IMAGE_TYPES[it.name].options})


def class_inputs(prepared: Prepared, filtered: np.ndarray, setting: PyRadiomicsSetting) -> ClassInputs:
    """The arrays of one image type, cut to the ROI box: ``filtered`` is already the box region."""
    mask = prepared.mask[prepared.box]
    levels, n_levels = discretise(filtered, mask, setting)
    return ClassInputs(
        image=filtered,
        mask=mask,
        shape_mask=prepared.shape_mask[prepared.box],
        levels=levels,
        n_levels=n_levels,
        spacing=prepared.spacing,
    )


def _shape_runs(name: str, prepared: Prepared, setting: PyRadiomicsSetting) -> bool:
    if name == "shape":
        return True
    if not setting.force2D:
        log_.info("shape2D needs force2D; skipped")
        return False
    # PyRadiomics tests the bounding-box size in (x, y, z) order at index force2Ddimension
    size_xyz = [s.stop - s.start for s in prepared.box][::-1]
    if not size_xyz[setting.force2Ddimension] > 1:
        log_.warning("shape2D skipped: bounding box size along dimension %d is 1", setting.force2Ddimension)
        return False
    return True


def _run_class(name: str, inputs: ClassInputs, setting: PyRadiomicsSetting, enabled, image_type: str) -> dict[FeatureKey, float]:
    try:
        values = feature_class(name).compute(inputs, setting, enabled)
    except Exception as exc:  # noqa: BLE001 - named and chained, so the failure stage is "features"
        raise FeatureError(name, exc) from exc
    return {FeatureKey(image_type, name, feature): float(value) for feature, value in values.items()}
