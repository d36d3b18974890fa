"""Checks that an input file is whole before its voxels are trusted.

SimpleITK reads some damaged files without a word (measured with SimpleITK 2.5): a ``.nii.gz`` cut short
reads as a full image with the missing part zero-filled, an uncompressed ``.nii`` cut short likewise, and
its NIfTI reader turns NaN and Inf voxels into 0. A feature computed from such an image is an invented
number. :func:`check_nifti` therefore reads a NIfTI file once, end to end, before SimpleITK does (and can
hand SimpleITK the decompressed copy, so a ``.nii.gz`` is decompressed once):

- a gzip stream must be complete (end-of-stream marker present) and its CRC-32 and length must match;
- the data must be as long as the header declares (``vox_offset`` + voxels x ``bitpix`` / 8);
- a floating-point image must hold finite voxels only (NaN and Inf are found here, where SimpleITK's
  NIfTI reader would hide them).

Other formats keep their non-finite voxels when read (NRRD, MetaImage); :func:`check_finite` looks at
the image SimpleITK returns, whatever its format.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path
from typing import BinaryIO, Iterator

import numpy as np
import SimpleITK as sitk

from radcore.errors import DamagedFileError, NonFiniteImageError

_CHUNK = 1 << 22
GZIP_MAGIC = b"\x1f\x8b"
#: zlib's window bits for a gzip stream (header and trailer checked)
_GZIP_WBITS = 16 + zlib.MAX_WBITS
#: NIfTI datatype code -> numpy type of one value (complex types as pairs of floats)
_FLOAT_TYPES = {16: "f4", 64: "f8", 32: "f4", 1792: "f8"}
_FLOAT_PIXELS = {
    sitk.sitkFloat32, sitk.sitkFloat64, sitk.sitkVectorFloat32, sitk.sitkVectorFloat64,
    sitk.sitkComplexFloat32, sitk.sitkComplexFloat64,
}


def is_nifti(path: str | Path) -> bool:
    """Whether ``path`` names a single-file NIfTI image (``.nii`` or ``.nii.gz``)."""
    name = str(path).lower()
    return name.endswith(".nii") or name.endswith(".nii.gz")


def check_nifti(path: str | Path, what: str = "image", sink: BinaryIO | None = None) -> None:
    """Raise :class:`DamagedFileError` or :class:`NonFiniteImageError` unless the NIfTI file is whole.

    ``sink``, a binary file, receives the file's bytes as they are checked, decompressed: a reader can
    then take that copy, and a ``.nii.gz`` is decompressed once (:func:`radcore.io.images.read_image`).
    A file whose header cannot be parsed is left to the reader, which reports it.
    """
    path = Path(path)
    with path.open("rb") as fh:
        compressed = fh.read(2) == GZIP_MAGIC
        fh.seek(0)
        blocks = _gzip_blocks(fh) if compressed else iter(lambda: fh.read(_CHUNK), b"")
        try:
            _scan(blocks, path, what, sink)
        except EOFError as exc:
            raise DamagedFileError(f"{what} {str(path)!r} is damaged: the gzip stream ends early (file truncated?)") \
                from exc
        except zlib.error as exc:
            raise DamagedFileError(f"{what} {str(path)!r} is damaged: CRC check failed or data corrupt ({exc})") \
                from exc


def is_gzip(path: str | Path) -> bool:
    """Whether the file at ``path`` starts as a gzip stream."""
    with Path(path).open("rb") as fh:
        return fh.read(2) == GZIP_MAGIC


def _gzip_blocks(fh: BinaryIO) -> Iterator[bytes]:
    """The decompressed content of the gzip file ``fh`` in blocks of at most :data:`_CHUNK` bytes. zlib
    checks each member's CRC-32 and length (``zlib.error`` when one fails); members may follow each other,
    zero bytes may pad the end; ``EOFError`` when the stream ends early."""
    inflater, data = zlib.decompressobj(_GZIP_WBITS), b""
    while True:
        if not data:
            data = fh.read(_CHUNK)
            if not data:
                if inflater.eof:
                    return
                raise EOFError("the gzip stream ends early")
        if inflater.eof:  # a member ended: another follows, or padding
            if data.startswith(GZIP_MAGIC[:1]):
                inflater = zlib.decompressobj(_GZIP_WBITS)
            elif not data.strip(b"\0"):
                data = b""
                continue
            else:
                raise zlib.error("bytes that are not gzip follow the stream")
        block = inflater.decompress(data, _CHUNK)
        data = inflater.unused_data if inflater.eof else inflater.unconsumed_tail
        if block:
            yield block


def _scan(blocks: Iterator[bytes], path: Path, what: str, sink: BinaryIO | None) -> None:
    blocks = _passed_to(blocks, sink)
    head = b""
    for block in blocks:
        head += block
        if len(head) >= 540:
            break
    layout = _layout(head[:540])
    if layout is None:
        for _ in blocks:  # the rest still goes to the sink, and a gzip stream is still checked
            pass
        return
    offset, n_bytes, value_type = layout
    seen, rest = 0, b""
    for block in _data_blocks(blocks, head, offset):
        if value_type is not None and seen < n_bytes:
            rest = _check_finite_bytes(rest + block[: n_bytes - seen], value_type, path, what)
        seen += len(block)
    if seen < n_bytes:
        raise DamagedFileError(
            f"{what} {str(path)!r} is damaged: the header declares {n_bytes} bytes of voxel data, "
            f"the file holds {seen} (file truncated?)"
        )


def _passed_to(blocks: Iterator[bytes], sink: BinaryIO | None) -> Iterator[bytes]:
    """``blocks``, each written to ``sink`` (when given) as it goes by."""
    for block in blocks:
        if sink is not None:
            sink.write(block)
        yield block


def _data_blocks(blocks: Iterator[bytes], head: bytes, offset: int) -> Iterator[bytes]:
    """The bytes of the file from ``offset`` on, in blocks (``head``: what was read of it already)."""
    if len(head) > offset:
        yield head[offset:]
    skip = max(0, offset - len(head))
    for block in blocks:
        if skip:
            cut = min(skip, len(block))
            block, skip = block[cut:], skip - cut
        if block:
            yield block


def _check_finite_bytes(data: bytes, value_type: np.dtype, path: Path, what: str) -> bytes:
    """Raise when ``data`` holds a non-finite value; returns the bytes of an incomplete last value."""
    whole = len(data) - len(data) % value_type.itemsize
    values = np.frombuffer(data[:whole], dtype=value_type)
    if not np.isfinite(values).all():
        bad = int(np.count_nonzero(~np.isfinite(values)))
        raise NonFiniteImageError(
            f"{what} {str(path)!r} holds non-finite voxels (NaN or Inf; {bad} or more); SimpleITK's NIfTI "
            "reader would turn them into 0"
        )
    return data[whole:]


def _layout(head: bytes) -> tuple[int, int, np.dtype | None] | None:
    """(data offset, data bytes, float value type to check or None) from a NIfTI-1 or NIfTI-2 header."""
    if len(head) < 348:
        return None
    for order in "<>":
        size = struct.unpack(order + "i", head[:4])[0]
        if size == 348:
            dims = struct.unpack(order + "8h", head[40:56])
            datatype, bitpix = struct.unpack(order + "2h", head[70:74])
            offset = int(struct.unpack(order + "f", head[108:112])[0])
            break
        if size == 540 and len(head) == 540:
            datatype, bitpix = struct.unpack(order + "2h", head[12:16])
            dims = struct.unpack(order + "8q", head[16:80])
            offset = int(struct.unpack(order + "q", head[168:176])[0])
            break
    else:
        return None
    n_dims = int(dims[0])
    if not 1 <= n_dims <= 7 or bitpix <= 0 or bitpix % 8:
        return None
    n_voxels = 1
    for d in dims[1 : n_dims + 1]:
        n_voxels *= max(int(d), 1)
    offset = max(offset, size + 4 if size == 348 else size)
    value = _FLOAT_TYPES.get(int(datatype))
    return offset, n_voxels * (bitpix // 8), np.dtype(order + value) if value else None


def check_finite(image: sitk.Image, what: str = "image", source: str | None = None) -> None:
    """Raise :class:`NonFiniteImageError` when a floating-point ``image`` holds NaN or Inf voxels."""
    if image.GetPixelID() not in _FLOAT_PIXELS:
        return
    values = sitk.GetArrayViewFromImage(image)
    if np.iscomplexobj(values):
        values = values.view(values.real.dtype)
    finite = np.isfinite(values)
    if not finite.all():
        where = f"{what} {source!r}" if source else what
        raise NonFiniteImageError(
            f"{where} holds {int(finite.size - np.count_nonzero(finite))} non-finite voxels (NaN or Inf)"
        )
