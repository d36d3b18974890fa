"""The layout of a cohort store: where each array lives, the case's attributes, opening and listing.

Layout (OME-Zarr / NGFF 0.5 where it fits, so NGFF viewers open each case)::

    STORE/zarr.json                    root group, attributes {"radcore": {"store_format": 1}}
    STORE/<group>/                     NGFF image group (multiscales, one level)
    STORE/<group>/0                    the image, (z, y, x), its own dtype, chunked and compressed
    STORE/<group>/labels/mask/0        the mask (NGFF image-label), smallest integer dtype holding its labels
    STORE/<group>/labels/native/0      only for a mask off the image grid: the mask as read, on its own grid

``<group>`` is the case id made safe as a name (:func:`group_name`); the case id itself, verbatim, is
the ``case_id`` attribute, which every read checks.

The case group's ``radcore`` attribute keeps what NGFF cannot say: the ITK geometry (spacing (z, y, x) mm,
origin (x, y, z) and the row-major direction matrix), modality, manifest metadata, the requested labels,
SHA-256 digests of the input files, whole-image intensity statistics (``intensity``: mean, min, max;
``normalisation``: ITK's mean and sample standard deviation, as PyRadiomics' ``normalize`` computes them,
absent in stores written before they were kept), the mask's own geometry (and how it
missed the image grid, when it did) and, per label, the bounding box
(``[[z0, z1], [y0, y1], [x0, x1]]``, half-open) and voxel count. :class:`CaseInfo` holds them as read;
:func:`radcore.io.store.read.read_roi` and :func:`~radcore.io.store.read.read_region` use the boxes to read
only the chunks around one ROI.
"""

from __future__ import annotations

import hashlib
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import zarr

from radcore.errors import StoreError
from radcore.io import remote

STORE_FORMAT = 1
IMAGE_PATH = "0"
MASK_PATH = "labels/mask/0"
NATIVE_MASK_PATH = "labels/native/0"
DEFAULT_CHUNKS = (64, 64, 64)
NGFF_VERSION = "0.5"

StoreLike = str | Path | zarr.abc.store.Store


@dataclass(frozen=True)
class CaseInfo:
    """What the store knows about one case without reading its arrays."""

    case_id: str
    shape: tuple[int, int, int]
    spacing: tuple[float, float, float]
    origin: tuple[float, float, float]
    direction: tuple[float, ...]
    modality: str
    metadata: dict[str, str]
    #: the labels asked for at ingest: a tuple, "all" or None (the settings' label)
    labels: tuple[int, ...] | str | None
    boxes: dict[int, tuple[tuple[int, int], ...]]
    voxel_counts: dict[int, int]
    digests: dict[str, str]
    #: mean, min and max of the whole image (a crop cannot give them)
    intensity: dict[str, float]
    #: the mask's own spacing, origin and direction as read (empty for stores written before they were kept)
    mask_geometry: dict[str, list[float]]
    #: how the mask read at ingest was off the image grid ("" when it was on it)
    geometry_mismatch: str
    #: names of the ROIs of an RTSTRUCT or SEG mask: label k is ``rois[k - 1]`` (empty for label images)
    rois: tuple[str, ...] = ()
    #: the mask holds several ROIs (which may overlap) as bits: label k is bit k - 1 (:func:`label_mask`)
    bits: bool = False
    #: per label, its 26-connected components (empty for stores written before they were counted)
    components: dict[int, int] = field(default_factory=dict)
    #: per label, the (min, max) image intensity inside it
    roi_intensity: dict[int, tuple[float, float]] = field(default_factory=dict)
    #: an RTSTRUCT or SEG mask that references another series than the image's: what DICOM says ("" else)
    mask_other_series: str = ""
    #: ITK's mean and sample standard deviation ("mean", "sigma") of the whole image, for PyRadiomics'
    #: ``normalize`` (empty for stores written before they were kept)
    normalisation: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True, eq=False)
class DecodedCase:
    """A case as a store holds it, in memory: its attributes and its arrays as stored (the image, the mask
    on the image grid, the mask as read when it was off that grid), as just written
    (:func:`~radcore.io.store.write.write_case`) or never written (:func:`~radcore.io.store.write.decode_case`).
    The readers of :mod:`radcore.io.store.read` take it in place of the store, so a case ingested by the
    worker that extracts it is not read back."""

    info: CaseInfo
    image: np.ndarray
    labels: np.ndarray
    native: np.ndarray | None = None


def label_mask(stored: np.ndarray, label: int, bits: bool) -> np.ndarray:
    """The bool mask of ``label`` in a stored mask array: equal values, or bit ``label - 1`` with
    ``bits`` (a case whose ROIs may overlap, :attr:`CaseInfo.bits`)."""
    if bits:
        return (stored >> (label - 1)) & 1 == 1
    return stored == label


def labels_attr(labels) -> list[int] | str | None:
    """The ``labels`` attribute: a list of labels, ``"all"`` or None (the settings' label)."""
    return labels if labels is None or isinstance(labels, str) else [int(v) for v in labels]


# ---------------------------------------------------------------- opening and listing


