"""radcore: radiomics feature extraction for cohorts, on an IBSI-compliant numba core."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("radcore")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+src"

__all__ = ["extract", "__version__"]


def extract(image, mask, config=None, label: int | str | None = None, naming: str = "native", roi=None,
            series: str | None = None):
    """Features of one case, keyed by column name.

    image, mask  paths (NIfTI, NRRD, MHA, DICOM series folder) or SimpleITK images; the mask may also be
                 a DICOM RTSTRUCT file, rasterised onto the image grid
    config       None (defaults), a settings path (radcore or PyRadiomics YAML), a mapping or a Settings
    label        the mask label of the ROI (default: the settings' label, 1); ``"all"`` extracts every
                 label present in the mask and returns ``{label: {column: value}}``
    naming       "native", "ibsi" or "pyradiomics" (``ibsi`` with a PyRadiomics params file is refused
                 with a SettingsError: PyRadiomics' definitions have no IBSI tags)
    roi          an RTSTRUCT mask's ROI name or a SEG mask's segment (None: its only one); a list of names
                 returns ``{name: {column: value}}``
    series       the SeriesInstanceUID to read from an image folder holding several (default: the one an
                 RTSTRUCT or SEG mask refers to)
    """
    from radcore.io.config import load_settings
    from radcore.naming import check_naming, name_columns
    from radcore.pipeline import extract_case, extract_labels

    s = load_settings(config)
    check_naming(naming, s)
    if isinstance(roi, (list, tuple)):
        return {name: name_columns(extract_case(image, mask, s, label, name, series), naming) for name in roi}
    if (s.label if label is None else label) == "all":
        return {lab: name_columns(v, naming) for lab, v in extract_labels(image, mask, s, series).items()}
    return name_columns(extract_case(image, mask, s, label, roi, series), naming)
