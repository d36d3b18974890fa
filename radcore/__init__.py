"""radcore: radiomics feature extraction for cohorts, on an IBSI-compliant numba core.

The public API is what this module exports (``__all__``): :func:`extract` and :class:`Extractor`, :func:`extract_maps`, the
settings types and :func:`load_settings`, and the errors. The command line (``radcore extract``,
``radcore run``, ...) and the Parquet dataset it writes are the other public faces. Every other module is
internal and may change between releases.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from radcore.errors import (
    ClusterError,
    DamagedFileError,
    DatasetError,
    EmptyROIError,
    FeatureError,
    GeometryMismatchError,
    ImageReadError,
    InvalidImageError,
    LabelNotFoundError,
    ManifestError,
    NonFiniteImageError,
    RadcoreError,
    SettingsError,
    StaleRunError,
    StoreError,
    StorageError,
)
from radcore.settings import (
    DiscretisationSettings,
    ImageType,
    InterpolationSettings,
    MapSettings,
    MorphologySettings,
    PerturbationSettings,
    ResegmentationSettings,
    Settings,
    TextureSettings,
    settings_hash,
)

try:
    __version__ = version("radcore")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+src"

#: loaded on first use: they pull in the numba kernels, which take seconds to import
_LAZY = {"extract": "radcore.api", "extract_maps": "radcore.api", "Extractor": "radcore.api", "load_settings": "radcore.io.config"}

__all__ = [
    "extract", "extract_maps", "Extractor", "load_settings", "Settings", "InterpolationSettings",
    "ResegmentationSettings", "DiscretisationSettings", "TextureSettings", "MorphologySettings",
    "PerturbationSettings", "MapSettings", "ImageType", "settings_hash",
    "RadcoreError", "SettingsError", "ImageReadError", "DamagedFileError", "NonFiniteImageError",
    "InvalidImageError", "GeometryMismatchError", "EmptyROIError", "LabelNotFoundError", "ManifestError",
    "FeatureError", "StoreError", "StorageError", "DatasetError", "StaleRunError", "ClusterError", "__version__",
]


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'radcore' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
