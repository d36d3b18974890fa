"""Shards encoded in one pass are the files Zarr's own sharding codec reads (and would write)."""

from pathlib import Path

import numpy as np
import pytest
import zarr
from zarr.codecs import BloscCodec, ZstdCodec

from radcore.io.store.shards import encode_shards, shard_bytes

CASES = [
    ((70, 100, 90), np.int16, (64, 64, 64), (64, 128, 128)),  # edge chunks padded, a shard beyond the array
    ((5, 7, 9), np.uint8, (5, 7, 9), (5, 7, 9)),  # one chunk, one shard
    ((130, 200, 150), np.float32, (64, 64, 64), (64, 256, 192)),
    ((10, 20, 30), np.uint32, (4, 8, 8), (4, 24, 32)),
    ((9, 12, 12), np.float64, (4, 4, 4), (8, 8, 8)),  # inner chunks wholly outside the array
]


def _write_shards(folder: Path, array, data) -> None:
    for key, parts in encode_shards(array, data):
        (folder / key).parent.mkdir(parents=True, exist_ok=True)
        (folder / key).write_bytes(shard_bytes(parts))


def _array(folder, name, data, chunks, shards, compressor):
    group = zarr.open_group(str(folder), mode="a", zarr_format=3)
    return group.create_array(name, shape=data.shape, dtype=data.dtype, chunks=chunks, shards=shards,
                              compressors=compressor, config={"write_empty_chunks": True})


@pytest.mark.parametrize("shape, dtype, chunks, shards", CASES)
@pytest.mark.parametrize("shuffle", ["shuffle", "bitshuffle", "noshuffle"])
def test_shards_read_back_through_zarr_as_zarr_writes_them(tmp_path, shape, dtype, chunks, shards, shuffle):
    data = np.random.default_rng(sum(shape)).normal(0.0, 300.0, shape).astype(dtype)
    compressor = BloscCodec(cname="lz4", clevel=5, shuffle=shuffle)
    mine = _array(tmp_path, "mine", data, chunks, shards, compressor)
    _write_shards(tmp_path / "mine", mine, data)
    theirs = _array(tmp_path, "theirs", data, chunks, shards, compressor)
    theirs[...] = data
    read = zarr.open_array(str(tmp_path / "mine"), mode="r")
    assert np.array_equal(read[...], data)
    box = (slice(1, shape[0] - 1), slice(2, shape[1] // 2), slice(shape[2] // 3, shape[2]))
    assert np.array_equal(read[box], data[box])
    files = {p.relative_to(tmp_path / "mine") for p in (tmp_path / "mine").rglob("*") if p.is_file()}
    assert files == {p.relative_to(tmp_path / "theirs") for p in (tmp_path / "theirs").rglob("*") if p.is_file()}


def test_only_bytes_and_blosc_are_written_here(tmp_path):
    data = np.zeros((4, 4, 4), np.int16)
    array = _array(tmp_path, "zstd", data, (4, 4, 4), (4, 4, 4), ZstdCodec())
    with pytest.raises(ValueError, match="bytes \\+ blosc"):
        _write_shards(Path(tmp_path / "zstd"), array, data)


def test_chunks_of_fill_values_are_left_out_as_zarr_leaves_them_out(tmp_path):
    """A mask: most chunks hold only the fill value. Without ``write_empty_chunks`` they are absent from
    their shard's index and a shard with none is not written, file for file as Zarr writes them."""
    data = np.zeros((150, 100, 90), np.uint8)
    data[70:80, 10:70, 40:50] = 1  # 2 of 8 chunks of the second shard; the first and third shards empty
    data[149, 99, 89] = 7  # the far corner's edge chunk
    arrays = {}
    for name in ("mine", "theirs"):
        group = zarr.open_group(str(tmp_path), mode="a", zarr_format=3)
        arrays[name] = group.create_array(name, shape=data.shape, dtype=data.dtype, chunks=(64, 64, 64),
                                          shards=(64, 128, 128), compressors=BloscCodec(cname="lz4", clevel=5))
    _write_shards(tmp_path / "mine", arrays["mine"], data)
    arrays["theirs"][...] = data
    mine, theirs = ({p.relative_to(tmp_path / n): p.read_bytes() for p in (tmp_path / n / "c").rglob("*") if p.is_file()}
                    for n in ("mine", "theirs"))
    assert sorted(map(str, mine)) == ["c/1/0/0", "c/2/0/0"]
    assert mine == theirs
    assert np.array_equal(zarr.open_array(str(tmp_path / "mine"), mode="r")[...], data)


def test_a_masks_labelled_box_spares_reading_the_chunks_outside_it_and_changes_no_byte(tmp_path):
    data = np.zeros((150, 100, 90), np.uint8)
    data[70:80, 10:70, 40:50] = 1
    data[149, 99, 89] = 7
    group = zarr.open_group(str(tmp_path), mode="a", zarr_format=3)
    array = group.create_array("mask", shape=data.shape, dtype=data.dtype, chunks=(64, 64, 64),
                               shards=(64, 128, 128), compressors=BloscCodec(cname="lz4", clevel=5))
    whole = {key: shard_bytes(parts) for key, parts in encode_shards(array, data)}
    box = (slice(70, 150), slice(10, 100), slice(40, 90))  # the labelled voxels' bounding box
    assert {key: shard_bytes(parts) for key, parts in encode_shards(array, data, box)} == whole
    # the box is trusted: a chunk it misses is not read (a box that left out a label would lose it)
    assert sorted(dict(encode_shards(array, data, (slice(149, 150), slice(99, 100), slice(89, 90))))) == ["c/2/0/0"]
    assert not list(encode_shards(array, data, (slice(0, 0),) * 3))
