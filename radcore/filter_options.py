"""The options of the IBSI-2 filters as settings name them: defaults, allowed values and checks.

Settings check their image types when they are built (:func:`radcore.image_types.check`), and building
settings must not load the filters (numba, SciPy, SimpleITK). So this module imports no filter: it holds
the options of each IBSI-2 image type with their defaults, and the values they draw on, which the filter
modules take from here: the boundary conditions and dimensions (:mod:`radcore.filters.convolution`), the
Laws 1D kernels by name (:mod:`radcore.filters.laws`), the Gabor planes and angle steps
(:mod:`radcore.filters.gabor`) and the wavelet sub-bands (:mod:`radcore.filters.separable_wavelet`). The
names of the wavelets are the keys of :data:`radcore.filters.wavelet_filters.DEC_LO`, a module of plain
numbers, read when a wavelet option is checked.

The options and what they mean are listed in :mod:`radcore.filters.ibsi2`.
"""

from __future__ import annotations

import math
import re
from typing import Any

from radcore.errors import SettingsError

#: IBSI boundary condition -> numpy.pad mode
BOUNDARIES = {"zero": "constant", "nearest": "edge", "periodic": "wrap", "mirror": "symmetric"}
DIMENSIONS = ("2D", "3D")
POOLINGS = ("max", "min", "mean")
#: the planes of a Gabor filter: axial only, or axial, coronal and sagittal
PLANES = ("axial", "all")
#: the Laws 1D kernels (before division by their L2 norm)
KERNELS_1D = {
    "L5": (1, 4, 6, 4, 1),
    "E5": (-1, -2, 0, 2, 1),
    "S5": (-1, 0, 2, 0, -1),
    "W5": (-1, 2, 0, -2, 1),
    "R5": (1, -4, 6, -4, 1),
    "L3": (1, 2, 1),
    "E3": (-1, 0, 1),
    "S3": (-1, 2, -1),
}
_PART = re.compile("|".join(KERNELS_1D))

REQUIRED = object()
_COMMON = {"boundary": "mirror"}
#: options of each IBSI-2 image type with their defaults (REQUIRED: no default)
OPTIONS: dict[str, dict[str, Any]] = {
    "mean": {"size": REQUIRED, "dimensions": "3D", **_COMMON},
    "laplacian_of_gaussian": {"sigma": REQUIRED, "truncation": 4.0, "dimensions": "3D", **_COMMON},
    "laws": {"kernel": REQUIRED, "rotation_invariance": False, "pooling": "max", "energy_delta": None, **_COMMON},
    "gabor": {"sigma": REQUIRED, "gamma": REQUIRED, "wavelength": REQUIRED, "theta": 0.0, "theta_step": None,
              "planes": "axial", "pooling": "mean", **_COMMON},
    "separable_wavelet": {"wavelet": REQUIRED, "subband": REQUIRED, "level": 1, "rotation_invariance": False,
                          "pooling": "mean", **_COMMON},
    "simoncelli": {"level": 1, "dimensions": "3D"},
}
_NUMBERS = {"sigma", "truncation", "gamma", "wavelength", "theta", "theta_step"}
_INTEGERS = {"size", "energy_delta", "level"}
_CHOICES = {"dimensions": DIMENSIONS, "boundary": tuple(BOUNDARIES), "pooling": POOLINGS, "planes": PLANES}


def wavelets() -> tuple[str, ...]:
    """The names of the wavelets radcore implements (``haar``, ``db1`` ..., ``coif1`` ...)."""
    from radcore.filters.wavelet_filters import DEC_LO  # plain numbers: no filter is loaded

    return tuple(DEC_LO)


def laws_parts(name: str) -> list[str]:
    """The 1D kernel names of a Laws kernel name such as ``E5L5S5`` (x, y[, z] order), upper case."""
    parts = _PART.findall(name.upper())
    if "".join(parts) != name.upper() or len(parts) not in (2, 3):
        raise SettingsError(
            f"Laws kernel {name!r} must chain two (2D) or three (3D) of {list(KERNELS_1D)}, e.g. 'E5L5S5'"
        )
    return parts


