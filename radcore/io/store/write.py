"""Writing one case to a store, on disk or on object storage: the arrays, chunked and compressed, their NGFF metadata, and the
attributes a worker reads instead of the arrays (per label its box, voxel count, components and intensity
range; whole-image statistics). The layout is :mod:`radcore.io.store.layout`'s."""

from __future__ import annotations

import itertools
import math
from pathlib import Path
from typing import Any, Iterator

import numpy as np
import zarr
from scipy import ndimage
from zarr.codecs import BloscCodec
from zarr.storage import MemoryStore

from radcore.errors import InvalidImageError
from radcore.io import remote
from radcore.io.images import Volume
from radcore.io.store.layout import (
    DEFAULT_CHUNKS, IMAGE_PATH, NGFF_VERSION, DecodedCase, group_name, info_of, label_mask, labels_attr, open_store,
)
from radcore.io.store.publish import publish, temporary_name
from radcore.io.store.shards import encode_shards, shard_bytes
from radcore.kernels.labels import label_boxes
from radcore.kernels.summary import summary

#: chunk compression: LZ4 after byte shuffling (Blosc). A float32 CT of 204 x 201 x 60 voxels writes in
#: 0.072 s and reads in 0.032 s, against 0.127 s and 0.049 s with zstd at level 1 (which was itself 2.6x
#: faster to write than Zarr's default, zstd at level 3), for 5 % more bytes; int16 CTs gain less
#: (0.028 s against 0.033 s to write). Stores written with another codec read as before.
COMPRESSOR = BloscCodec(cname="lz4", clevel=5, shuffle="shuffle")


def decode_case(case_id: str, image: Volume, mask: Volume, **facts: Any) -> DecodedCase:
    """The case as :func:`write_case` would store it (its attributes and arrays), without writing it: what
    :mod:`radcore.io.store.read` cuts an ROI's crop from (e.g. ``radcore.extract`` of a pair of files).

    ``facts`` (keywords): ``metadata``, ``labels``, ``digests``, ``sources``, ``modality``; ``native_mask``,
    the mask as read when it is off the image grid (``mask`` is then its resampling onto the grid), with
    ``geometry_mismatch`` saying how it differs; ``rois``, the names of the ROIs of an RTSTRUCT or SEG mask
    (with several, ``mask`` holds them as bits: label k is bit k - 1); ``mask_other_series``, when such a
    mask references another series than the image's (:func:`radcore.io.images.other_series`).
    """
    return _decoded(case_id, image, mask, **facts)[0]


def _decoded(
    case_id: str,
    image: Volume,
    mask: Volume,
    *,
    metadata: dict[str, str] | None = None,
    labels: tuple[int, ...] | str | None = None,
    digests: dict[str, str] | None = None,
    sources: dict[str, str] | None = None,
    modality: str = "",
    native_mask: Volume | None = None,
    geometry_mismatch: str = "",
    rois: tuple[str, ...] = (),
    mask_other_series: str = "",
) -> tuple[DecodedCase, dict[str, Any]]:
    if image.array.ndim != 3 or image.array.shape != mask.array.shape:
        raise InvalidImageError(
            f"image {image.array.shape} and mask {mask.array.shape} must be 3D arrays of the same shape"
        )
    labels_array = _label_array(mask.array)
    bits = len(rois) > 1
    boxes, counts = _bit_boxes(labels_array, len(rois)) if bits else _label_boxes(labels_array)
    attrs = {
        "case_id": case_id,
        "shape": list(image.array.shape),
        "spacing": [float(v) for v in image.spacing],
        "origin": [float(v) for v in image.origin],
        "direction": [float(v) for v in image.direction],
        "modality": modality,
        "metadata": dict(metadata or {}),
        "labels": labels_attr(labels),
        "boxes": boxes,
        "voxel_counts": counts,
        "digests": dict(digests or {}),
        "sources": dict(sources or {}),
        **_whole_image_statistics(image.array),
        "mask_geometry": _geometry(native_mask if native_mask is not None else mask),
        "geometry_mismatch": geometry_mismatch,
        "mask_other_series": mask_other_series,
        "rois": list(rois) or None,
        "label_encoding": "bits" if bits else "values",
        **_label_summaries(image.array, labels_array, boxes, bits),
    }
    native = _label_array(native_mask.array) if native_mask is not None else None
    return DecodedCase(info_of(attrs, case_id), image.array, labels_array, native), attrs


