"""Which software produced a result: the versions recorded with every settings partition and batch file."""

from __future__ import annotations

import functools
import platform
from importlib.metadata import PackageNotFoundError, version

#: the PyRadiomics release whose definitions radcore reproduces for PyRadiomics params files
PYRADIOMICS_EMULATED = "3.1"

_PACKAGES = {
    "radcore": "radcore", "numpy": "numpy", "scipy": "scipy", "numba": "numba", "SimpleITK": "SimpleITK",
    "zarr": "zarr", "pyarrow": "pyarrow",
}


@functools.lru_cache(maxsize=1)
def _installed() -> tuple[tuple[str, str], ...]:
    found = [("python", platform.python_version())]
    for name, dist in _PACKAGES.items():
        try:
            found.append((name, version(dist)))
        except PackageNotFoundError:
            found.append((name, "not installed"))
    return tuple(found)


def versions(settings=None) -> dict[str, str]:
    """Versions of Python and the libraries that compute features; with settings from a PyRadiomics
    params file, also the PyRadiomics release whose definitions are emulated (``pyradiomics``)."""
    out = dict(_installed())
    if settings is not None and getattr(settings, "pyradiomics", None) is not None:
        out["pyradiomics"] = f"{PYRADIOMICS_EMULATED} (definitions emulated by radcore)"
    return out
