"""The feature reference, written from the registry (:mod:`radcore.features.registry`) at build time.

Every :class:`~radcore.features.registry.Feature` record gets an entry with a label
``feature-<family>-<name>``: its IBSI code and tag, its PyRadiomics name, the profiles that compute it,
its columns under the default settings, and its formula (the docstring of the record's function).
Nothing here lists features by hand, so the page follows the registry.
"""

from __future__ import annotations

import importlib

from radcore_docs.rst import anchor, docstring, escape, prose, field_list, label, list_table, literal, literal_block, title


def feature_label(family: str, name: str) -> str:
    """The label (and HTML id) of a feature's entry, e.g. ``feature-glcm-joint-max``."""
    return anchor(f"feature-{family}-{name}")


def family_label(family: str) -> str:
    return anchor(f"family-{family}")


def families():
    """The registry's families in column order."""
    from radcore.features import registry

    return [registry.family(name) for name in registry.FAMILY_MODULES]


def features():
    """Every registered feature, in column order."""
    from radcore.features import registry

    return registry.all_features()


def rst() -> str:
    """The whole feature reference as reST."""
    parts = [_overview()]
    for fam in families():
        parts.append(_family(fam))
    parts.append(_pyradiomics_classes())
    return "\n".join(parts)


def _overview() -> str:
    rows = []
    for fam in families():
        with_code = sum(1 for f in fam.features if f.ibsi_code)
        with_pyrad = sum(1 for f in fam.features if f.pyradiomics)
        rows.append([f":ref:`{fam.name} <{family_label(fam.name)}>`", str(len(fam.features)), str(with_code),
                     literal(fam.pyradiomics) + (f" ({with_pyrad})" if fam.pyradiomics else ""),
                     ", ".join(literal(a) for a in _aggregations(fam)) or "—"])
    total = len(features())
    return (
        f"The registry holds {total} features in {len(rows)} families.\n\n"
        + list_table(["family", "features", "with an IBSI code", "PyRadiomics class (features)", "aggregations"],
                     rows, [16, 10, 14, 26, 34])
    )


def _aggregations(fam) -> tuple[str, ...]:
    from radcore import settings

    if not fam.aggregations:
        return ()
    return {"matrix_aggregations": settings.MATRIX_AGGREGATIONS,
            "zone_aggregations": settings.ZONE_AGGREGATIONS}.get(fam.aggregations, ())


def _family(fam) -> str:
    module = importlib.import_module(_module_of(fam.name))
    text = docstring(module)
    out = [label(family_label(fam.name)), title(fam.name, 1), _first_line(text) + ".\n"]
    rest = text.split("\n", 1)[1].strip() if "\n" in text else ""
    if rest:
        out.append(prose(rest) + "\n")
    facts = [f"IBSI tag prefix {literal(fam.ibsi_prefix)}" if fam.ibsi_prefix else "No IBSI tag prefix"]
    if fam.pyradiomics:
        facts.append(f"PyRadiomics class {literal(fam.pyradiomics)}")
    if fam.aggregations:
        facts.append(f"one value per aggregation of ``settings.texture.{fam.aggregations}`` "
                     f"({', '.join(literal(a) for a in _aggregations(fam))})")
    out.append("; ".join(facts) + ".\n")
    rows = [[f":ref:`{f.name} <{feature_label(fam.name, f.name)}>`", literal(f.ibsi_code or ""),
             literal(f.ibsi_tag), literal(f.pyradiomics)] for f in fam.features]
    out.append(list_table(["feature", "IBSI code", "IBSI tag", "PyRadiomics"], rows, [34, 14, 30, 22]))
    out.extend(_feature(fam, f) for f in fam.features)
    return "\n".join(out)


def _module_of(family_name: str) -> str:
    from radcore.features import registry

    return registry.FAMILY_MODULES[family_name]


def _first_line(text: str) -> str:
    line = text.splitlines()[0].strip() if text else ""
    return escape(line.rstrip("."))


