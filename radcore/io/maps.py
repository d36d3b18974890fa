"""Writing response maps (``radcore filter``): NIfTI, NRRD, MHA through SimpleITK, or one Zarr group.

File names: one map goes to ``path`` as given; several maps to ``<stem>_<map name><suffix>`` next to it
(``map.nii.gz`` -> ``map_laws_e5l5s5.nii.gz``, ``map_mean_15_3d.nii.gz``). A ``.zarr`` path is one group
holding an array per map, named by the map, with its geometry in the group's attributes
(``spacing`` and ``origin`` in x, y, z order, ``direction`` row-major, as ITK has them).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import SimpleITK as sitk
import zarr

from radcore.errors import SettingsError
from radcore.io.images import Volume, to_image

SUFFIXES = (".nii.gz", ".nii", ".nrrd", ".mha", ".mhd", ".zarr")


def check_map_path(path: str | Path) -> Path:
    """``path`` if it ends in a supported suffix, else a :class:`SettingsError` listing them."""
    if not str(path).lower().endswith(SUFFIXES):
        raise SettingsError(f"--out must end in one of {list(SUFFIXES)}, got {str(path)!r}")
    return Path(path)


def map_paths(path: str | Path, names: list[str]) -> dict[str, Path]:
    """Where each named map goes (module doc); for ``.zarr`` every name maps to the group's path."""
    path = check_map_path(path)
    if len(names) == 1 or str(path).lower().endswith(".zarr"):
        return {name: path for name in names}
    length = len(next(s for s in SUFFIXES if str(path).lower().endswith(s)))
    stem, suffix = str(path)[:-length], str(path)[-length:]
    return {name: Path(f"{stem}_{name}{suffix}") for name in names}


def write_maps(maps: dict[str, Volume], path: str | Path, dtype: str = "float32") -> list[Path]:
    """Write ``maps`` (name -> volume with geometry) to ``path`` (module doc); returns the paths written."""
    paths = map_paths(path, list(maps))
    if str(path).lower().endswith(".zarr"):
        return [_write_zarr(maps, Path(path), dtype)]
    for name, volume in maps.items():
        image = to_image(dataclasses.replace(volume, array=volume.array.astype(dtype, copy=False)))
        sitk.WriteImage(image, str(paths[name]), useCompression=str(paths[name]).lower().endswith(".gz"))
    return list(dict.fromkeys(paths.values()))


def _write_zarr(maps: dict[str, Volume], path: Path, dtype: str) -> Path:
    group = zarr.open_group(str(path), mode="w")
    first = next(iter(maps.values()))
    group.attrs["radcore"] = {
        "maps": list(maps),
        "spacing": [float(s) for s in first.spacing[::-1]],
        "origin": [float(o) for o in first.origin],
        "direction": [float(d) for d in first.direction],
    }
    for name, volume in maps.items():
        data = np.ascontiguousarray(volume.array, dtype=dtype)
        array = group.create_array(name, shape=data.shape, dtype=data.dtype, dimension_names=("z", "y", "x"))
        array[...] = data
    return path
