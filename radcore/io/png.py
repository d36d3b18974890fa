"""A minimal PNG writer (8-bit RGB, no interlace) for the QC pictures, so that workers need no plotting
library: the signature, then the ``IHDR``, one ``IDAT`` (each row prefixed by filter type 0, the lot
deflated) and ``IEND`` chunks, each ``length + type + data + CRC-32(type + data)`` (PNG specification,
ISO/IEC 15948)."""

from __future__ import annotations

import struct
import zlib

import numpy as np

SIGNATURE = b"\x89PNG\r\n\x1a\n"


def encode_png(rgb: np.ndarray, level: int = 1) -> bytes:
    """The PNG bytes of an (height, width, 3) ``uint8`` array; ``level`` is zlib's compression level."""
    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
        raise ValueError(f"expected an (height, width, 3) uint8 array, got {rgb.shape} {rgb.dtype}")
    height, width = rgb.shape[:2]
    rows = np.zeros((height, 1 + 3 * width), np.uint8)  # column 0: filter type 0 (none)
    rows[:, 1:] = rgb.reshape(height, 3 * width)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8 bits, truecolour
    return SIGNATURE + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(rows.tobytes(), level)) \
        + _chunk(b"IEND", b"")


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
