"""Voxel feature maps of the IBSI profile: each ROI voxel's features computed in a box around it.

One case, with settings of the IBSI profile (their ``maps`` section, :class:`radcore.settings.MapSettings`,
gives the box):

1. the case is preprocessed once, as for its features (:func:`radcore.preprocess.prepare`: interpolation,
   rounding, resegmentation over the whole ROI), and each image type's response computed once on it;
2. each response is discretised once over the whole ROI (:func:`radcore.profiles.ibsi.discretised`): the
   bins (fixed bin number: the ROI's minimum and maximum; fixed bin size: its lower bound) and N_g are the
   ROI's, the same for every voxel, so the maps of one case are comparable voxel to voxel;
3. for each voxel c of the intensity mask, its neighbourhood N(c) is the ROI restricted to the box of
   voxels v with |v_a - c_a| <= r_a on every axis a (r from the ``maps`` section, on the (interpolated)
   grid): morphological mask and intensity mask both cut to the box. Every mapped family
   (:data:`MAPPED_FAMILIES`) is computed on N(c) with the settings' aggregations (a 3D neighbourhood gives
   3D matrices: ``3D_avg`` averages the 13 directions' features, ``3D_comb`` merges their matrices; the 2D
   and 2.5D aggregations work per slice of the box):

   - ``stat``, ``ih`` and the texture families asked for aggregations of :data:`COMPILED` only (the
     defaults: ``3D_avg``, ``3D_comb``, ``3D``) in one compiled loop over the voxels
     (:mod:`radcore.kernels.ibsi_voxel_maps`: the shared matrix kernels and compiled formulas on a small
     layout of each N(c)), in blocks of voxels on numba's threads with ``parallel`` or on one thread;
   - a family asked for a 2D or 2.5D aggregation by the family's own ``compute`` from the registry on each
     N(c), one voxel after another (:func:`reference_values`, a few milliseconds per voxel for every
     family; also the compiled loop's reference in the tests).

So the value of a map at c is what :func:`radcore.extract` gives for the mask N(c) with the same settings,
whenever the ROI's discretisation and N(c)'s agree (the check of ``tests/radcore/profiles/test_ibsi_maps.py``,
which also checks the compiled loop against :func:`reference_values` at every voxel); outlier
resegmentation (mean +- k sd) is done once over the whole ROI, not per neighbourhood.

Maps cover the bounding box of the intensity mask on the preprocessed grid (its spacing, origin and
direction), NaN outside the intensity mask and where a feature is undefined in a neighbourhood.
Morphology, local intensity, the intensity-volume histogram and the diagnostics describe the whole ROI and
have no maps (:data:`UNMAPPED`).
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from radcore import image_types
from radcore.crop import bounding_box, crop_origin
from radcore.errors import SettingsError
from radcore.features.registry import family
from radcore.io.images import Volume, load_case
from radcore.naming import FeatureKey
from radcore.preprocess import prepare
from radcore.profiles.ibsi import FILTERED_FAMILIES, discretised, family_values, filtered_settings
from radcore.roi import Discretised, RoiImage
from radcore.settings import FAMILIES, MapSettings, Settings

#: the families computed per voxel, in column order
MAPPED_FAMILIES = ("stat", "ih", "glcm", "glrlm", "glszm", "gldzm", "ngtdm", "ngldm")
#: the aggregations the compiled loop computes (:mod:`radcore.kernels.ibsi_voxel_maps`), per family; a family
#: asked for others (2D, 2.5D) runs its own code on every neighbourhood
COMPILED = {"stat": ("",), "ih": ("",), "glcm": ("3D_avg", "3D_comb"), "glrlm": ("3D_avg", "3D_comb"),
            "glszm": ("3D",), "gldzm": ("3D",), "ngtdm": ("3D",), "ngldm": ("3D",)}
#: where ibsi_voxel_features puts the GLCM's and GLRLM's aggregations
_PLACE = {"3D_avg": 0, "3D_comb": 1}
#: the families without maps, and why
UNMAPPED = {
    "diagnostics": "it describes the image and the preprocessing, not a voxel's neighbourhood",
    "morph": "morphology describes the shape of the whole ROI",
    "local_intensity": "the local and global intensity peaks are defined over the whole ROI",
    "ivh": "the intensity-volume histogram's fractions are relative to the whole ROI's intensity range",
}


def map_settings(settings: Settings) -> MapSettings:
    """The settings' ``maps`` section, or the default one (radius 1 voxel)."""
    return settings.maps if settings.maps is not None else MapSettings()


