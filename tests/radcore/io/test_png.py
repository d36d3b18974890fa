import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from radcore.io.png import encode_png


@pytest.mark.parametrize("shape", [(1, 1), (7, 13), (128, 301)])
def test_a_png_decodes_to_the_pixels_written(tmp_path, shape):
    rgb = np.random.default_rng(0).integers(0, 256, (*shape, 3)).astype(np.uint8)
    (tmp_path / "p.png").write_bytes(encode_png(rgb))
    with Image.open(tmp_path / "p.png") as picture:
        assert picture.mode == "RGB" and picture.size == (shape[1], shape[0])
        assert np.array_equal(np.asarray(picture), rgb)


def test_every_chunk_carries_its_length_and_crc():
    data = encode_png(np.full((4, 5, 3), 200, np.uint8))
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    kinds, at = [], 8
    while at < len(data):
        length = struct.unpack(">I", data[at:at + 4])[0]
        kind, body = data[at + 4:at + 8], data[at + 8:at + 8 + length]
        assert struct.unpack(">I", data[at + 8 + length:at + 12 + length])[0] == zlib.crc32(kind + body)
        kinds.append(kind)
        at += 12 + length
    assert kinds == [b"IHDR", b"IDAT", b"IEND"] and at == len(data)


def test_only_8_bit_rgb_is_accepted():
    with pytest.raises(ValueError, match="uint8"):
        encode_png(np.zeros((4, 4, 3), np.float64))
    with pytest.raises(ValueError, match="3"):
        encode_png(np.zeros((4, 4), np.uint8))
