"""radcore.kernels.labels.label_box and label_boxes against np.argwhere."""

import numpy as np
import pytest

from radcore.kernels.labels import label_box, label_boxes

SHAPES = [(1, 1, 1), (1, 5, 6), (3, 4, 5), (4, 1, 3), (6, 7, 8)]


def reference_box(labels, label):
    idx = np.argwhere(labels == label)
    if idx.size == 0:
        return None, 0
    return (idx.min(axis=0), idx.max(axis=0)), len(idx)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("dtype", [np.uint8, np.int16, np.uint32, np.int64])
def test_label_box_matches_reference(shape, dtype):
    rng = np.random.default_rng(sum(shape))
    labels = rng.integers(0, 3, size=shape).astype(dtype)
    for label in (0, 1, 2, 5):
        lo, hi, count = label_box(labels, label)
        box, want = reference_box(labels, label)
        assert count == want
        if box is None:
            assert np.all(lo > hi)
        else:
            np.testing.assert_array_equal(lo, box[0])
            np.testing.assert_array_equal(hi, box[1])


def test_label_box_border_flat_and_out_of_range():
    labels = np.zeros((4, 5, 6), np.uint8)
    labels[3, 0, 5] = 1  # a corner voxel
    labels[3, 4, 0] = 1
    lo, hi, count = label_box(labels, 1)
    assert count == 2 and lo.tolist() == [3, 0, 0] and hi.tolist() == [3, 4, 5]
    assert label_box(labels, 300)[2] == 0  # not representable in uint8: absent
    with pytest.raises(ValueError):
        label_box(labels.astype(float), 1)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.uint32])
def test_label_boxes_match_reference_for_every_label(shape, dtype):
    rng = np.random.default_rng(7 + sum(shape))
    labels = rng.choice(np.array([0, 1, 2, 9], dtype), size=shape)
    lo, hi, count = label_boxes(labels, 10)
    assert count[0] == np.count_nonzero(labels == 0)  # the background: its count, no box
    for label in range(1, 11):
        box, want = reference_box(labels, label)
        assert count[label] == want
        if box is None:
            assert np.all(lo[label] > hi[label])
        else:
            np.testing.assert_array_equal(lo[label], box[0])
            np.testing.assert_array_equal(hi[label], box[1])
    with pytest.raises(ValueError):
        label_boxes(labels.astype(np.int16), 10)
