"""The settings reference, written from the settings types at build time.

radcore's own YAML: the frozen dataclasses of :mod:`radcore.settings`, walked from
:class:`~radcore.settings.Settings` (a key per field, its type, its default, its documentation: the class
docstring and the ``#:`` comment above a field). PyRadiomics params: the keys and rules
:mod:`radcore.pyradiomics.params` checks, with the defaults of :mod:`radcore.pyradiomics.settings`.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from typing import Any, Literal

import yaml

from radcore_docs.rst import anchor, docstring, escape, prose, label, list_table, literal, literal_block, title


def settings_classes() -> list[type]:
    """:class:`radcore.settings.Settings` and every settings dataclass it holds, in the order met."""
    from radcore.pyradiomics.settings import PyRadiomicsParams
    from radcore.settings import Settings

    seen: list[type] = []

    def walk(cls: type) -> None:
        if cls in seen or cls is PyRadiomicsParams:  # PyRadiomics params have their own section
            return
        seen.append(cls)
        for tp in typing.get_type_hints(cls).values():
            for inner in _dataclasses_in(tp):
                walk(inner)

    walk(Settings)
    return seen


def yaml_keys() -> list[str]:
    """Every key of radcore's YAML as a dotted path (``interpolation.spacing``, ``image_types[].name``)."""
    from radcore.settings import Settings

    keys: list[str] = []

    def walk(cls: type, prefix: str) -> None:
        for f in dataclasses.fields(cls):
            tp = typing.get_type_hints(cls)[f.name]
            path = f"{prefix}{f.name}"
            keys.append(path)
            inner = [c for c in _dataclasses_in(tp) if c.__name__ != "PyRadiomicsParams"]
            if inner:
                walk(inner[0], path + ("[]." if typing.get_origin(tp) is tuple else "."))

    walk(Settings, "")
    return keys


def pyradiomics_keys() -> list[str]:
    """Every key of a PyRadiomics params file radcore accepts: ``setting.*`` and ``voxelSetting.*``."""
    from radcore.pyradiomics import params

    return [f"setting.{k}" for k in params.SETTING_RULES] + [f"voxelSetting.{k}" for k in params.VOXEL_RULES]


def rst() -> str:
    return "\n".join([_radcore_yaml(), _pyradiomics()])


# ---------------------------------------------------------------- radcore's YAML


def _radcore_yaml() -> str:
    from radcore.io.config import PROFILES
    from radcore.settings import Settings, to_mapping

    defaults = yaml.safe_dump(to_mapping(Settings()), sort_keys=False, default_flow_style=None, width=100)
    out = [label("settings-yaml"), title("radcore's settings YAML", 1),
           "Every key is optional; a key left out takes its default. An unknown key or a value of the wrong type "
           "is a ``SettingsError`` that names the key. A top-level ``profile`` key picks the profile: "
           + ", ".join(literal(p) for p in PROFILES)
           + " (the default is the first); with ``profile: pyradiomics`` the only other key is ``pyradiomics``, "
             "holding PyRadiomics params (:ref:`below <settings-pyradiomics>`).\n",
           "The defaults, as ``radcore.settings.to_mapping(Settings())`` writes them::\n",
           literal_block(defaults)]
    for cls in settings_classes():
        out.append(_dataclass_section(cls))
    out.append(_constants())
    return "\n".join(out)


def _dataclass_section(cls: type) -> str:
    from sphinx.pycode import ModuleAnalyzer

    attr_docs = ModuleAnalyzer.for_module(cls.__module__).find_attr_docs()
    hints = typing.get_type_hints(cls)
    defaults = _defaults(cls)
    rows = []
    for f in dataclasses.fields(cls):
        doc = " ".join(line.strip() for line in attr_docs.get((cls.__name__, f.name), []) if line.strip())
        inner = _dataclasses_in(hints[f.name])
        if not doc and inner:
            doc = docstring(inner[0]).split("\n\n")[0].replace("\n", " ")
        rows.append([f"``{f.name}``", _type(hints[f.name]),
                     _default(defaults.get(f.name, dataclasses.MISSING), hints[f.name]),
                     prose(doc) or "—"])
    where = {c: k for k, c in _keys_of_classes().items()}.get(cls, "")
    head = f"``{cls.__name__}``" + (f" (key ``{where}``)" if where else " (the top level)")
    return "\n".join([label(_class_label(cls)), title(head, 2), prose(docstring(cls)) + "\n",
                      list_table(["key", "type", "default", "meaning"], rows, [18, 26, 22, 34])])


