"""Grey level size zone matrix features (IBSI 3.8, family code 9SAK).

The GLSZM s_ij counts the zones (connected voxels of one grey level; 8-connected per slice in 2D,
26-connected in 3D) with grey level i and size j. With N_s = sum_ij s_ij zones, N_v ROI voxels,
p_ij = s_ij / N_s, s_i. = sum_j s_ij and s_.j = sum_i s_ij the formulas below hold.

The same formulas serve the GLDZM (j = zone distance) and the NGLDM (j = dependence count): this module
also defines :class:`ZoneMatrix`, the matrix summary those families share, and the aggregation helpers.

Aggregations (settings.texture.zone_aggregations): ``2D`` one matrix per slice, features averaged over the
slices holding ROI voxels; ``2_5D`` the per-slice matrices summed; ``3D`` one volumetric matrix.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Callable, Iterable

import numpy as np

from radcore.features.registry import Family, Feature
from radcore.kernels.glszm import compressed_zone_matrix
from radcore.kernels.zones import label_zones, zone_slices


@dataclass(frozen=True)
class ZoneMatrix:
    """A zone-type matrix and its marginals.

    counts   float64 (Ng, K): s_ij; row i - 1 is grey level i
    j        float64 (K,): the value of each column (zone size, zone distance or dependence count)
    n_voxels number of ROI voxels N_v the matrix was built from
    """

    counts: np.ndarray
    j: np.ndarray
    n_voxels: float

    @cached_property
    def i(self) -> np.ndarray:
        return np.arange(1, self.counts.shape[0] + 1, dtype=np.float64)

    @cached_property
    def total(self) -> float:
        return float(self.counts.sum())

    @cached_property
    def rows(self) -> np.ndarray:
        return self.counts.sum(axis=1)

    @cached_property
    def cols(self) -> np.ndarray:
        return self.counts.sum(axis=0)


def _weighted(m: ZoneMatrix, wi: np.ndarray, wj: np.ndarray) -> float:
    """1/N_s sum_ij s_ij wi_i wj_j."""
    return float(wi @ m.counts @ wj / m.total)


# ------------------------------------------------------------------ generic formulas (GLSZM, GLDZM, NGLDM)


def small_emphasis(m: ZoneMatrix) -> float:
    """Small zone (distance, dependence) emphasis: 1/N_s sum_ij s_ij / j^2."""
    return float(m.cols @ m.j**-2 / m.total)


def large_emphasis(m: ZoneMatrix) -> float:
    """Large zone (distance, dependence) emphasis: 1/N_s sum_ij s_ij j^2."""
    return float(m.cols @ m.j**2 / m.total)


def low_grey_emphasis(m: ZoneMatrix) -> float:
    """Low grey level emphasis: 1/N_s sum_ij s_ij / i^2."""
    return float(m.rows @ m.i**-2 / m.total)


def high_grey_emphasis(m: ZoneMatrix) -> float:
    """High grey level emphasis: 1/N_s sum_ij s_ij i^2."""
    return float(m.rows @ m.i**2 / m.total)


def small_low_emphasis(m: ZoneMatrix) -> float:
    """Small zone (distance, dependence) low grey level emphasis: 1/N_s sum_ij s_ij / (i^2 j^2)."""
    return _weighted(m, m.i**-2, m.j**-2)


def small_high_emphasis(m: ZoneMatrix) -> float:
    """Small zone (distance, dependence) high grey level emphasis: 1/N_s sum_ij s_ij i^2 / j^2."""
    return _weighted(m, m.i**2, m.j**-2)


def large_low_emphasis(m: ZoneMatrix) -> float:
    """Large zone (distance, dependence) low grey level emphasis: 1/N_s sum_ij s_ij j^2 / i^2."""
    return _weighted(m, m.i**-2, m.j**2)


def large_high_emphasis(m: ZoneMatrix) -> float:
    """Large zone (distance, dependence) high grey level emphasis: 1/N_s sum_ij s_ij i^2 j^2."""
    return _weighted(m, m.i**2, m.j**2)


def grey_non_uniformity(m: ZoneMatrix) -> float:
    """Grey level non-uniformity: 1/N_s sum_i s_i.^2."""
    return float(np.sum(m.rows**2) / m.total)


def grey_non_uniformity_norm(m: ZoneMatrix) -> float:
    """Normalised grey level non-uniformity: 1/N_s^2 sum_i s_i.^2."""
    return float(np.sum(m.rows**2) / m.total**2)


def value_non_uniformity(m: ZoneMatrix) -> float:
    """Zone size (distance, dependence count) non-uniformity: 1/N_s sum_j s_.j^2."""
    return float(np.sum(m.cols**2) / m.total)


def value_non_uniformity_norm(m: ZoneMatrix) -> float:
    """Normalised zone size (distance, dependence count) non-uniformity: 1/N_s^2 sum_j s_.j^2."""
    return float(np.sum(m.cols**2) / m.total**2)


def percentage(m: ZoneMatrix) -> float:
    """Zone (dependence count) percentage: N_s / N_v."""
    return m.total / m.n_voxels


def grey_variance(m: ZoneMatrix) -> float:
    """Grey level variance: sum_ij (i - mu)^2 p_ij, mu = sum_ij i p_ij."""
    p = m.rows / m.total
    mu = p @ m.i
    return float(p @ (m.i - mu) ** 2)


def value_variance(m: ZoneMatrix) -> float:
    """Zone size (distance, dependence count) variance: sum_ij (j - mu)^2 p_ij, mu = sum_ij j p_ij."""
    p = m.cols / m.total
    mu = p @ m.j
    return float(p @ (m.j - mu) ** 2)


def entropy(m: ZoneMatrix) -> float:
    """Zone size (distance, dependence count) entropy: -sum_ij p_ij log2 p_ij (0 log 0 = 0)."""
    p = m.counts[m.counts > 0] / m.total
    return float(-np.sum(p * np.log2(p))) + 0.0


def energy(m: ZoneMatrix) -> float:
    """Dependence count energy: sum_ij p_ij^2."""
    return float(np.sum((m.counts / m.total) ** 2))


# ------------------------------------------------------------------ aggregation helpers


def features_of(features: Iterable[Feature], summary) -> dict[str, float]:
    """name -> value of every feature on one matrix summary."""
    return {f.name: f.function(summary) for f in features}


def aggregated(features: tuple[Feature, ...], aggregation: str,
               summaries: list) -> dict[tuple[str, str], float]:
    """Features averaged over ``summaries`` (one per slice for 2D, a single one otherwise)."""
    values = [features_of(features, s) for s in summaries]
    return {(f.name, aggregation): float(np.mean([v[f.name] for v in values])) for f in features}


def slice_groups(zone_slice: np.ndarray) -> list[tuple[int, slice]]:
    """(z, slice into the zone arrays) per slice holding zones; ``zone_slice`` must be non-decreasing."""
    zs, starts = np.unique(zone_slice, return_index=True)
    stops = np.append(starts[1:], zone_slice.size)
    return [(int(z), slice(int(a), int(b))) for z, a, b in zip(zs, starts, stops)]


def zone_family_values(
    features: tuple[Feature, ...],
    levels: np.ndarray,
    n_levels: int,
    aggregations: Iterable[str],
    zone_value: Callable[[np.ndarray, np.ndarray, np.ndarray, bool], np.ndarray],
) -> dict[tuple[str, str], float]:
    """Features of a zone matrix family (GLSZM, GLDZM) for the requested aggregations.

    ``zone_value(labels, zone_level, zone_size, in_plane)`` gives each zone's column value (its size for
    the GLSZM, its distance for the GLDZM). Zones are 8-connected per slice for 2D / 2.5D and
    26-connected for 3D. N_v is the ROI voxel count of the slice (2D) or of the whole ROI.
    """
    aggregations = set(aggregations)
    out: dict[tuple[str, str], float] = {}
    n_voxels = np.count_nonzero(levels > 0, axis=(1, 2))
    if aggregations & {"2D", "2_5D"}:
        labels, zone_level, zone_size = label_zones(levels, 8)
        value = zone_value(labels, zone_level, zone_size, True)
        if "2D" in aggregations:
            per_slice = [zone_matrix(zone_level[sel], value[sel], n_levels, n_voxels[z])
                         for z, sel in slice_groups(zone_slices(labels, zone_level.size))]
            out.update(aggregated(features, "2D", per_slice))
        if "2_5D" in aggregations:
            merged = zone_matrix(zone_level, value, n_levels, n_voxels.sum())
            out.update(aggregated(features, "2_5D", [merged]))
    if "3D" in aggregations:
        labels, zone_level, zone_size = label_zones(levels, 26)
        value = zone_value(labels, zone_level, zone_size, False)
        out.update(aggregated(features, "3D", [zone_matrix(zone_level, value, n_levels, n_voxels.sum())]))
    return out


def zone_matrix(zone_level: np.ndarray, zone_value: np.ndarray, n_levels: int, n_voxels) -> ZoneMatrix:
    """The :class:`ZoneMatrix` of zones given by level and value (occurring values only)."""
    counts, j = compressed_zone_matrix(zone_level, zone_value, n_levels)
    return ZoneMatrix(counts, j.astype(np.float64), float(n_voxels))


# ------------------------------------------------------------------ the GLSZM family


def _feature(name: str, code: str, tag: str, fn, description: str) -> Feature:
    return Feature("glszm", name, code, f"szm_{tag}", fn, description)


FEATURES = (
    _feature("small_zone_emphasis", "5QRC", "sze", small_emphasis, "Small zone emphasis"),
    _feature("large_zone_emphasis", "48P8", "lze", large_emphasis, "Large zone emphasis"),
    _feature("low_grey_level_zone_emphasis", "XMSY", "lgze", low_grey_emphasis,
             "Low grey level zone emphasis"),
    _feature("high_grey_level_zone_emphasis", "5GN9", "hgze", high_grey_emphasis,
             "High grey level zone emphasis"),
    _feature("small_zone_low_grey_level_emphasis", "5RAI", "szlge", small_low_emphasis,
             "Small zone low grey level emphasis"),
    _feature("small_zone_high_grey_level_emphasis", "HW1V", "szhge", small_high_emphasis,
             "Small zone high grey level emphasis"),
    _feature("large_zone_low_grey_level_emphasis", "YH51", "lzlge", large_low_emphasis,
             "Large zone low grey level emphasis"),
    _feature("large_zone_high_grey_level_emphasis", "J17V", "lzhge", large_high_emphasis,
             "Large zone high grey level emphasis"),
    _feature("grey_level_non_uniformity", "JNSA", "glnu", grey_non_uniformity, "Grey level non-uniformity"),
    _feature("grey_level_non_uniformity_norm", "Y1RO", "glnu_norm", grey_non_uniformity_norm,
             "Normalised grey level non-uniformity"),
    _feature("zone_size_non_uniformity", "4JP3", "zsnu", value_non_uniformity, "Zone size non-uniformity"),
    _feature("zone_size_non_uniformity_norm", "VB3A", "zsnu_norm", value_non_uniformity_norm,
             "Normalised zone size non-uniformity"),
    _feature("zone_percentage", "P30P", "z_perc", percentage, "Zone percentage"),
    _feature("grey_level_variance", "BYLV", "gl_var", grey_variance, "Grey level variance"),
    _feature("zone_size_variance", "3NSA", "zs_var", value_variance, "Zone size variance"),
    _feature("zone_size_entropy", "GU8N", "zs_entr", entropy, "Zone size entropy"),
)


def _zone_size(labels, zone_level, zone_size, in_plane):
    return zone_size


def compute(roi, disc, settings) -> dict[tuple[str, str], float]:
    """GLSZM features for each of settings.texture.zone_aggregations."""
    return zone_family_values(FEATURES, disc.levels, disc.n_levels, settings.texture.zone_aggregations,
                              _zone_size)


FAMILY = Family("glszm", "szm", FEATURES, compute, aggregated=True)
