"""Column names: the one place that turns a feature key into a column name.

A key is (image_type, family, feature, aggregation). Three conventions:

- ``native``: ``{image_type}_{family}_{feature}[_{aggregation}]``, lower case, e.g.
  ``original_glcm_joint_max_3d_avg``;
- ``ibsi``: the tag of the IBSI reference tables, e.g. ``cm_joint_max_3D_avg``, ``morph_volume``; for
  filtered images the image type (the filter) comes first, as IBSI-2 prefixes a filter's features, e.g.
  ``log_sigma_1_mm_stat_mean``, ``laws_l5e5e5_invar_max_energy_7_stat_mean``;
- ``pyradiomics``: ``{image_type}_{class}_{Feature}``, e.g. ``original_glcm_Contrast`` (see
  :mod:`radcore.pyradiomics.naming`).
"""

from __future__ import annotations

from typing import NamedTuple

from radcore.errors import SettingsError
from radcore.features.registry import family
from radcore.pyradiomics.naming import pyradiomics_column

NAMINGS = ("native", "ibsi", "pyradiomics")


class FeatureKey(NamedTuple):
    image_type: str
    family: str
    feature: str
    aggregation: str = ""


def check_naming(naming: str, settings) -> None:
    """Raise :class:`SettingsError` unless ``naming`` can name every feature ``settings`` compute.

    ``ibsi`` names are the tags of the IBSI reference tables; features computed with PyRadiomics'
    definitions (a PyRadiomics params file) have none, so that combination is refused.
    """
    if naming not in NAMINGS:
        raise SettingsError(f"naming must be one of {list(NAMINGS)}, got {naming!r}")
    if naming == "ibsi" and getattr(settings, "pyradiomics", None) is not None:
        raise SettingsError(
            "naming 'ibsi' needs IBSI definitions, but a PyRadiomics params file computes PyRadiomics' "
            "features, which have no IBSI tags; use naming 'pyradiomics' or 'native'"
        )


def column_name(key: FeatureKey, naming: str = "native") -> str:
    """The column name of ``key`` under ``naming`` (native, ibsi or pyradiomics)."""
    return _namer(naming)(key)


def _native(key: FeatureKey) -> str:
    parts = [key.image_type, key.family, key.feature] + ([key.aggregation] if key.aggregation else [])
    return "_".join(parts).lower()


def _ibsi(key: FeatureKey) -> str:
    feature = next(f for f in family(key.family).features if f.name == key.feature)
    name = feature.ibsi_tag + (f"_{key.aggregation}" if key.aggregation else "")
    return name if key.image_type == "original" else f"{key.image_type}_{name}"


def _namer(naming: str):
    """The function naming a key under ``naming``, looked up once per call of :func:`name_columns`."""
    if naming == "native":
        return _native
    if naming == "ibsi":
        return _ibsi
    if naming == "pyradiomics":
        return pyradiomics_column
    raise ValueError(f"naming must be one of {NAMINGS}, got {naming!r}")


def name_columns(values: dict[FeatureKey, float], naming: str = "native") -> dict[str, float]:
    """``values`` keyed by column names; raises if two keys would share a name."""
    name = _namer(naming)
    out = {name(key): value for key, value in values.items()}
    if len(out) != len(values):
        seen: set[str] = set()
        for key in values:
            column = name(key)
            if column in seen:
                raise ValueError(f"two features map to the column {column!r} under naming {naming!r}")
            seen.add(column)
    return out