def _feature(fam, f) -> str:
    heading = f"{fam.name}.{f.name}"
    out = [label(feature_label(fam.name, f.name)), title(escape(heading), 2)]
    if f.description:
        out.append(escape(f.description) + ".\n")
    fields = [("IBSI code", literal(f.ibsi_code) if f.ibsi_code else f"none: {escape(f.no_code_reason)}"),
              ("IBSI tag", literal(f.ibsi_tag) + (" + ``_<aggregation>``" if fam.aggregations else "")),
              ("PyRadiomics", f"{literal(fam.pyradiomics)} class, feature {literal(f.pyradiomics)}"
               if f.pyradiomics and fam.pyradiomics else "none"),
              ("Profiles", ", ".join(_profiles(fam, f))),
              ("Columns", ", ".join(literal(c) for c in _columns(fam, f)))]
    out.append(field_list(fields))
    doc = docstring(f.function)
    out.append("Formula::\n\n" + literal_block(doc) if doc else "No formula docstring.\n")
    return "\n".join(out)


def _profiles(fam, f) -> list[str]:
    """``ibsi`` computes every record (its family selected in ``families``); ``pyradiomics`` the records
    its feature classes share (a PyRadiomics name in a family with a PyRadiomics class)."""
    out = ["``ibsi``"]
    if f.pyradiomics and fam.pyradiomics:
        out.append(f"``pyradiomics`` (as ``{fam.pyradiomics}.{f.pyradiomics}``)")
    return out


def _columns(fam, f) -> list[str]:
    """The columns of the feature on the original image under the default settings, native and ibsi names,
    then the PyRadiomics one, from :func:`radcore.naming.column_name`."""
    from radcore.naming import FeatureKey, column_name
    from radcore.settings import Settings

    defaults = Settings()
    aggregations = fam.aggregations_of(defaults)
    columns = []
    for naming in ("native", "ibsi"):
        columns += [column_name(FeatureKey("original", fam.name, f.name, a), naming) for a in aggregations]
    if f.pyradiomics and fam.pyradiomics:
        columns.append(column_name(FeatureKey("original", fam.pyradiomics, f.pyradiomics), "pyradiomics"))
    return columns


def pyradiomics_classes() -> list[tuple[str, str, str, str | None]]:
    """(class, feature, "default" or "optional", registry label or None) for every feature radcore's
    PyRadiomics classes compute (their ``FEATURES`` and ``OPTIONAL``,
    :func:`radcore.pyradiomics.features.feature_class`)."""
    from radcore.pyradiomics.features import CLASS_MODULES, feature_class

    records = {(fam.pyradiomics, f.pyradiomics): feature_label(fam.name, f.name)
               for fam in families() for f in fam.features if f.pyradiomics and fam.pyradiomics}
    rows = []
    for cls in CLASS_MODULES:
        module = feature_class(cls)
        for kind, names in (("default", module.FEATURES), ("optional", module.OPTIONAL)):
            rows += [(cls, name, kind, records.get((cls, name))) for name in names]
    return rows


def _pyradiomics_classes() -> str:
    rows = [[literal(cls), literal(name), kind,
             f":ref:`registry record <{where}>`" if where else "the class's own formula"]
            for cls, name, kind, where in pyradiomics_classes()]
    out = [label("pyradiomics-classes"), title("PyRadiomics feature classes", 1),
           "With a PyRadiomics params file (the ``pyradiomics`` profile) radcore computes PyRadiomics' "
           "feature classes. Each feature is either a registry record above (the same formula, named as "
           "PyRadiomics names it) or a formula of its class module in ``radcore/pyradiomics/features/`` "
           "(no IBSI definition). ``optional`` features are computed only when a params file names them, "
           "as PyRadiomics does.\n",
           list_table(["class", "feature", "enabled", "formula"], rows, [16, 40, 12, 32])]
    out.append("A params file that names a feature no class lists here is refused with a ``SettingsError``.\n")
    return "\n".join(out)
