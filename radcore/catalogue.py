"""The feature catalogue of a dataset: what each feature column is, for either convention.

A row per column: its name under the run's naming, image type, family (an IBSI family, or a PyRadiomics
feature class), feature, aggregation, the convention whose definition computed it (``ibsi`` or
``pyradiomics``), its IBSI code and tag where the IBSI registry has the feature, a description, and
``map``: whether the run writes a voxel map of the feature (``radcore run --maps``, a map of that name in
each case's maps group).
Rows are made from the feature keys the cases actually computed, so the catalogue holds exactly the
columns of the dataset.
"""

from __future__ import annotations

from typing import Any, Iterable

from radcore.naming import FeatureKey, column_name
from radcore.features.registry import FAMILY_MODULES, family
from radcore.pyradiomics.features import CLASS_MODULES, class_features
from radcore.pyradiomics.naming import MAPPED_CLASSES

CONVENTIONS = ("ibsi", "pyradiomics")


def catalogue_rows(keys: Iterable[FeatureKey], naming: str, convention: str,
                   maps: bool = False) -> list[dict[str, Any]]:
    """One catalogue row per key (see the module docstring); ``convention`` is ``ibsi`` or ``pyradiomics``;
    ``maps``: the run writes voxel maps (of the families or classes that have them)."""
    from radcore.profiles.ibsi_maps import MAPPED_FAMILIES

    if convention not in CONVENTIONS:
        raise ValueError(f"convention must be one of {CONVENTIONS}, got {convention!r}")
    describe = _ibsi_row if convention == "ibsi" else _pyradiomics_row
    mapped = MAPPED_FAMILIES if convention == "ibsi" else MAPPED_CLASSES
    rows = []
    for key in keys:
        row = {
            "column": column_name(key, naming),
            "image_type": key.image_type,
            "family": key.family,
            "feature": key.feature,
            "aggregation": key.aggregation,
            "convention": convention,
        }
        row.update(describe(key))
        row["map"] = bool(maps and key.family in mapped)
        rows.append(row)
    return rows


def _ibsi_row(key: FeatureKey) -> dict[str, Any]:
    record = None
    if key.family in FAMILY_MODULES:
        record = next((f for f in family(key.family).features if f.name == key.feature), None)
    if record is None:
        return {"ibsi_code": None, "ibsi_tag": None, "description": ""}
    return {
        "ibsi_code": record.ibsi_code,
        "ibsi_tag": record.ibsi_tag,
        "description": record.description or record.no_code_reason,
    }


def _pyradiomics_row(key: FeatureKey) -> dict[str, Any]:
    known = key.family in CLASS_MODULES and key.feature in class_features(key.family)
    what = f"PyRadiomics {key.family} feature {key.feature}" if known else f"{key.family} {key.feature}"
    return {"ibsi_code": None, "ibsi_tag": None, "description": f"{what} (PyRadiomics 3.1 definition)"}