def mapped_families(settings: Settings, skip_unmapped: bool = False) -> tuple[str, ...]:
    """The settings' families that have maps, in column order. With every family enabled (the default) the
    others are skipped, as they are with ``skip_unmapped`` (a cohort run's settings serve its features
    too); named in ``families`` they are a :class:`SettingsError`."""
    asked = [f for f in settings.families if f in UNMAPPED]
    if asked and set(settings.families) != set(FAMILIES) and not skip_unmapped:
        raise SettingsError(f"families: {asked[0]!r} cannot be mapped: {UNMAPPED[asked[0]]}; remove it for maps "
                            f"(families with maps: {list(MAPPED_FAMILIES)})")
    found = tuple(f for f in MAPPED_FAMILIES if f in settings.families)
    if not found:
        raise SettingsError(f"families: none of {list(settings.families)} has maps; "
                            f"choose some of {list(MAPPED_FAMILIES)}")
    return found


def kernel_radii(maps: MapSettings, spacing: tuple[float, float, float]) -> tuple[int, int, int]:
    """The box's half width per axis (z, y, x) in voxels of a grid of ``spacing`` (z, y, x) mm."""
    if maps.unit == "voxel":
        return (int(maps.radius),) * 3
    radii = tuple(int(math.floor(maps.radius / s + 1e-9)) for s in spacing)
    if max(radii) < 1:
        raise SettingsError(f"maps.radius {maps.radius:g} mm is smaller than a voxel on every axis (spacing "
                            f"{list(spacing[::-1])} mm, x, y, z): the neighbourhood would be the voxel alone")
    return radii


def check(settings: Settings, skip_unmapped: bool = False, image: Volume | None = None) -> tuple[str, ...]:
    """The mapped families, after the checks made before any work: the families, and with ``image`` a
    radius that fits its (interpolated) grid on at least one axis (the profile's ``check_maps`` without
    ``image``)."""
    if settings.profile != "ibsi":
        raise SettingsError("these settings are of the PyRadiomics profile: see radcore.pyradiomics.maps")
    families = mapped_families(settings, skip_unmapped)
    if image is not None:
        extent = np.asarray(image.whole_shape) * np.asarray(image.spacing)
        new = settings.interpolation.spacing
        spacing = tuple(image.spacing) if new is None else tuple(float(s) for s in new[::-1])
        if settings.interpolation.by_slice and new is not None:
            spacing = (float(image.spacing[0]),) + spacing[1:]
        radii = kernel_radii(map_settings(settings), spacing)
        size = [max(int(round(e / s)), 1) for e, s in zip(extent, spacing)]
        if all(2 * r + 1 > n for r, n in zip(radii, size)):
            raise SettingsError(f"maps.radius {map_settings(settings).radius:g} ({map_settings(settings).unit}) "
                                f"gives a box of {[2 * r + 1 for r in radii[::-1]]} voxels (x, y, z), wider than "
                                f"the image on every axis (size {size[::-1]}); use a smaller radius")
    return families


def image_maps(image, mask, settings: Settings, label: int | None = None, parallel: bool = False) -> dict:
    """The maps of SimpleITK images as read (the profile's ``image_maps``; ``parallel``: the compiled loop on
    numba's threads)."""
    from radcore.io.images import to_image

    label = settings.label if label is None else label
    if label == "all":
        raise SettingsError("label: the maps of one case are made for one label; give its number")
    img, msk = load_case(image, mask, label)
    found = extract_volume_maps(img, msk, settings, parallel=parallel)
    return {key: to_image(volume) for key, volume in found.items()}


