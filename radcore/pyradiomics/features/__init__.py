"""PyRadiomics feature classes: the registry's formulas, and its own few, over the shared matrix kernels.

Each class module (``firstorder``, ``shape``, ``shape2d``, ``glcm``, ``glrlm``, ``glszm``, ``gldm``, ``ngtdm``)
exposes

- ``FEATURES``: the feature names PyRadiomics enables by default, in its spelling;
- ``OPTIONAL``: deprecated or redundant names computed only when asked for by name (as PyRadiomics does);
- ``compute(inputs, setting, enabled) -> {feature name: value}`` with ``enabled`` None for the defaults.

This module holds what several classes share: feature selection, PyRadiomics' angle (offset) sets and
their weighting, and the handling of ``force2D``.
"""

from __future__ import annotations

import functools
import importlib
from types import ModuleType

import numpy as np

from radcore.errors import SettingsError
from radcore.features import count_matrix
from radcore.features.registry import family
from radcore.kernels import matrices
from radcore.pyradiomics.naming import CLASSES

#: PyRadiomics feature class name -> module of this package
CLASS_MODULES = {name: name.lower() for name in CLASSES}

#: machine epsilon added inside logarithms, as PyRadiomics does (numpy.spacing(1))
EPS = float(np.spacing(1))


def feature_class(name: str) -> ModuleType:
    """The module implementing PyRadiomics feature class ``name`` (e.g. ``"glcm"``)."""
    if name not in CLASS_MODULES:
        raise SettingsError(
            f"featureClass {name!r} is not a PyRadiomics feature class this package implements; "
            f"expected one of {sorted(CLASS_MODULES)}"
        )
    return importlib.import_module(f"{__name__}.{CLASS_MODULES[name]}")


def class_features(name: str) -> tuple[str, ...]:
    """Every feature name class ``name`` computes: its defaults, then those computed only when asked for."""
    module = feature_class(name)
    return tuple(module.FEATURES) + tuple(module.OPTIONAL)


def registry_columns(family_name: str, column: dict | None = None) -> dict[str, int]:
    """PyRadiomics feature name -> column of the family's compiled pass, from the records of the registry
    family ``family_name`` whose formula PyRadiomics shares (their ``pyradiomics`` names); ``column`` maps
    each formula to its column (default: :data:`radcore.features.count_matrix.COLUMN`)."""
    column = count_matrix.COLUMN if column is None else column
    return {f.pyradiomics: column[f.function] for f in family(family_name).features if f.pyradiomics}


def select(class_name: str, default: tuple[str, ...], optional: tuple[str, ...], enabled) -> tuple[str, ...]:
    """The feature names to compute: ``default`` when ``enabled`` is None (or empty), else ``enabled``.

    Raises SettingsError naming the feature when ``enabled`` holds a name the class does not define.
    """
    if not enabled:
        return tuple(default)
    known = set(default) | set(optional)
    unknown = [name for name in enabled if name not in known]
    if unknown:
        raise SettingsError(
            f"featureClass {class_name!r} has no feature {unknown[0]!r}; "
            f"expected one of {sorted(known)}"
        )
    return tuple(dict.fromkeys(enabled))


def neighbourhood(inputs, setting, alpha: float | None):
    """(dependence (n, k + 1), voxels (n,), s (n,), present levels (n,)) of PyRadiomics' GLDM / NGTDM
    neighbourhood (offsets with infinity norm in ``distances``, both directions, in-plane with force2D)
    over the n grey levels present; see :func:`radcore.kernels.matrices.neighbourhood`.

    ``alpha`` is the GLDM's ``gldm_a``; None (NGTDM) takes any alpha, as only the dependence counts
    depend on it. Results are shared between the classes of one image type.
    """
    offsets = angles(setting.distances, inputs.levels.shape, setting.force2D, setting.force2Ddimension, True)
    tex = inputs.texture(int(np.abs(offsets).max()) if len(offsets) else 1)
    key = ("neighbourhood", offsets.tobytes())
    found = tex.memo.setdefault(key, {})
    if alpha is None and found:
        result = next(iter(found.values()))
    else:
        a = 0.0 if alpha is None else float(alpha)
        if a not in found:
            found[a] = matrices.neighbourhood(tex.values, tex.ranks, tex.roi, tex.steps(offsets), a, len(tex.present))
        result = found[a]
    return (*result, tex.present)


