"""radcore: radiomics feature extraction for cohorts, on an IBSI-compliant numba core."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("radcore")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+src"

__all__ = ["extract", "__version__"]


def extract(image, mask, config=None, label: int | None = None, naming: str = "native") -> dict[str, float]:
    """Features of one case, keyed by column name.

    image, mask  paths (NIfTI, NRRD, MHA, DICOM series folder) or SimpleITK images
    config       None (defaults), a settings path (radcore or PyRadiomics YAML), a mapping or a Settings
    label        the mask label of the ROI (default: the settings' label, 1)
    naming       "native", "ibsi" or "pyradiomics"
    """
    from radcore import settings as _settings
    from radcore.naming import NAMINGS, name_columns
    from radcore.pipeline import extract_case

    if naming not in NAMINGS:
        raise ValueError(f"naming must be one of {NAMINGS}, got {naming!r}")
    s = _settings.load(config)
    return name_columns(extract_case(image, mask, s, label), naming)