def volume_maps(image: Volume, mask: Volume, settings: Settings, label: int | None = None) -> dict:
    """The maps of a loaded case, families without maps skipped (the profile's ``volume_maps``: a cohort
    worker)."""
    return extract_volume_maps(image, mask, settings, label, skip_unmapped=True)


def map_box(settings: Settings, info, label: int) -> None:
    """None: the maps read what the features read (the ROI and the margin interpolation and filters need)."""
    return None


def extract_volume_maps(image: Volume, mask: Volume, settings: Settings, label: int | None = None,
                        skip_unmapped: bool = False, parallel: bool = False) -> dict[FeatureKey, Volume]:
    """The voxel feature maps of one loaded case (see module doc), keyed by image type, family, feature and
    aggregation; ``mask`` is the ROI (bool) or a label map whose ``label`` is the ROI; ``parallel`` runs the
    compiled loop on numba's threads."""
    if mask.array.dtype != bool:
        mask = dataclasses.replace(mask, array=mask.array == (settings.label if label is None else label))
    families = check(settings, skip_unmapped, image)
    spacing = tuple(image.spacing) + tuple(settings.interpolation.spacing or ())
    roi = prepare(image, mask, settings, image_types.margin_mm(settings, spacing))
    radii = kernel_radii(map_settings(settings), tuple(roi.spacing))
    names = [t.name for t in settings.image_types]
    out: dict[FeatureKey, Volume] = {}
    if "original" in names:
        out.update(_maps(roi, settings, families, radii, "original", parallel))
    filtered = filtered_settings(settings)
    for image_type in settings.image_types:
        if image_type.name == "original":
            continue
        for name, response in image_types.responses(roi, image_type):
            kept = tuple(f for f in families if f in FILTERED_FAMILIES)
            out.update(_maps(dataclasses.replace(roi, image=response), filtered, kept, radii, name, parallel))
    return out


def _maps(roi: RoiImage, settings: Settings, families, radii, image_type: str,
          parallel: bool) -> dict[FeatureKey, Volume]:
    """The maps of one image type: the values of :func:`voxel_values` on the intensity mask's box."""
    box = bounding_box(roi.int_mask)
    centres = np.argwhere(roi.int_mask)
    values = voxel_values(roi, discretised(roi, settings), families, settings, radii, centres, parallel)
    origin = crop_origin(roi.origin, roi.spacing, roi.direction, [b.start for b in box])
    inside = roi.int_mask[box]
    out = {}
    for (name, feature, aggregation), column in values.items():
        array = np.full(inside.shape, np.nan)
        array[inside] = column
        out[FeatureKey(image_type, name, feature, aggregation)] = Volume(array, tuple(roi.spacing), origin,
                                                                           tuple(roi.direction))
    return out


def voxel_values(roi: RoiImage, disc: Discretised, families, settings: Settings, radii, centres: np.ndarray,
                 parallel: bool = False) -> dict[tuple[str, str, str], np.ndarray]:
    """(family, feature, aggregation) -> float64 (N,): each family's values in the neighbourhood of each of
    ``centres`` (N, 3) (z, y, x indices of ``roi``'s arrays), with the grey levels of ``disc``.

    The families whose aggregations are all in :data:`COMPILED` go through the compiled loop
    (:func:`compiled_values`, on numba's threads when ``parallel``), the others through their own code per
    voxel (:func:`reference_values`).
    """
    fast = tuple(f for f in families if _compiled(family(f).aggregations_of(settings), f))
    slow = tuple(f for f in families if f not in fast)
    found = {}
    if fast:
        found.update(compiled_values(roi, disc, fast, settings, radii, centres, parallel))
    if slow:
        found.update(reference_values(roi, disc, slow, settings, radii, centres))
    return {key: found[key] for name in families for key in found if key[0] == name}


def _compiled(aggregations, name: str) -> bool:
    return bool(aggregations) and set(aggregations) <= set(COMPILED[name])


