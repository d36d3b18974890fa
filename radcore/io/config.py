"""Reading settings files: radcore's own YAML, or an unmodified PyRadiomics params YAML."""

from __future__ import annotations

from pathlib import Path

import yaml

from radcore.errors import SettingsError
from radcore.settings import Settings, from_mapping, to_mapping

PYRADIOMICS_SECTIONS = {"setting", "imageType", "featureClass", "voxelSetting"}


def read_settings_file(path: Path) -> Settings:
    """Settings from a YAML file; a PyRadiomics params file is recognised by its top-level sections."""
    if not path.exists():
        raise SettingsError(f"settings file {str(path)!r} does not exist")
    if not path.is_file():
        raise SettingsError(f"settings file {str(path)!r} is not a file")
    try:
        data = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as exc:
        raise SettingsError(f"settings file {str(path)!r} is not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise SettingsError(f"settings file {str(path)!r} must hold a mapping, got {type(data).__name__}")
    return settings_from_data(data, f"settings file {str(path)!r}")


def settings_from_data(data: dict, source: str = "settings") -> Settings:
    """Settings from a parsed mapping: PyRadiomics params (``setting`` / ``imageType`` / ``featureClass``
    sections) or radcore's own layout."""
    if data and set(data) <= PYRADIOMICS_SECTIONS:
        from radcore.pyradiomics.params import settings_from_params

        return settings_from_params(data, source=source)
    try:
        return from_mapping(data)
    except SettingsError as exc:
        raise SettingsError(f"{source}: {exc}") from exc


def write_settings_file(settings: Settings, path: Path) -> None:
    """Write ``settings`` as radcore YAML (``read_settings_file`` reads it back equal)."""
    path.write_text(yaml.safe_dump(to_mapping(settings), sort_keys=False))
