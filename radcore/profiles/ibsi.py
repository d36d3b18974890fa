"""The IBSI profile: interpolation and rounding, resegmentation, radcore's image types, the IBSI families.

One case: the ROI is prepared (interpolated, resegmented, cropped to its box plus the margin the local
intensity peak and the filters need), discretised, and every enabled family computed on the original image
and on each filter response (:mod:`radcore.image_types`); families that do not depend on the filter
(morphology, local intensity, IVH, diagnostics) run on the original image only.
"""

from __future__ import annotations

import dataclasses

from radcore import image_types
from radcore.errors import FeatureError
from radcore.features.registry import family
from radcore.io.images import Volume, load_case
from radcore.naming import FeatureKey
from radcore.preprocess import PEAK_RADIUS_MM, prepare
from radcore.preprocess.discretise import discretise
from radcore.preprocess.interpolate import interpolated_intensity
from radcore.roi import RoiImage
from radcore.settings import DiscretisationSettings, Settings


#: families that are computed on filtered images; morphology, local intensity, IVH and the diagnostics do
#: not depend on the filter and are computed on the original image only
FILTERED_FAMILIES = ("stat", "ih", "glcm", "glrlm", "glszm", "gldzm", "ngtdm", "ngldm")


def filtered_settings(settings: Settings) -> Settings:
    """Settings for a filtered image: the filter-independent families dropped, bins by number (fixed bin
    sizes are in the original image's units, so a response is discretised with ``bin_number`` bins unless
    the settings already ask for a number)."""
    families = tuple(f for f in settings.families if f in FILTERED_FAMILIES)
    disc = settings.discretisation
    if disc.method != "fixed_bin_number":
        disc = DiscretisationSettings(method="fixed_bin_number", bin_number=disc.bin_number)
    return dataclasses.replace(settings, families=families, discretisation=disc)


def feature_keys(settings: Settings) -> list[FeatureKey]:
    """Every feature key :func:`extract_volumes` gives for ``settings``, in its order, from the registry and
    the image types' names (no case is computed)."""
    names = [t.name for t in settings.image_types]
    families = [f for f in settings.families if "original" in names or f not in FILTERED_FAMILIES]
    keys = _family_keys("original", families, settings)
    filtered = filtered_settings(settings)
    for image_type in settings.image_types:
        if image_type.name != "original":
            for name in image_types.response_names(image_type):
                keys += _family_keys(name, filtered.families, filtered)
    return keys


def _family_keys(image_type: str, families, settings: Settings) -> list[FeatureKey]:
    keys = []
    for name in families:
        fam = family(name)
        aggregations = fam.aggregations_of(settings)
        keys += [FeatureKey(image_type, name, f.name, a) for f in fam.features for a in aggregations]
    return keys


def whole_image_keys(settings: Settings) -> list[FeatureKey]:
    """The keys of :func:`extract_volumes` whose values a crop of the image cannot give: with interpolation
    and the diagnostics family, the whole interpolated image's mean, minimum and maximum intensity (every
    other value of a crop read with :func:`radcore.cohort.margin.required_margin_mm` is the whole image's:
    its size and the original image's intensities come with the crop, see
    :func:`radcore.preprocess.diagnostics.image_diagnostics`)."""
    if settings.interpolation.spacing is None or "diagnostics" not in settings.families:
        return []
    return [FeatureKey("original", "diagnostics", f"{s}_int_interp_img", "") for s in ("mean", "min", "max")]


def whole_image_values(image: Volume, settings: Settings) -> dict[FeatureKey, float]:
    """The values of :func:`whole_image_keys` from the whole ``image``, as :func:`extract_volumes` gives
    them for the whole image: a cohort worker computes them once per case and puts them in each label's
    row, which makes its rows equal to :func:`radcore.extract`'s."""
    keys = whole_image_keys(settings)
    if not keys:
        return {}
    stats = interpolated_intensity(image, settings.interpolation)
    return {key: float(stats[key.feature]) for key in keys}


def extract_images(image, mask, settings: Settings, label: int | None = None) -> dict[FeatureKey, float]:
    """Features of SimpleITK images as read: the mask a label map on the image grid (``label`` its ROI)."""
    img, msk = load_case(image, mask, settings.label if label is None else label)
    return extract_volumes(img, msk, settings)


def extract_volumes(image: Volume, mask: Volume, settings: Settings, label: int | None = None) -> dict[FeatureKey, float]:
    """Features of an already loaded case: ``mask`` is the ROI (bool) on the image grid, or a label map
    whose ``label`` is the ROI."""
    if mask.array.dtype != bool:
        mask = dataclasses.replace(mask, array=mask.array == (settings.label if label is None else label))
    spacing = tuple(image.spacing) + tuple(settings.interpolation.spacing or ())
    roi = prepare(image, mask, settings, PEAK_RADIUS_MM + image_types.margin_mm(settings, spacing))
    names = [t.name for t in settings.image_types]
    independent = tuple(f for f in settings.families if f not in FILTERED_FAMILIES)
    base = settings if "original" in names else dataclasses.replace(settings, families=independent)
    out = features_of_roi(roi, base, "original")
    filtered = filtered_settings(settings)
    for image_type in settings.image_types:
        if image_type.name == "original":
            continue
        for name, response in image_types.responses(roi, image_type):
            out.update(features_of_roi(dataclasses.replace(roi, image=response), filtered, name))
    return out


def features_of_roi(roi: RoiImage, settings: Settings, image_type: str) -> dict[FeatureKey, float]:
    """Every enabled family on one preprocessed ROI."""
    disc = discretised(roi, settings)
    out: dict[FeatureKey, float] = {}
    for name in settings.families:
        for (feature, aggregation), value in family_values(name, roi, disc, settings).items():
            out[FeatureKey(image_type, name, feature, aggregation)] = value
    return out


def discretised(roi: RoiImage, settings: Settings):
    """The grey levels of the ROI's intensity mask (:func:`radcore.preprocess.discretise.discretise`), a
    fixed bin size's bins starting at the lower resegmentation bound when the settings give one."""
    lower = settings.resegmentation.range[0] if settings.resegmentation.range else None
    return discretise(roi, settings.discretisation, lower)


def family_values(name: str, roi: RoiImage, disc, settings: Settings) -> dict[tuple[str, str], float]:
    """{(feature, aggregation): value} of family ``name`` on one discretised ROI; a failure is a
    :class:`FeatureError` naming the family."""
    try:
        return family(name).compute(roi, disc, settings)
    except Exception as exc:  # noqa: BLE001 - named and chained, so the failure stage is "features"
        raise FeatureError(name, exc) from exc

