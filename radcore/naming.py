"""Column names: the one place that turns a feature key into a column name.

A key is (image_type, family, feature, aggregation). Three conventions:

- ``native``: ``{image_type}_{family}_{feature}[_{aggregation}]``, lower case, e.g.
  ``original_glcm_joint_max_3d_avg``;
- ``ibsi``: the tag of the IBSI reference tables, e.g. ``cm_joint_max_3D_avg``, ``morph_volume``; for
  filtered images the image type follows, e.g. ``stat_mean_log_sigma_1_mm``;
- ``pyradiomics``: ``{image_type}_{class}_{Feature}``, e.g. ``original_glcm_Contrast`` (see
  :mod:`radcore.pyradiomics.naming`).
"""

from __future__ import annotations

from typing import NamedTuple

NAMINGS = ("native", "ibsi", "pyradiomics")


class FeatureKey(NamedTuple):
    image_type: str
    family: str
    feature: str
    aggregation: str = ""


def column_name(key: FeatureKey, naming: str = "native") -> str:
    """The column name of ``key`` under ``naming`` (native, ibsi or pyradiomics)."""
    if naming == "native":
        parts = [key.image_type, key.family, key.feature] + ([key.aggregation] if key.aggregation else [])
        return "_".join(parts).lower()
    if naming == "ibsi":
        from radcore.features.registry import family

        feature = next(f for f in family(key.family).features if f.name == key.feature)
        name = feature.ibsi_tag + (f"_{key.aggregation}" if key.aggregation else "")
        return name if key.image_type == "original" else f"{name}_{key.image_type}"
    if naming == "pyradiomics":
        from radcore.pyradiomics.naming import pyradiomics_column

        return pyradiomics_column(key)
    raise ValueError(f"naming must be one of {NAMINGS}, got {naming!r}")


def name_columns(values: dict[FeatureKey, float], naming: str = "native") -> dict[str, float]:
    """``values`` keyed by column names; raises if two keys would share a name."""
    out: dict[str, float] = {}
    for key, value in values.items():
        name = column_name(key, naming)
        if name in out:
            raise ValueError(f"two features map to the column {name!r} under naming {naming!r}")
        out[name] = value
    return out