def open_store(store: StoreLike, create: bool = False) -> zarr.Group:
    """The root group of a cohort store (a folder, a URL or a Zarr store); ``create`` makes a new store in a
    folder or at a URL when none exists."""
    if isinstance(store, (str, Path)) and remote.is_url(store):
        from radcore.io.store.bucket import open_root

        root = open_root(str(store), {"radcore": {"store_format": STORE_FORMAT}} if create else None)
    elif create:
        path = remote.local(store)
        path.mkdir(parents=True, exist_ok=True)
        try:
            root = zarr.open_group(str(path), mode="a", zarr_format=3)
        except zarr.errors.ContainsGroupError:  # another process created it a moment ago
            root = zarr.open_group(str(path), mode="r+", zarr_format=3)
        if "radcore" not in root.attrs:
            root.attrs["radcore"] = {"store_format": STORE_FORMAT}
        return root
    else:
        try:
            root = zarr.open_group(str(remote.local(store)) if isinstance(store, (str, Path)) else store, mode="r",
                                   zarr_format=3)
        except (FileNotFoundError, zarr.errors.GroupNotFoundError) as exc:
            raise StoreError(f"no cohort store at {str(store)!r}; create one with `radcore ingest`") from exc
    if "radcore" not in root.attrs:
        raise StoreError(f"{str(store)!r} is a Zarr group but not a radcore cohort store")
    return root


_SAFE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_+")
_MAX_NAME = 200


def group_name(case_id: str) -> str:
    """The store group (folder) name of ``case_id``: a reversible, portable encoding.

    Letters, digits, ``-``, ``_``, ``+`` and ``.`` (not leading) stay; every other character becomes
    ``~XX`` per UTF-8 byte, so ``../a b`` gives ``~2E.~2Fa~20b``. A name over 200 characters is cut and
    ends in ``~~`` and a digest of the id. Ids made of the characters kept give their own name.
    """
    if not case_id:
        raise ValueError("a case id must not be empty")
    parts = []
    for i, ch in enumerate(case_id):
        if ch in _SAFE or (ch == "." and i > 0):
            parts.append(ch)
        else:
            parts.extend(f"~{b:02X}" for b in ch.encode("utf-8"))
    name = "".join(parts)
    if len(name) > _MAX_NAME:
        name = name[: _MAX_NAME - 18] + "~~" + hashlib.sha256(case_id.encode()).hexdigest()[:16]
    return name


def list_cases(store: StoreLike) -> list[str]:
    """Case ids held by the store (verbatim, from each case's attributes), sorted."""
    return sorted(a["case_id"] for a in _case_attributes(store))


def case_infos(store: StoreLike) -> dict[str, CaseInfo]:
    """The attributes of every case the store holds, by case id (sorted), read in one pass: on object
    storage one ``LIST`` per 1,000 cases and one ``GET`` per case, made concurrently by Zarr."""
    return {info.case_id: info for info in sorted((info_of(a, a["case_id"]) for a in _case_attributes(store)),
                                                  key=lambda info: info.case_id)}


def _case_attributes(store: StoreLike) -> list[dict]:
    """The ``radcore`` attributes of each case group of the store."""
    root = open_store(store)
    found = []
    with warnings.catch_warnings():  # a killed writer's objects on object storage: not a group, not a case
        warnings.filterwarnings("ignore", message="Object at .* is not recognized")
        groups = list(root.groups())
    for name, group in groups:
        if name.startswith("."):
            continue
        a = group.attrs.get("radcore")
        if isinstance(a, dict) and "case_id" in a:
            found.append(a)
    return found


def case_info(store: StoreLike | zarr.Group, case_id: str) -> CaseInfo:
    """The attributes of one case (see the module docstring)."""
    return open_case(store, case_id)[1]


def open_case(store: StoreLike | zarr.Group, case_id: str) -> tuple[zarr.Group, CaseInfo]:
    """The group of one case and its attributes; :class:`StoreError` when the store does not hold it."""
    group = _case_group(store, case_id)
    return group, _info(group, case_id)


def _info(group: zarr.Group, case_id: str) -> CaseInfo:
    return info_of(group.attrs["radcore"], case_id)


def info_of(a: dict, case_id: str) -> CaseInfo:
    """The :class:`CaseInfo` of a case group's ``radcore`` attribute ``a``."""
    return CaseInfo(
        case_id=case_id,
        shape=tuple(a["shape"]),
        spacing=tuple(a["spacing"]),
        origin=tuple(a["origin"]),
        direction=tuple(a["direction"]),
        modality=a.get("modality", ""),
        metadata=dict(a.get("metadata", {})),
        labels=a.get("labels") if a.get("labels") is None or isinstance(a.get("labels"), str) else tuple(a["labels"]),
        boxes={int(k): tuple(tuple(b) for b in v) for k, v in a["boxes"].items()},
        voxel_counts={int(k): int(v) for k, v in a["voxel_counts"].items()},
        digests=dict(a.get("digests", {})),
        intensity=dict(a.get("intensity", {})),
        mask_geometry=dict(a.get("mask_geometry") or {}),
        geometry_mismatch=a.get("geometry_mismatch", ""),
        rois=tuple(a.get("rois") or ()),
        bits=a.get("label_encoding") == "bits",
        components={int(k): int(v) for k, v in (a.get("components") or {}).items()},
        roi_intensity={int(k): (float(v[0]), float(v[1])) for k, v in (a.get("roi_intensity") or {}).items()},
        mask_other_series=a.get("mask_other_series", ""),
        normalisation=dict(a.get("normalisation") or {}),
    )


def _case_group(store: StoreLike | zarr.Group, case_id: str) -> zarr.Group:
    root = store if isinstance(store, zarr.Group) else open_store(store)
    name = group_name(case_id)
    try:
        group = root[name]
    except KeyError:
        raise StoreError(f"case {case_id!r} is not in the store; ingest it first") from None
    if not isinstance(group, zarr.Group) or "radcore" not in group.attrs:
        raise StoreError(f"store entry {name!r} of case {case_id!r} is not a radcore case")
    stored = group.attrs["radcore"].get("case_id", case_id)
    if stored != case_id:
        raise StoreError(
            f"store entry {name!r} holds case {stored!r}, not {case_id!r} (two ids that differ only in case "
            "on a case-insensitive file system?)"
        )
    return group