def gabor_angle_count(theta_step: float) -> int:
    """How many Gabor angles ``theta_step`` (degrees) gives over a full turn: 360 / theta_step, which must be
    a whole number."""
    count = 360.0 / theta_step
    if not theta_step > 0 or abs(count - round(count)) > 1e-9:
        raise SettingsError(f"gabor theta_step must divide 360 degrees, got {theta_step}")
    return int(round(count))


def check_subband(subband: str) -> str:
    """``subband`` upper-cased, or a :class:`SettingsError` unless it is 2 or 3 letters L or H."""
    band = str(subband).upper()
    if len(band) not in (2, 3) or set(band) - {"L", "H"}:
        raise SettingsError(f"wavelet subband must be 2 (2D) or 3 (3D) letters L or H, e.g. 'LHL', got {subband!r}")
    return band


def options(name: str, given: dict[str, Any]) -> dict[str, Any]:
    """The options of IBSI-2 image type ``name``: ``given`` checked and completed with the defaults.

    Raises :class:`SettingsError` naming the option for an unknown or missing option or a bad value.
    """
    spec = OPTIONS[name]
    unknown = sorted(set(given) - set(spec))
    if unknown:
        raise SettingsError(f"image_types.{name}: unknown option {unknown[0]!r}; expected {sorted(spec)}")
    out = {k: given.get(k, default) for k, default in spec.items()}
    missing = [k for k, v in out.items() if v is REQUIRED]
    if missing:
        raise SettingsError(f"image_types.{name}: option {missing[0]!r} is required")
    for key, value in out.items():
        _check_value(name, key, value)
    _check_filter(name, out)
    return out


def _check_value(name: str, key: str, value: Any) -> None:
    where = f"image_types.{name}.{key}"
    if value is None and key in ("theta_step", "energy_delta"):
        return
    if key in _NUMBERS and (isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value)):
        raise SettingsError(f"{where}: expected a number, got {value!r}")
    if key in _INTEGERS and (isinstance(value, bool) or not isinstance(value, int)):
        raise SettingsError(f"{where}: expected an integer, got {value!r}")
    if key == "rotation_invariance" and not isinstance(value, bool):
        raise SettingsError(f"{where}: expected true or false, got {value!r}")
    if key == "kernel" and not isinstance(value, str):
        raise SettingsError(f"{where}: expected a Laws kernel name such as 'E5L5S5', got {value!r}")
    choices = wavelets() if key == "wavelet" else _CHOICES.get(key)
    if choices is not None and value not in choices:
        raise SettingsError(f"{where}: expected one of {list(choices)}, got {value!r}")


def _check_filter(name: str, o: dict[str, Any]) -> None:
    """Value ranges the filter functions would refuse, refused when the settings are built."""
    where = f"image_types.{name}"
    positive = [k for k in ("sigma", "truncation", "gamma", "wavelength", "theta_step", "level") if k in o]
    for key in positive:
        if o[key] is not None and not o[key] > 0:
            raise SettingsError(f"{where}.{key} must be positive, got {o[key]}")
    if name == "mean" and (o["size"] < 1 or o["size"] % 2 == 0):
        raise SettingsError(f"{where}.size must be a positive odd number of voxels, got {o['size']}")
    if name == "laws":
        laws_parts(o["kernel"])
        if o["energy_delta"] is not None and o["energy_delta"] < 0:
            raise SettingsError(f"{where}.energy_delta must be >= 0 voxels or null, got {o['energy_delta']}")
    if name == "gabor" and o["theta_step"] is not None:
        gabor_angle_count(o["theta_step"])
    if name == "separable_wavelet":
        check_subband(o["subband"])
