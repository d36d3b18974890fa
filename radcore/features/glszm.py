"""Grey level size zone matrix features (IBSI 3.8, family code 9SAK).

The GLSZM s_ij counts the zones (connected voxels of one grey level; 8-connected per slice in 2D,
26-connected in 3D) with grey level i and size j. With N_s = sum_ij s_ij zones and N_v ROI voxels the
features are the count-matrix formulas of :mod:`radcore.features.count_matrix` with the zone size for j
and N_v for the percentage's denominator.

This module also holds the zone-family aggregation the GLDZM shares (:func:`zone_family_values`), and
:func:`aggregated`, which the NGLDM uses too.

Aggregations (settings.texture.zone_aggregations): ``2D`` one matrix per slice, features averaged over the
slices holding ROI voxels; ``2_5D`` the per-slice matrices summed; ``3D`` one volumetric matrix.
"""

from __future__ import annotations

from typing import Callable, Iterable

import numpy as np

from radcore.features import count_matrix as cm
from radcore.features.registry import Family, Feature
from radcore.kernels.glszm import compressed_zone_matrix
from radcore.kernels.zones import zone_slices
from radcore.roi import Discretised


# ------------------------------------------------------------------ aggregation helpers


def aggregated(features: tuple[Feature, ...], aggregation: str, counts: np.ndarray, j: np.ndarray,
               n_voxels: np.ndarray) -> dict[tuple[str, str], float]:
    """Features of the count matrices ``counts`` (k, Ng, m) (grey levels 1..Ng, column values ``j``, ROI
    voxels ``n_voxels`` (k,)), averaged over the k matrices (slices for 2D, a single one otherwise)."""
    grey = np.arange(1, counts.shape[1] + 1, dtype=np.float64)
    means = cm.evaluate(counts, grey, j, 0.0, n_voxels).mean(axis=0)
    return {(f.name, aggregation): float(means[cm.COLUMN[f.function]]) for f in features}


def slice_groups(zone_slice: np.ndarray) -> list[tuple[int, slice]]:
    """(z, slice into the zone arrays) per slice holding zones; ``zone_slice`` must be non-decreasing."""
    zs, starts = np.unique(zone_slice, return_index=True)
    stops = np.append(starts[1:], zone_slice.size)
    return [(int(z), slice(int(a), int(b))) for z, a, b in zip(zs, starts, stops)]


def zone_family_values(
    features: tuple[Feature, ...],
    disc: Discretised,
    aggregations: Iterable[str],
    zone_value: Callable[[np.ndarray, np.ndarray, np.ndarray, bool], np.ndarray],
) -> dict[tuple[str, str], float]:
    """Features of a zone matrix family (GLSZM, GLDZM) for the requested aggregations.

    ``zone_value(labels, zone_level, zone_size, in_plane)`` gives each zone's column value (its size for
    the GLSZM, its distance for the GLDZM). Zones are 8-connected per slice for 2D / 2.5D and
    26-connected for 3D. N_v is the ROI voxel count of the slice (2D) or of the whole ROI. The matrices
    keep the column values that occur (in any slice, for 2D). The zones are ``disc``'s, shared.
    """
    levels, n_levels = disc.levels, disc.n_levels
    aggregations = set(aggregations)
    out: dict[tuple[str, str], float] = {}
    n_voxels = np.count_nonzero(levels > 0, axis=(1, 2))
    if aggregations & {"2D", "2_5D"}:
        labels, zone_level, zone_size = disc.zones(8)
        value = zone_value(labels, zone_level, zone_size, True)
        counts, j = compressed_zone_matrix(zone_level, value, n_levels)
        if "2D" in aggregations:
            groups = slice_groups(zone_slices(labels, zone_level.size))
            group = np.repeat(np.arange(len(groups)), [sel.stop - sel.start for _, sel in groups])
            flat = (group * n_levels + zone_level - 1) * j.size + np.searchsorted(j, value)
            per_slice = np.bincount(flat, minlength=len(groups) * n_levels * j.size).astype(np.float64)
            per_slice = per_slice.reshape(len(groups), n_levels, j.size)
            voxels = np.array([n_voxels[z] for z, _ in groups], dtype=np.float64)
            out.update(aggregated(features, "2D", per_slice, j.astype(np.float64), voxels))
        if "2_5D" in aggregations:
            out.update(aggregated(features, "2_5D", counts[None], j.astype(np.float64), n_voxels.sum()))
    if "3D" in aggregations:
        labels, zone_level, zone_size = disc.zones(26)
        value = zone_value(labels, zone_level, zone_size, False)
        counts, j = compressed_zone_matrix(zone_level, value, n_levels)
        out.update(aggregated(features, "3D", counts[None], j.astype(np.float64), n_voxels.sum()))
    return out