def compiled_values(roi: RoiImage, disc: Discretised, families, settings: Settings, radii, centres: np.ndarray,
                    parallel: bool = False) -> dict[tuple[str, str, str], np.ndarray]:
    """:func:`voxel_values` of ``families`` (each with aggregations of :data:`COMPILED` only) by the compiled
    loop :func:`radcore.kernels.ibsi_voxel_maps.ibsi_voxel_features`; keys in each family's own order."""
    from radcore.features import count_matrix as cm
    from radcore.features import glcm
    from radcore.kernels.ibsi_voxel_maps import ibsi_voxel_features

    parts = []
    for name in families:
        aggregations = family(name).aggregations_of(settings)
        parts += [name] if name not in ("glcm", "glrlm") else [f"{name}_{a}" for a in aggregations]
    texture = settings.texture
    results = ibsi_voxel_features(disc.levels, roi.image, roi.int_mask, roi.morph_mask, centres, radii,
                                  disc.n_levels, parts, texture.glcm_distance, texture.ngtdm_distance,
                                  texture.ngldm_distance, texture.ngldm_coarseness, cm.COLUMN[cm.percentage],
                                  parallel)
    out = {}
    for name in families:
        fam = family(name)
        table = results[name]
        for k, feature in enumerate(fam.features):
            if name in ("stat", "ih", "ngtdm"):
                out[(name, feature.name, "3D" if name == "ngtdm" else "")] = table[:, k]
            elif name == "glcm":
                for a in fam.aggregations_of(settings):
                    out[(name, feature.name, a)] = table[:, _PLACE[a], glcm.COLUMN[feature.function]]
            elif name == "glrlm":
                for a in fam.aggregations_of(settings):
                    out[(name, feature.name, a)] = table[:, _PLACE[a], cm.COLUMN[feature.function]]
            else:
                out[(name, feature.name, "3D")] = table[:, cm.COLUMN[feature.function]]
    return out


def reference_values(roi: RoiImage, disc: Discretised, families, settings: Settings, radii,
                     centres: np.ndarray) -> dict[tuple[str, str, str], np.ndarray]:
    """:func:`voxel_values` by each family's own ``compute`` from the registry on every neighbourhood, one
    voxel after another (every aggregation; the reference of the compiled loop).

    A neighbourhood is a crop of the arrays, padded once, one voxel wider than the box on every side so
    its masks never touch the crop's edge (the zone distances of the GLDZM read that edge).
    """
    radii = np.asarray(radii, dtype=np.int64)
    pad = int(radii.max()) + 1
    image = np.pad(roi.image, pad)
    morph = np.pad(roi.morph_mask, pad)
    intensity = np.pad(roi.int_mask, pad)
    levels = np.pad(disc.levels, pad)
    box = np.zeros(tuple(2 * radii + 3), bool)
    box[1:-1, 1:-1, 1:-1] = True
    keys: dict[str, list[tuple[str, str]]] = {}  # family -> its (feature, aggregation) keys, in its order
    tables: dict[str, np.ndarray] = {}  # family -> float64 (N, its keys)
    for t, c in enumerate(np.asarray(centres, dtype=np.int64)):
        start = c + pad - radii - 1
        crop = tuple(slice(int(a), int(a) + n) for a, n in zip(start, box.shape))
        inside = intensity[crop] & box
        around = RoiImage(image[crop], morph[crop] & box, inside, roi.spacing)
        near = Discretised(np.where(inside, levels[crop], 0).astype(np.int32), disc.n_levels)
        for name in families:
            values = family_values(name, around, near, settings)
            if name not in keys:
                keys[name] = list(values)
                tables[name] = np.full((len(centres), len(values)), np.nan)
            elif len(values) != len(keys[name]):
                raise ValueError(f"family {name!r} gave {len(values)} values at voxel {tuple(c)}, "
                                 f"{len(keys[name])} at the first")
            tables[name][t] = list(values.values())
    return {(name, *key): tables[name][:, k] for name in keys for k, key in enumerate(keys[name])}
