"""Reading an unmodified PyRadiomics params file (YAML or JSON mapping) into typed settings.

The checks follow PyRadiomics' own parameter schema: the top level holds ``setting``, ``imageType``,
``featureClass`` and ``voxelSetting``; every setting has a type (``int`` accepts integers, ``float``
accepts integers and decimals, lists hold one type), ranges and enumerations are enforced, image types and
feature classes (and the feature names listed under a class) must be known. Any violation raises
:class:`~radcore.errors.SettingsError` naming the offending key, e.g. ``setting.binWidth``.

Semantics kept from PyRadiomics: an empty or absent ``imageType`` means ``Original`` only; an empty or
absent ``featureClass`` enables every class; a class given as null or ``[]`` runs its default features;
an image type's mapping overrides the global settings for that image type only.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from radcore.errors import SettingsError
from radcore.filter_options import wavelets
from radcore.image_types import names_of
from radcore.pyradiomics.naming import CLASSES
from radcore.pyradiomics.settings import ImageTypeParams, PyRadiomicsParams, PyRadiomicsSetting
from radcore.settings import Settings

SECTIONS = ("setting", "imageType", "featureClass", "voxelSetting")

INTERPOLATORS = {
    "sitkNearestNeighbor", "sitkLinear", "sitkBSpline", "sitkGaussian", "sitkLabelGaussian",
    "sitkHammingWindowedSinc", "sitkCosineWindowedSinc", "sitkWelchWindowedSinc",
    "sitkLanczosWindowedSinc", "sitkBlackmanWindowedSinc",
}
WEIGHTING_NORMS = ("euclidean", "manhattan", "infinity", "no_weighting")


@dataclasses.dataclass(frozen=True)
class Rule:
    """One schema entry: value type, optional bounds (``low_open``: strictly above ``low``), enumeration."""

    kind: str  # int, float, bool, str, ints, floats, interpolator, weighting, wavelet
    low: float | None = None
    low_open: bool = False
    high: float | None = None
    choices: tuple[str, ...] = ()


SETTING_RULES: dict[str, Rule] = {
    "minimumROIDimensions": Rule("int", 1, False, 3),
    "minimumROISize": Rule("int", 0, True),
    "geometryTolerance": Rule("float", 0, True),
    "correctMask": Rule("bool"),
    "additionalInfo": Rule("bool"),
    "label": Rule("int", 0, True),
    "label_channel": Rule("int", 0),
    "binWidth": Rule("float", 0, True),
    "binCount": Rule("int", 0, True),
    "normalize": Rule("bool"),
    "normalizeScale": Rule("float", 0, True),
    "removeOutliers": Rule("float", 0, True),
    "resampledPixelSpacing": Rule("floats", 0),
    "interpolator": Rule("interpolator"),
    "padDistance": Rule("int", 0),
    "distances": Rule("ints", 0, True),
    "force2D": Rule("bool"),
    "force2Ddimension": Rule("int", 0, False, 2),
    "resegmentRange": Rule("floats"),
    "resegmentMode": Rule("str", choices=("absolute", "relative", "sigma")),
    "resegmentShape": Rule("bool"),
    "preCrop": Rule("bool"),
    "sigma": Rule("floats", 0, True),
    "start_level": Rule("int", 0),
    "level": Rule("int", 0, True),
    "wavelet": Rule("wavelet"),
    "gradientUseSpacing": Rule("bool"),
    "lbp2DRadius": Rule("float", 0, True),
    "lbp2DSamples": Rule("int", 1),
    "lbp2DMethod": Rule("str", choices=("default", "ror", "uniform", "var")),
    "lbp3DLevels": Rule("int", 1),
    "lbp3DIcosphereRadius": Rule("float", 0, True),
    "lbp3DIcosphereSubdivision": Rule("int", 0),
    "voxelArrayShift": Rule("int"),
    "symmetricalGLCM": Rule("bool"),
    "weightingNorm": Rule("weighting"),
    "gldm_a": Rule("int", 0),
}

VOXEL_RULES: dict[str, Rule] = {
    "kernelRadius": Rule("int", 0, True),
    "maskedKernel": Rule("bool"),
    "initValue": Rule("float"),
    "voxelBatch": Rule("int", 0, True),
}

#: settings whose null value is meaningful (None = off / not given); any other null is an error
NULLABLE = {
    "minimumROISize", "geometryTolerance", "binCount", "removeOutliers", "resampledPixelSpacing",
    "interpolator", "resegmentRange", "weightingNorm",
}


def settings_from_params(data: dict[str, Any], source: str = "params"):
    """A :class:`radcore.settings.Settings` carrying the parsed PyRadiomics params of ``data``."""
    params = parse_params(data, source)
    return Settings(label=params.setting.label, pyradiomics=params)


def parse_params(data: Any, source: str = "params") -> PyRadiomicsParams:
    """Validate a PyRadiomics params mapping and build the typed :class:`PyRadiomicsParams`."""
    if not isinstance(data, dict):
        raise SettingsError(f"{source}: a PyRadiomics params file must hold a mapping, got {type(data).__name__}")
    unknown = [k for k in data if k not in SECTIONS]
    if unknown:
        raise SettingsError(f"{source}: unknown section {unknown[0]!r}; expected some of {list(SECTIONS)}")
    setting = _settings_section(data.get("setting"), "setting", source)
    image_types = _image_types(data.get("imageType"), source)
    classes = _feature_classes(data.get("featureClass"), source)
    voxel = _checked_mapping(data.get("voxelSetting"), VOXEL_RULES, "voxelSetting", source)
    return PyRadiomicsParams(
        setting=dataclasses.replace(PyRadiomicsSetting(), **setting),
        image_types=image_types,
        feature_classes=classes,
        voxel_setting=tuple(voxel.items()),
    )


def _settings_section(section: Any, where: str, source: str) -> dict[str, Any]:
    values = _checked_mapping(section, SETTING_RULES, where, source)
    out = {}
    for key, value in values.items():
        if value is None and key not in NULLABLE:
            raise SettingsError(f"{source}: {where}.{key} must be given a value (null is not allowed)")
        out[key] = tuple(value) if isinstance(value, list) else value
    if "resegmentRange" in out and out["resegmentRange"] is not None and not 1 <= len(out["resegmentRange"]) <= 2:
        raise SettingsError(
            f"{source}: {where}.resegmentRange must hold 1 or 2 thresholds, got {len(out['resegmentRange'])}"
        )
    if "resampledPixelSpacing" in out and out["resampledPixelSpacing"] is not None:
        if len(out["resampledPixelSpacing"]) != 3:
            raise SettingsError(
                f"{source}: {where}.resampledPixelSpacing must hold 3 values (x, y, z), "
                f"got {len(out['resampledPixelSpacing'])}"
            )
    return out


def _checked_mapping(section: Any, rules: dict[str, Rule], where: str, source: str) -> dict[str, Any]:
    if section is None:
        return {}
    if not isinstance(section, dict):
        raise SettingsError(f"{source}: {where} must be a mapping, got {type(section).__name__}")
    for key, value in section.items():
        if key not in rules:
            raise SettingsError(
                f"{source}: unknown key {where}.{key}; PyRadiomics accepts {sorted(rules)}"
            )
        if value is not None:
            _check_value(value, rules[key], f"{where}.{key}", source)
    return dict(section)


def _check_value(value: Any, rule: Rule, key: str, source: str) -> None:
    def fail(expected: str) -> SettingsError:
        return SettingsError(f"{source}: {key} must be {expected}, got {value!r}")

    kind = rule.kind
    if kind in ("ints", "floats"):
        if not isinstance(value, (list, tuple)):
            raise fail("a list of numbers")
        for i, v in enumerate(value):
            _check_value(v, dataclasses.replace(rule, kind=kind[:-1]), f"{key}[{i}]", source)
        return
    if kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            raise fail("an integer")
    elif kind == "float":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise fail("a number")
    elif kind == "bool":
        if not isinstance(value, bool):
            raise fail("true or false")
    elif kind == "str":
        if not isinstance(value, str) or (rule.choices and value not in rule.choices):
            raise fail(f"one of {list(rule.choices)}" if rule.choices else "a string")
    elif kind == "interpolator":
        if isinstance(value, str):
            if value not in INTERPOLATORS:
                raise fail(f"one of {sorted(INTERPOLATORS)} or an integer 1-10")
        elif isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 10:
            raise fail(f"one of {sorted(INTERPOLATORS)} or an integer 1-10")
    elif kind == "weighting":
        if not isinstance(value, str) or value not in WEIGHTING_NORMS:
            raise fail(f"null or one of {list(WEIGHTING_NORMS)}")
    elif kind == "wavelet":
        if not isinstance(value, str) or value not in wavelets():
            raise fail(f"a wavelet radcore implements: {sorted(wavelets())}")
    if rule.low is not None and (value < rule.low or (rule.low_open and value == rule.low)):
        raise fail(f"{'>' if rule.low_open else '>='} {rule.low:g}")
    if rule.high is not None and value > rule.high:
        raise fail(f"<= {rule.high:g}")


def _image_types(section: Any, source: str) -> tuple[ImageTypeParams, ...]:
    if section is None or section == {}:
        return (ImageTypeParams("Original"),)
    if not isinstance(section, dict):
        raise SettingsError(f"{source}: imageType must be a mapping, got {type(section).__name__}")
    out = []
    known = names_of("pyradiomics")
    for name, custom in section.items():
        if name not in known:
            raise SettingsError(f"{source}: unknown image type imageType.{name}; PyRadiomics knows {known}")
        if custom is None:
            raise SettingsError(f"{source}: imageType.{name} must be a mapping ({{}} for no custom settings)")
        overrides = _settings_section(custom, f"imageType.{name}", source)
        out.append(ImageTypeParams(name, tuple(overrides.items())))
    return tuple(out)


def _feature_classes(section: Any, source: str) -> tuple[tuple[str, tuple[str, ...] | None], ...]:
    if section is None or section == {}:
        return tuple((name, None) for name in CLASSES)
    if not isinstance(section, dict):
        raise SettingsError(f"{source}: featureClass must be a mapping, got {type(section).__name__}")
    out = []
    for name, features in section.items():
        if name not in CLASSES:
            raise SettingsError(
                f"{source}: unknown feature class featureClass.{name}; PyRadiomics knows {list(CLASSES)}"
            )
        if features is None or features == []:
            out.append((name, None))
            continue
        if not isinstance(features, list):
            raise SettingsError(f"{source}: featureClass.{name} must be a list of feature names, got {features!r}")
        known = _class_features(name)
        bad = [f for f in features if f not in known]
        if bad:
            raise SettingsError(f"{source}: featureClass.{name} holds unknown features {bad}; {name} has {list(known)}")
        out.append((name, tuple(features)))
    return tuple(out)


def _class_features(name: str) -> tuple[str, ...]:
    """The feature names of class ``name``, from its module; imported here, when a params file lists
    features, so that reading params loads no numba kernel otherwise."""
    from radcore.pyradiomics.features import class_features

    return class_features(name)