def _class_label(cls: type) -> str:
    return anchor(f"settings-{cls.__name__}")


def _keys_of_classes() -> dict[str, type]:
    """``interpolation`` -> InterpolationSettings, ...: the YAML key (first met) of each nested class."""
    from radcore.settings import Settings

    out: dict[str, type] = {}
    for f in dataclasses.fields(Settings):
        for inner in _dataclasses_in(typing.get_type_hints(Settings)[f.name]):
            if inner not in out.values() and inner.__name__ != "PyRadiomicsParams":
                out[f.name] = inner
    return out


def _defaults(cls: type) -> dict[str, Any]:
    out = {}
    for f in dataclasses.fields(cls):
        if f.default is not dataclasses.MISSING:
            out[f.name] = f.default
        elif f.default_factory is not dataclasses.MISSING:
            out[f.name] = f.default_factory()
    return out


OPTIONS = tuple[tuple[str, Any], ...]  # a mapping held as (key, value) pairs, e.g. ImageType.options


def _plain(value: Any, tp: Any = None) -> Any:
    """``value`` as YAML writes it: settings objects as mappings, options as a mapping, tuples as lists."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        hints = typing.get_type_hints(type(value))
        return {f.name: _plain(getattr(value, f.name), hints[f.name]) for f in dataclasses.fields(value)}
    if tp == OPTIONS:
        return {k: _plain(v) for k, v in value}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _default(value: Any, tp: Any = None) -> str:
    """A field's default; for a settings object, only what differs from its class's defaults."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changed = {k: v for k, v in _plain(value).items() if v != _plain(type(value)()).get(k)}
        return f"as its class, but {_value(changed)}" if changed else "as its class"
    return _value(value, tp)


def _value(value: Any, tp: Any = None) -> str:
    """A default as it is written in YAML (flow style), as an inline literal."""
    if value is dataclasses.MISSING:
        return "required"
    plain = _plain(value, tp)
    if plain == [] or plain == {}:
        return "``[]``" if plain == [] else "``{}``"
    text = yaml.safe_dump(plain, default_flow_style=True, width=10_000).strip()
    return literal(text.removesuffix("\n...").removesuffix("..."))


def _type(tp: Any) -> str:
    """A type as reST: ``float | null``, ``0 | 1 | 3``, a link for a settings class."""
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_type(a) for a in args)
    if origin is Literal:
        return " or ".join(literal(repr(a).strip("'")) for a in args)
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            if tp == OPTIONS:
                return "mapping"
            return f"list of {_type(args[0])}"
        return f"list of {len(args)}: " + ", ".join(_type(a) for a in args)
    if tp is type(None):
        return "``null``"
    if dataclasses.is_dataclass(tp):
        if tp.__name__ == "PyRadiomicsParams":
            return ":ref:`PyRadiomics params <settings-pyradiomics>`"
        return f":ref:`{tp.__name__} <{_class_label(tp)}>`"
    names = {float: "number", int: "integer", bool: "``true`` or ``false``", str: "string", Any: "any"}
    return names.get(tp, escape(getattr(tp, "__name__", str(tp))))


def _dataclasses_in(tp: Any) -> list[type]:
    if dataclasses.is_dataclass(tp):
        return [tp]
    return [c for a in typing.get_args(tp) if a is not Ellipsis for c in _dataclasses_in(a)]