def write_case(
    store: str | Path,
    case_id: str,
    image: Volume,
    mask: Volume,
    *,
    chunks: tuple[int, int, int] = DEFAULT_CHUNKS,
    **facts: Any,
) -> DecodedCase:
    """Write one case (image and integer label mask on the same grid) atomically, replacing any old copy;
    returns it as a reader of the store will find it, in memory. ``facts``: as :func:`decode_case`.

    ``store`` is a folder (the case is written under a temporary name, then renamed:
    :func:`radcore.io.store.publish.publish`) or a URL (each object one ``PUT``, the case group's
    ``zarr.json`` last and only if absent: :func:`radcore.io.store.bucket.publish_objects`).
    """
    decoded, attrs = _decoded(case_id, image, mask, **facts)
    open_store(store, create=True)
    objects, marker = _case_objects(decoded, attrs, image, chunks)
    if remote.is_url(store):
        from radcore.io.store.bucket import publish_objects

        publish_objects(str(store), group_name(case_id), ((key, shard_bytes(parts)) for key, parts in objects),
                        marker, case_id, attrs["digests"])
        return decoded
    root = remote.local(store)
    temp = root / temporary_name()
    for key, parts in itertools.chain(objects, [("zarr.json", [marker])]):  # one shard in memory at a time
        path = temp / key
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as file:
            file.writelines(parts)
    publish(temp, root / group_name(case_id), case_id, attrs["digests"])
    return decoded


def _case_objects(
    decoded: DecodedCase, attrs: dict[str, Any], image: Volume, chunks: tuple[int, int, int]
) -> tuple[Iterator[tuple[str, list[bytes]]], bytes]:
    """The objects of one case group, keyed under the group, each as its bytes in parts: its arrays'
    shards and every ``zarr.json`` but the group's own (made one at a time, as they are written), and the
    group's own ``zarr.json`` (its attributes: what makes it a case for a reader, so it is written last).

    Zarr writes the metadata documents, in memory; :func:`~radcore.io.store.shards.encode_shards` encodes
    the shards.
    """
    documents: dict[str, Any] = {}
    group = zarr.open_group(MemoryStore(documents), mode="w", zarr_format=3)
    chunks = tuple(min(c, n) for c, n in zip(chunks, decoded.image.shape))
    arrays = [(_create_array(group, IMAGE_PATH, decoded.image, chunks), decoded.image, None)]
    label_group = group.require_group("labels")
    label_group.attrs["ome"] = {"version": NGFF_VERSION, "labels": ["mask"]}
    mask_group = label_group.require_group("mask")
    arrays.append((_create_array(mask_group, "0", decoded.labels, chunks), decoded.labels,
                   _union(decoded.info.boxes.values())))
    mask_group.attrs["ome"] = {
        "version": NGFF_VERSION,
        "image-label": {"source": {"image": "../../"}},
        "multiscales": [_multiscale("mask", image.spacing, image.origin)],
    }
    if decoded.native is not None:
        native_chunks = tuple(min(c, n) for c, n in zip(chunks, decoded.native.shape))
        arrays.append((_create_array(group.require_group("labels/native"), "0", decoded.native, native_chunks),
                       decoded.native, None))
    group.attrs.update({"ome": {"version": NGFF_VERSION,
                                "multiscales": [_multiscale(decoded.info.case_id, image.spacing, image.origin)]},
                        "radcore": attrs})
    marker = documents.pop("zarr.json").to_bytes()

    def objects() -> Iterator[tuple[str, list[bytes]]]:
        for array, data, occupied in arrays:
            for key, parts in encode_shards(array, data, occupied):
                yield f"{array.path}/{key}", parts
        for key, document in documents.items():
            yield key, [document.to_bytes()]

    return objects(), marker


def _union(boxes) -> tuple[slice, ...]:
    """The smallest box holding every one of ``boxes`` (half-open bounds per axis); an empty box for none:
    outside it a mask holds only zeros."""
    boxes = list(boxes)
    if not boxes:
        return (slice(0, 0),) * 3
    return tuple(slice(min(b[i][0] for b in boxes), max(b[i][1] for b in boxes)) for i in range(3))


def _geometry(volume: Volume) -> dict[str, list[float]]:
    return {
        "spacing": [float(v) for v in volume.spacing],
        "origin": [float(v) for v in volume.origin],
        "direction": [float(v) for v in volume.direction],
    }