def angles(
    distances, shape: tuple[int, ...], force2D: bool = False, force2Ddimension: int = 0, bidirectional: bool = False
) -> np.ndarray:
    """PyRadiomics' offsets (dz, dy, dx) as int64 (k, 3) (read-only, cached); see :func:`_angles`."""
    return _angles(tuple(sorted({int(d) for d in distances})), tuple(int(n) for n in shape), bool(force2D),
                   int(force2Ddimension), bool(bidirectional))


@functools.lru_cache(maxsize=256)
def _angles(distances, shape, force2D, force2Ddimension, bidirectional) -> np.ndarray:
    """PyRadiomics' offsets (dz, dy, dx) as int64 (k, 3).

    All offsets whose infinity norm max(|dz|, |dy|, |dx|) is one of ``distances``; with ``force2D`` the
    offsets that move along axis ``force2Ddimension`` are left out, and offsets at least as long as the
    array along an axis are left out (they pair no voxels). Without ``bidirectional`` only one of each
    opposite pair is kept: the lexicographically positive one (first non-zero component > 0), in the
    order PyRadiomics generates them (components running from +max to -max).
    """
    dist = sorted({int(d) for d in distances})
    if not dist or dist[0] < 1:
        raise SettingsError(f"distances must be integers >= 1, got {list(distances)!r}")
    top = dist[-1]
    steps = np.arange(top, -top - 1, -1)
    grid = np.stack(np.meshgrid(steps, steps, steps, indexing="ij"), axis=-1).reshape(-1, 3)
    norm = np.abs(grid).max(axis=1)
    keep = np.isin(norm, dist)
    for axis in range(3):
        keep &= np.abs(grid[:, axis]) < shape[axis]
    if force2D:
        keep &= grid[:, force2Ddimension] == 0
    out = grid[keep]
    if not bidirectional:
        first = np.array([row[np.flatnonzero(row)[0]] for row in out]) if len(out) else np.zeros(0)
        out = out[first > 0]
    out = np.ascontiguousarray(out, dtype=np.int64)
    out.flags.writeable = False
    return out


def angle_weights(offsets: np.ndarray, spacing, norm: str | None) -> np.ndarray:
    """PyRadiomics' ``weightingNorm`` factor per offset: exp(-d^2) with d the offset's length in mm.

    ``infinity``: d = max_k |a_k| s_k; ``euclidean``: d^2 = sum_k (a_k s_k)^2; ``manhattan``:
    d = sum_k |a_k| s_k; ``no_weighting`` (or an unknown norm, which PyRadiomics warns about): 1.
    """
    mm = np.abs(offsets) * np.asarray(spacing, dtype=np.float64)[None, :]
    if norm == "infinity":
        return np.exp(-(mm.max(axis=1) ** 2))
    if norm == "euclidean":
        return np.exp(-np.sum(mm**2, axis=1))
    if norm == "manhattan":
        return np.exp(-(mm.sum(axis=1) ** 2))
    return np.ones(len(offsets))


def nanmean(values: np.ndarray) -> float:
    """Mean over angles ignoring NaN (PyRadiomics averages directional features with numpy.nanmean)."""
    values = np.asarray(values, dtype=np.float64)
    finite = values[~np.isnan(values)]
    return float(finite.mean()) if finite.size else float("nan")


def column_nanmeans(table: np.ndarray) -> np.ndarray:
    """:func:`nanmean` of every column of ``table`` (k, f) (the mean over angles of each feature)."""
    nan = np.isnan(table)
    kept = (~nan).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(nan, 0.0, table).sum(axis=0) / kept