# ------------------------------------------------------------------ the GLSZM family


def _feature(name: str, code: str, tag: str, formula, description: str, pyradiomics: str) -> Feature:
    return Feature("glszm", name, code, f"szm_{tag}", formula, description, pyradiomics=pyradiomics)


FEATURES = (
    _feature("small_zone_emphasis", "5QRC", "sze", cm.small_emphasis, "Small zone emphasis", "SmallAreaEmphasis"),
    _feature("large_zone_emphasis", "48P8", "lze", cm.large_emphasis, "Large zone emphasis", "LargeAreaEmphasis"),
    _feature("low_grey_level_zone_emphasis", "XMSY", "lgze", cm.low_grey_emphasis,
             "Low grey level zone emphasis", "LowGrayLevelZoneEmphasis"),
    _feature("high_grey_level_zone_emphasis", "5GN9", "hgze", cm.high_grey_emphasis,
             "High grey level zone emphasis", "HighGrayLevelZoneEmphasis"),
    _feature("small_zone_low_grey_level_emphasis", "5RAI", "szlge", cm.small_low_emphasis,
             "Small zone low grey level emphasis", "SmallAreaLowGrayLevelEmphasis"),
    _feature("small_zone_high_grey_level_emphasis", "HW1V", "szhge", cm.small_high_emphasis,
             "Small zone high grey level emphasis", "SmallAreaHighGrayLevelEmphasis"),
    _feature("large_zone_low_grey_level_emphasis", "YH51", "lzlge", cm.large_low_emphasis,
             "Large zone low grey level emphasis", "LargeAreaLowGrayLevelEmphasis"),
    _feature("large_zone_high_grey_level_emphasis", "J17V", "lzhge", cm.large_high_emphasis,
             "Large zone high grey level emphasis", "LargeAreaHighGrayLevelEmphasis"),
    _feature("grey_level_non_uniformity", "JNSA", "glnu", cm.grey_non_uniformity, "Grey level non-uniformity",
             "GrayLevelNonUniformity"),
    _feature("grey_level_non_uniformity_norm", "Y1RO", "glnu_norm", cm.grey_non_uniformity_norm,
             "Normalised grey level non-uniformity", "GrayLevelNonUniformityNormalized"),
    _feature("zone_size_non_uniformity", "4JP3", "zsnu", cm.value_non_uniformity, "Zone size non-uniformity",
             "SizeZoneNonUniformity"),
    _feature("zone_size_non_uniformity_norm", "VB3A", "zsnu_norm", cm.value_non_uniformity_norm,
             "Normalised zone size non-uniformity", "SizeZoneNonUniformityNormalized"),
    _feature("zone_percentage", "P30P", "z_perc", cm.percentage, "Zone percentage", "ZonePercentage"),
    _feature("grey_level_variance", "BYLV", "gl_var", cm.grey_variance, "Grey level variance", "GrayLevelVariance"),
    _feature("zone_size_variance", "3NSA", "zs_var", cm.value_variance, "Zone size variance", "ZoneVariance"),
    _feature("zone_size_entropy", "GU8N", "zs_entr", cm.entropy, "Zone size entropy", "ZoneEntropy"),
)


def _zone_size(labels, zone_level, zone_size, in_plane):
    return zone_size


def compute(roi, disc, settings) -> dict[tuple[str, str], float]:
    """GLSZM features for each of settings.texture.zone_aggregations."""
    return zone_family_values(FEATURES, disc, settings.texture.zone_aggregations, _zone_size)


FAMILY = Family(
    "glszm", "szm", FEATURES, compute, aggregations="zone_aggregations", pyradiomics="glszm",
)
