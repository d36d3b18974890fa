"""Reading settings files: radcore's own YAML, or an unmodified PyRadiomics params YAML."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import yaml

from radcore.errors import SettingsError
from radcore.pyradiomics.params import settings_from_params
from radcore.settings import Settings, from_mapping, to_mapping

PYRADIOMICS_SECTIONS = {"setting", "imageType", "featureClass", "voxelSetting"}


def load_settings(source: str | Path | dict | Settings | None) -> Settings:
    """Settings from a settings file, a mapping, or as they are.

    Parameters
    ----------
    source : str, Path, dict, Settings or None
        A radcore YAML (optionally ``profile: ibsi | pyradiomics``) or an unmodified PyRadiomics params YAML
        (which implies the PyRadiomics profile), the same as a parsed mapping, settings as they are, or
        None (or "") for the defaults.

    Returns
    -------
    Settings
        Typed, frozen and validated; :func:`radcore.settings_hash` gives their provenance hash.

    Raises
    ------
    SettingsError
        The file is missing or not YAML, or a key, type or value is wrong; the message names it.

    Examples
    --------
    >>> from radcore import load_settings
    >>> load_settings({"discretisation": {"method": "fixed_bin_number", "bin_number": 16}}).profile
    'ibsi'
    >>> load_settings({"setting": {"binWidth": 25}, "featureClass": {"glcm": None}}).profile
    'pyradiomics'
    """
    if source is None or source == "":
        return Settings()
    if isinstance(source, Settings):
        return source
    if isinstance(source, dict):
        return settings_from_data(source)
    return read_settings_file(Path(source))


def read_settings_file(path: Path) -> Settings:
    """Settings from a YAML file; a PyRadiomics params file is recognised by its top-level sections."""
    return settings_from_data(read_yaml_mapping(path, "settings file"), f"settings file {str(path)!r}")


def read_yaml_mapping(path: str | Path, what: str) -> dict:
    """The mapping a YAML file holds (empty for an empty file); a :class:`SettingsError` naming the file as
    ``what`` when it is missing, not YAML or not a mapping."""
    path = Path(path)
    if not path.exists():
        raise SettingsError(f"{what} {str(path)!r} does not exist")
    if not path.is_file():
        raise SettingsError(f"{what} {str(path)!r} is not a file")
    try:
        data = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as exc:
        raise SettingsError(f"{what} {str(path)!r} is not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise SettingsError(f"{what} {str(path)!r} must hold a mapping, got {type(data).__name__}")
    return data


PROFILES = ("ibsi", "pyradiomics")


def settings_from_data(data: dict, source: str = "settings") -> Settings:
    """Settings from a parsed mapping: PyRadiomics params (``setting`` / ``imageType`` / ``featureClass``
    sections, which imply the ``pyradiomics`` profile) or radcore's own layout, whose optional ``profile``
    key states the profile: ``ibsi`` (the default) or ``pyradiomics``, whose settings are the PyRadiomics
    params in the ``pyradiomics`` key (none: PyRadiomics' defaults) and, for a robustness study, the
    ``perturbation`` key (:class:`~radcore.settings.PerturbationSettings`) in either profile."""
    if data and set(data) <= PYRADIOMICS_SECTIONS:
        return settings_from_params(data, source=source)
    data = dict(data)
    profile = data.pop("profile", "ibsi")
    if profile not in PROFILES:
        raise SettingsError(f"{source}: profile must be one of {list(PROFILES)}, got {profile!r}")
    if profile == "pyradiomics":
        params = data.pop("pyradiomics", None) or {}
        perturbation = data.pop("perturbation", None)
        if data:
            raise SettingsError(
                f"{source}: with profile: pyradiomics the settings are PyRadiomics params under the "
                f"'pyradiomics' key (and perturbations under 'perturbation'); unexpected key {sorted(data)[0]!r}"
            )
        settings = settings_from_params(params, source=f"{source}: pyradiomics")
        if perturbation is None:
            return settings
        try:
            return dataclasses.replace(settings, perturbation=from_mapping({"perturbation": perturbation}).perturbation)
        except SettingsError as exc:
            raise SettingsError(f"{source}: {exc}") from exc
    if data.get("pyradiomics") is not None:
        raise SettingsError(f"{source}: PyRadiomics params (the 'pyradiomics' key) need profile: pyradiomics")
    try:
        return from_mapping(data)
    except SettingsError as exc:
        raise SettingsError(f"{source}: {exc}") from exc


def write_settings_file(settings: Settings, path: Path) -> None:
    """Write ``settings`` as radcore YAML (``read_settings_file`` reads it back equal)."""
    path.write_text(yaml.safe_dump(to_mapping(settings), sort_keys=False))


def settings_with_label(settings: Settings, label: str | int = "") -> Settings:
    """``settings`` with the ROI label ``label`` (a mask label, or ``all`` for every label); "" keeps theirs."""
    from radcore.io.manifest import ALL_LABELS

    if label == "" or label is None:
        return settings
    return dataclasses.replace(settings, label=ALL_LABELS if label == ALL_LABELS else int(label))