def _constants() -> str:
    from radcore import settings

    rows = [["``families``", ", ".join(literal(f) for f in settings.FAMILIES)],
            ["``texture.matrix_aggregations``", ", ".join(literal(a) for a in settings.MATRIX_AGGREGATIONS)],
            ["``texture.zone_aggregations``", ", ".join(literal(a) for a in settings.ZONE_AGGREGATIONS)]]
    return "\n".join([label("settings-values"), title("Values the lists accept", 2),
                      "The families are described in the :doc:`feature reference <features>`, the aggregations "
                      "there too (each texture family says which list it follows).\n",
                      list_table(["key", "values"], rows, [30, 70])])


# ---------------------------------------------------------------- PyRadiomics params


def _pyradiomics() -> str:
    from radcore.pyradiomics import params
    from radcore.image_types import names_of
    from radcore.pyradiomics.features import class_features
    from radcore.pyradiomics.naming import CLASSES
    from radcore.pyradiomics.settings import PyRadiomicsSetting

    defaults = _defaults(PyRadiomicsSetting)
    rows = [[f"``{key}``", _rule(rule, key in params.NULLABLE),
             _value(defaults.get(key, dataclasses.MISSING)) if key in defaults else "—"]
            for key, rule in params.SETTING_RULES.items()]
    voxel = [[f"``{key}``", _rule(rule, False)] for key, rule in params.VOXEL_RULES.items()]
    classes = [[f"``{cls}``", ", ".join(literal(n) for n in names)] for cls, names in ((c, class_features(c)) for c in CLASSES)]
    return "\n".join([
        label("settings-pyradiomics"), title("PyRadiomics params", 1),
        "An unmodified PyRadiomics params file works wherever radcore takes settings. Its top-level sections "
        "are " + ", ".join(literal(s) for s in params.SECTIONS) + "; a file holding only these is read as "
        "PyRadiomics params (the ``pyradiomics`` profile). The keys below are those radcore checks: an unknown "
        "key, a value of the wrong type or out of range is a ``SettingsError`` naming the key (e.g. "
        "``setting.binWidth``). A key of an ``imageType`` entry overrides the ``setting`` value for that image "
        "type alone.\n",
        title("setting", 2),
        list_table(["key", "value", "default"], rows, [26, 50, 24]),
        title("imageType", 2),
        "The image types: " + ", ".join(literal(t) for t in names_of("pyradiomics")) + ". None given: ``Original`` only.\n",
        title("featureClass", 2),
        "The feature classes and the feature names each accepts (none given: every class with its default "
        "features; a class given as ``null`` or ``[]``: its default features). Which registry record computes "
        "each is in the :ref:`feature reference <pyradiomics-classes>`.\n",
        list_table(["class", "features"], classes, [16, 84]),
        title("voxelSetting", 2),
        "Checked and kept with the settings (they enter the settings hash).\n",
        list_table(["key", "value"], voxel, [30, 70]),
    ])


def _rule(rule, nullable: bool) -> str:
    from radcore.pyradiomics import params

    kinds = {
        "int": "integer", "float": "number", "bool": "``true`` or ``false``", "str": "string",
        "ints": "list of integers", "floats": "list of numbers",
        "interpolator": "a SimpleITK interpolator name (" + ", ".join(literal(i) for i in sorted(params.INTERPOLATORS))
                        + ") or an integer 1-10",
        "weighting": "one of " + ", ".join(literal(w) for w in params.WEIGHTING_NORMS),
        "wavelet": "a wavelet name radcore implements",
    }
    text = kinds.get(rule.kind, escape(rule.kind))
    if rule.choices:
        text += ": " + ", ".join(literal(c) for c in rule.choices)
    bounds = []
    if rule.low is not None:
        bounds.append(f"{'>' if rule.low_open else '≥'} {rule.low:g}")
    if rule.high is not None:
        bounds.append(f"≤ {rule.high:g}")
    if bounds:
        text += (", each " if rule.kind in ("ints", "floats") else ", ") + " and ".join(bounds)
    if nullable:
        text += "; ``null`` allowed"
    return text