def _create_array(group: zarr.Group, name: str, data: np.ndarray, chunks: tuple[int, ...]) -> zarr.Array:
    """The array ``name`` of ``data``'s shape and type in ``chunks``, a slab of them (one chunk deep, the
    whole image across) to a shard; its metadata only (its shards: :func:`_case_objects`).

    A reader still fetches only the chunks around an ROI (byte ranges of the shard, after its index), but
    a case is a few files or objects rather than hundreds, and a file system or bucket holds 100x fewer.
    Its shards are encoded in one pass (:func:`radcore.io.store.shards.encode_shards`: 0.2 s of CPU for a
    512 x 512 x 228 int16 CT, against 0.3-0.7 s through Zarr's pipeline and 0.6 s as 258 files of single
    chunks). A chunk holding only the fill value is left out, as Zarr leaves it (``write_empty_chunks``
    false: most of a mask).
    """
    shards = (chunks[0], *(-(-n // c) * c for n, c in zip(data.shape[1:], chunks[1:])))
    return group.create_array(name, shape=data.shape, dtype=data.dtype, chunks=chunks, shards=shards,
                              compressors=COMPRESSOR, dimension_names=("z", "y", "x"))


def _multiscale(name: str, spacing, origin) -> dict[str, Any]:
    """NGFF 0.5 multiscales entry with one level; the translation is the ITK origin (z, y, x)."""
    axes = [{"name": a, "type": "space", "unit": "millimeter"} for a in "zyx"]
    transforms = [
        {"type": "scale", "scale": [float(v) for v in spacing]},
        {"type": "translation", "translation": [float(v) for v in origin[::-1]]},
    ]
    return {"name": name, "axes": axes, "datasets": [{"path": "0", "coordinateTransformations": transforms}]}


def _label_array(mask: np.ndarray) -> np.ndarray:
    """The mask as the smallest unsigned integer type holding its labels."""
    if mask.dtype == bool:
        return mask.astype(np.uint8)
    if not np.issubdtype(mask.dtype, np.integer):
        if not np.array_equal(mask, np.round(mask)):
            raise InvalidImageError(f"mask must hold integer labels, got {mask.dtype} values with fractions")
        mask = mask.astype(np.int64)
    lo, hi = (int(mask.min()), int(mask.max())) if mask.size else (0, 0)
    if lo < 0:
        raise InvalidImageError(f"mask labels must be >= 0, got {lo}")
    for dtype in (np.uint8, np.uint16, np.uint32):
        if hi <= np.iinfo(dtype).max:
            return mask.astype(dtype, copy=False)
    raise InvalidImageError(f"mask label {hi} is too large")


def _label_boxes(labels: np.ndarray) -> tuple[dict[str, list], dict[str, int]]:
    """Per non-zero label: half-open bounding box per axis (z, y, x) and voxel count."""
    lo, hi, counts = label_boxes(labels, int(labels.max()) if labels.size else 0)
    present = np.flatnonzero(counts[1:]) + 1
    boxes = {str(k): [[int(a), int(b) + 1] for a, b in zip(lo[k], hi[k])] for k in present}
    return boxes, {str(k): int(counts[k]) for k in present}


def _label_summaries(image: np.ndarray, labels: np.ndarray, boxes: dict[str, list], bits: bool) -> dict[str, dict]:
    """Per label: its 26-connected components and the (min, max) intensity inside it (QC flags)."""
    components, intensity = {}, {}
    for key, box in boxes.items():
        region = tuple(slice(a, b) for a, b in box)
        inside = label_mask(labels[region], int(key), bits)
        components[key] = int(ndimage.label(inside, structure=np.ones((3, 3, 3), bool))[1])
        values = image[region][inside]
        intensity[key] = [float(values.min()), float(values.max())]
    return {"components": components, "roi_intensity": intensity}


def _bit_boxes(bits: np.ndarray, n: int) -> tuple[dict[str, list], dict[str, int]]:
    """Per ROI k = 1..n held as bit k - 1: half-open bounding box per axis (z, y, x) and voxel count."""
    boxes: dict[str, list] = {}
    counts: dict[str, int] = {}
    for k in range(1, n + 1):
        inside = label_mask(bits, k, True)
        (box,) = ndimage.find_objects(inside.astype(np.uint8)) or [None]
        if box is not None:
            boxes[str(k)] = [[s.start, s.stop] for s in box]
            counts[str(k)] = int(np.count_nonzero(inside))
    return boxes, counts


def _whole_image_statistics(array: np.ndarray) -> dict[str, dict[str, float]]:
    """The attributes ``intensity`` (mean, min, max of every voxel) and ``normalisation`` (the mean and ITK's
    sample standard deviation, as ``StatisticsImageFilter`` gives them to PyRadiomics' ``normalize``, for
    normalising a crop as the whole image is normalised), from one pass (:mod:`radcore.kernels.summary`)."""
    n, lo, hi, total, squares = summary(array)
    mean = total / n
    sigma = math.sqrt(max(squares - total * total / n, 0.0) / (n - 1)) if n > 1 else 0.0
    return {"intensity": {"mean": mean, "min": lo, "max": hi}, "normalisation": {"mean": mean, "sigma": sigma}}
