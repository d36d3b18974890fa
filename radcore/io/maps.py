"""Writing maps: response maps (``radcore filter``) and voxel feature maps (``radcore maps``): NIfTI,
NRRD, MHA through SimpleITK, or one Zarr group.

File names: one map goes to ``path`` as given; several maps to ``<stem>_<map name><suffix>`` next to it
(``map.nii.gz`` -> ``map_laws_e5l5s5.nii.gz``, ``map_mean_15_3d.nii.gz``). A ``.zarr`` path is one group
holding an array per map, named by the map, with its geometry in the group's attributes
(``spacing`` and ``origin`` in x, y, z order, ``direction`` row-major, as ITK has them) and, for
viewers that read OME-NGFF 0.5, one ``multiscales`` entry per map (axes z, y, x in mm, the map's scale and
translation; NGFF has no direction matrix: an oblique grid's is in the ``radcore`` attribute only). The
attributes are written after the arrays: a group without them was not finished.
Voxel feature maps go to a folder instead, one ``<map name><suffix>`` file each (:func:`write_map_folder`).
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import SimpleITK as sitk
import zarr

from radcore.errors import SettingsError
from radcore.io import remote
from radcore.io.images import Volume, to_image

SUFFIXES = (".nii.gz", ".nii", ".nrrd", ".mha", ".mhd", ".zarr")


def case_maps_path(dataset: str | Path, settings_hash: str, case_id: str, label: int) -> Path | str:
    """Where a cohort run's voxel feature maps of (``case_id``, ``label``) go: one Zarr group
    ``DATASET/maps/settings_hash=<h>/<encoded case id>_label<label>.zarr`` (the case id encoded as the
    store encodes it)."""
    from radcore.io.dataset import partition
    from radcore.io.store import group_name

    return remote.join(partition(dataset, "maps", settings_hash), f"{group_name(case_id)}_label{int(label)}.zarr")


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
        return [_write_zarr(maps, path if remote.is_url(path) else Path(path), dtype)]  # zarr opens URLs
    for name, volume in maps.items():
        _write_image(volume, paths[name], dtype)
    return list(dict.fromkeys(paths.values()))


#: file formats of a folder of maps (``radcore maps --format``)
FOLDER_FORMATS = ("nrrd", "nii.gz", "nii", "mha")


def write_map_folder(maps: dict[str, Volume], folder: str | Path, fmt: str = "nrrd",
                     dtype: str = "float32") -> list[Path]:
    """Write each of ``maps`` to ``folder/<name>.<fmt>`` (the folder is made); returns the paths written."""
    if fmt not in FOLDER_FORMATS:
        raise SettingsError(f"--format must be one of {list(FOLDER_FORMATS)}, got {fmt!r}")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, volume in maps.items():
        paths.append(_write_image(volume, folder / f"{name}.{fmt}", dtype))
    return paths


def _write_image(volume: Volume, path: Path, dtype: str) -> Path:
    image = to_image(dataclasses.replace(volume, array=volume.array.astype(dtype, copy=False)))
    sitk.WriteImage(image, str(path), useCompression=str(path).lower().endswith(".gz"))
    return path


def _write_zarr(maps: dict[str, Volume], path: Path | str, dtype: str) -> Path | str:
    """The group of ``maps``; its attributes are written last, so a group that has them is whole
    (:func:`mapped_items`)."""
    group = zarr.open_group(str(path), mode="w")
    for name, volume in maps.items():
        data = np.ascontiguousarray(volume.array, dtype=dtype)
        array = group.create_array(name, shape=data.shape, dtype=data.dtype, dimension_names=("z", "y", "x"))
        array[...] = data
    first = next(iter(maps.values()))
    group.attrs.update({
        "radcore": {
            "maps": list(maps),
            "spacing": [float(s) for s in first.spacing[::-1]],
            "origin": [float(o) for o in first.origin],
            "direction": [float(d) for d in first.direction],
        },
        "ome": {"version": "0.5", "multiscales": [_ngff(name, volume) for name, volume in maps.items()]},
    })
    return path


def mapped_items(dataset: str | Path, settings_hash: str, items) -> set[tuple[str, int]]:
    """Of the (case_id, label) ``items``, those whose maps group (:func:`case_maps_path`) a cohort run wrote
    to the end: it holds the ``radcore`` attributes, which :func:`write_maps` writes last. One listing of the
    maps folder, then one small read per group found."""
    from radcore.io.dataset import partition

    present = {str(p).rstrip("/").rsplit("/", 1)[-1] for p in remote.glob(partition(dataset, "maps", settings_hash),
                                                                          "*.zarr")}
    out = set()
    for case_id, label in items:
        path = case_maps_path(dataset, settings_hash, case_id, label)
        if str(path).rsplit("/", 1)[-1] not in present:
            continue
        try:
            attributes = json.loads(remote.read_bytes(remote.join(path, "zarr.json"))).get("attributes", {})
        except (FileNotFoundError, ValueError):
            continue
        if "radcore" in attributes:
            out.add((case_id, label))
    return out


def _ngff(name: str, volume: Volume) -> dict:
    """One OME-NGFF 0.5 multiscale image: the array ``name`` at one scale, axes z, y, x in mm."""
    return {
        "name": name,
        "axes": [{"name": axis, "type": "space", "unit": "millimeter"} for axis in ("z", "y", "x")],
        "datasets": [{"path": name, "coordinateTransformations": [
            {"type": "scale", "scale": [float(s) for s in volume.spacing]},
            {"type": "translation", "translation": [float(o) for o in volume.origin[::-1]]},
        ]}],
    }
