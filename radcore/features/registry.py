"""The explicit feature registry: every feature radcore computes is one :class:`Feature` record.

A family module (``radcore/features/<family>.py``) declares ``FAMILY = Family(...)`` with its features and
its ``compute`` function; this module lists the family modules. No reflection: renaming a Python
function never changes an output column (column names come from :mod:`radcore.naming`).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any, Callable

#: ``compute(roi, disc, settings) -> {(feature_name, aggregation): value}``; aggregation is "" for
#: families without one, else one of settings.MATRIX_AGGREGATIONS / ZONE_AGGREGATIONS.
ComputeFn = Callable[..., dict[tuple[str, str], float]]


@dataclass(frozen=True)
class Feature:
    """One feature: its native name, family, IBSI code and tag, PyRadiomics name and formula.

    ``function`` maps the family's intermediate object (a matrix summary, the ROI values, ...) to the
    value; its docstring gives the formula. ``ibsi_code`` is None only with a ``no_code_reason``.
    ``pyradiomics`` is the name of the same formula in the PyRadiomics class of the family
    (:attr:`Family.pyradiomics`), "" when PyRadiomics has none.
    """

    family: str
    name: str
    ibsi_code: str | None
    ibsi_tag: str
    function: Callable[[Any], float]
    description: str = ""
    no_code_reason: str = ""
    pyradiomics: str = ""


@dataclass(frozen=True)
class Family:
    """A feature family: its features and the function that computes all of them for one ROI."""

    name: str
    ibsi_prefix: str
    features: tuple[Feature, ...]
    compute: ComputeFn
    #: the TextureSettings field listing this family's aggregations ("matrix_aggregations" or
    #: "zone_aggregations"; "" for families without)
    aggregations: str = ""
    #: the PyRadiomics feature class computing the same formulas ("" when none)
    pyradiomics: str = ""

    @property
    def aggregated(self) -> bool:
        """Whether the family's features carry an aggregation (2D, 2.5D, 3D, averaged or merged)."""
        return bool(self.aggregations)

    def aggregations_of(self, settings) -> tuple[str, ...]:
        """The aggregations ``settings`` ask of this family (("",) for a family without)."""
        return tuple(getattr(settings.texture, self.aggregations)) if self.aggregations else ("",)


#: family name -> module that defines ``FAMILY``; order is the column order.
FAMILY_MODULES = {
    "diagnostics": "radcore.features.diagnostics",
    "morph": "radcore.features.morph",
    "local_intensity": "radcore.features.local_intensity",
    "stat": "radcore.features.stat",
    "ih": "radcore.features.ih",
    "ivh": "radcore.features.ivh",
    "glcm": "radcore.features.glcm",
    "glrlm": "radcore.features.glrlm",
    "glszm": "radcore.features.glszm",
    "gldzm": "radcore.features.gldzm",
    "ngtdm": "radcore.features.ngtdm",
    "ngldm": "radcore.features.ngldm",
}


def family(name: str) -> Family:
    """The :class:`Family` called ``name``."""
    try:
        module = FAMILY_MODULES[name]
    except KeyError:
        raise KeyError(f"unknown feature family {name!r}; known: {list(FAMILY_MODULES)}") from None
    return importlib.import_module(module).FAMILY


def all_features() -> list[Feature]:
    """Every registered feature, in column order."""
    return [f for name in FAMILY_MODULES for f in family(name).features]
