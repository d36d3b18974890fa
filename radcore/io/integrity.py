"""Checks that an input file is whole before its voxels are trusted.

SimpleITK reads some damaged files without a word (measured with SimpleITK 2.5): a ``.nii.gz`` cut short
reads as a full image with the missing part zero-filled, an uncompressed ``.nii`` cut short likewise, and
its NIfTI reader turns NaN and Inf voxels into 0. A feature computed from such an image is an invented
number. :func:`check_nifti` therefore reads a NIfTI file once, end to end, before SimpleITK does (and can
hand SimpleITK the decompressed copy, so a ``.nii.gz`` is decompressed once); :func:`decode_nifti` keeps
the voxel data it checked, so a plain NIfTI needs no second reader at all
(:func:`radcore.io.images.read_volume`):

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
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Iterator

import numpy as np
import SimpleITK as sitk

try:  # ISA-L's inflate: the same streams and checks as zlib's, 1.7x as fast on CT volumes
    from isal import isal_zlib as _inflate
except ImportError:  # pragma: no cover - a platform without its wheel
    _inflate = zlib

from radcore.errors import DamagedFileError, NonFiniteImageError

_CHUNK = 1 << 22
GZIP_MAGIC = b"\x1f\x8b"
#: zlib's window bits for a gzip stream (header and trailer checked)
_GZIP_WBITS = 16 + zlib.MAX_WBITS
#: NIfTI datatype code -> numpy type of one value (complex types as pairs of floats)
_FLOAT_TYPES = {16: "f4", 64: "f8", 32: "f4", 1792: "f8"}
#: NIfTI datatype code -> numpy type of a voxel, for the scalar types an array can hold as they are stored
_SCALAR_TYPES = {2: "u1", 4: "i2", 8: "i4", 16: "f4", 64: "f8", 256: "i1", 512: "u2", 768: "u4", 1024: "i8",
                 1280: "u8"}
_INFLATE_ERRORS = (zlib.error, _inflate.error)
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
    _read_checked(Path(path), what, sink, keep=False)


@dataclass(frozen=True)
class NiftiLayout:
    """Where a NIfTI file's voxels are and what they are, from its header."""

    #: bytes before the voxel data (``vox_offset``) and bytes of voxel data the header declares
    offset: int
    n_bytes: int
    #: the voxel type, byte order included, when a scalar type numpy holds as stored; else None
    dtype: np.dtype | None
    #: whether ``scl_slope`` and ``scl_inter`` change the stored values (a reader rescales them)
    scaled: bool
    #: the type whose values must be finite (floating-point data), else None
    float_type: np.dtype | None = None


def decode_nifti(path: str | Path, what: str = "image") -> tuple[np.ndarray, NiftiLayout] | None:
    """The voxel data of a NIfTI file as bytes (a ``uint8`` array of ``layout.n_bytes``) with its header's
    layout, checked as :func:`check_nifti` checks; None for a header this module cannot parse."""
    return _read_checked(Path(path), what, None, keep=True)


def _read_checked(path: Path, what: str, sink: BinaryIO | None, keep: bool):
    with path.open("rb") as fh:
        compressed = fh.read(2) == GZIP_MAGIC
        fh.seek(0)
        blocks = _gzip_blocks(fh) if compressed else iter(lambda: fh.read(_CHUNK), b"")
        try:
            return _scan(blocks, path, what, sink, keep)
        except EOFError as exc:
            raise DamagedFileError(f"{what} {str(path)!r} is damaged: the gzip stream ends early (file truncated?)") \
                from exc
        except _INFLATE_ERRORS as exc:
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
    inflater, data = _inflate.decompressobj(_GZIP_WBITS), b""
    while True:
        if not data:
            data = fh.read(_CHUNK)
            if not data:
                if inflater.eof:
                    return
                raise EOFError("the gzip stream ends early")
        if inflater.eof:  # a member ended: another follows, or padding
            if data.startswith(GZIP_MAGIC[:1]):
                inflater = _inflate.decompressobj(_GZIP_WBITS)
            elif not data.strip(b"\0"):
                data = b""
                continue
            else:
                raise zlib.error("bytes that are not gzip follow the stream")
        block = inflater.decompress(data, _CHUNK)
        data = inflater.unused_data if inflater.eof else inflater.unconsumed_tail
        if block:
            yield block


def _scan(blocks: Iterator[bytes], path: Path, what: str, sink: BinaryIO | None, keep: bool = False):
    """Check the file whose content ``blocks`` gives; with ``keep``, (its voxel bytes, its layout)."""
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
        return None
    n_bytes, value_type = layout.n_bytes, layout.float_type
    data = np.empty(n_bytes, np.uint8) if keep else None
    seen, rest = 0, b""
    for block in _data_blocks(blocks, head, layout.offset):
        if seen < n_bytes:
            part = memoryview(block)[: n_bytes - seen]
            if value_type is not None:
                rest = _check_finite_bytes(rest + part if rest else part, value_type, path, what)
            if data is not None:
                data[seen : seen + len(part)] = np.frombuffer(part, np.uint8)
        seen += len(block)
    if seen < n_bytes:
        raise DamagedFileError(
            f"{what} {str(path)!r} is damaged: the header declares {n_bytes} bytes of voxel data, "
            f"the file holds {seen} (file truncated?)"
        )
    return (data, layout) if keep else None


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
    return bytes(data[whole:])


def _layout(head: bytes) -> NiftiLayout | None:
    """The layout of a NIfTI-1 or NIfTI-2 file from its header; None when it is not one."""
    if len(head) < 348:
        return None
    for order in "<>":
        size = struct.unpack(order + "i", head[:4])[0]
        if size == 348:
            dims = struct.unpack(order + "8h", head[40:56])
            datatype, bitpix = struct.unpack(order + "2h", head[70:74])
            offset = int(struct.unpack(order + "f", head[108:112])[0])
            slope, inter = struct.unpack(order + "2f", head[112:120])
            break
        if size == 540 and len(head) == 540:
            datatype, bitpix = struct.unpack(order + "2h", head[12:16])
            dims = struct.unpack(order + "8q", head[16:80])
            offset = int(struct.unpack(order + "q", head[168:176])[0])
            slope, inter = struct.unpack(order + "2d", head[176:192])
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
    value, scalar = _FLOAT_TYPES.get(int(datatype)), _SCALAR_TYPES.get(int(datatype))
    return NiftiLayout(
        offset, n_voxels * (bitpix // 8),
        dtype=np.dtype(order + scalar) if scalar and np.dtype(scalar).itemsize * 8 == bitpix else None,
        scaled=slope not in (0.0, 1.0) or inter != 0.0,  # NIfTI: a slope of 0 means no scaling
        float_type=np.dtype(order + value) if value else None,
    )


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
