"""The one crop helper: boxes grown by margins, clipped, whole axes, inner boxes and crop origins."""

from __future__ import annotations

import math

import numpy as np
import pytest

from radcore.crop import bounding_box, crop_origin, grown_box, inner_box, margin_voxels


def test_bounding_box_of_a_mask():
    mask = np.zeros((4, 5, 6), bool)
    mask[1, 2:4, 3] = True
    assert bounding_box(mask) == (slice(1, 2), slice(2, 4), slice(3, 4))


def test_margin_voxels_cover_the_margin_with_one_to_spare():
    assert margin_voxels(5.0, (2.0, 1.0, 0.5), (100, 100, 100)) == (4, 6, 11)
    assert margin_voxels(math.inf, (2.0, 1.0), (10, 30)) == (11, 31)


@pytest.mark.parametrize(
    ("box", "margins", "whole", "expected"),
    [
        ((slice(3, 5), slice(0, 2)), (1, 1), False, (slice(2, 6), slice(0, 3))),
        ((slice(3, 5), slice(0, 2)), (1, 1), True, (slice(2, 6), slice(0, 10))),
        ((slice(3, 5), slice(4, 6)), (9, 0), False, (slice(0, 8), slice(4, 6))),
    ],
)
def test_grown_box_clips_or_takes_the_whole_axis(box, margins, whole, expected):
    assert grown_box(box, margins, (8, 10), whole) == expected


def test_inner_box_and_origin_locate_the_crop():
    region, box = (slice(2, 9), slice(4, 7)), (slice(3, 5), slice(5, 6))
    assert inner_box(region, box) == (slice(1, 3), slice(1, 2))
    direction = (0.0, -1.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0)  # x and y swapped, one reversed
    got = crop_origin((10.0, 20.0, 30.0), (3.0, 2.0, 0.5), direction, (1, 2, 4))
    assert got == pytest.approx((10.0 - 2.0 * 2.0, 20.0 + 4 * 0.5, 30.0 + 1 * 3.0))
