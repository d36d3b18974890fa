import math

import numpy as np
import pytest

import radcore
from radcore.features import local_intensity as li
from radcore.preprocess import PEAK_RADIUS_MM
from radcore.roi import RoiImage
from radcore.settings import Settings
from tests.reference import DIGITAL_PHANTOM, compare


def test_digital_phantom_matches_ibsi_reference():
    values = radcore.extract(
        *DIGITAL_PHANTOM, config={"families": ["local_intensity"], "discretisation": {"method": "none"}},
        naming="ibsi",
    )
    ok, bad = compare(values, "dig_phantom", prefix="loc_")
    assert not bad
    assert len(ok) == 2


def test_sphere_is_one_cubic_centimetre():
    assert 4.0 / 3.0 * math.pi * PEAK_RADIUS_MM**3 == pytest.approx(1000.0)
    rows = li.sphere_rows((0.5, 0.5, 0.5))
    n = int(np.sum(rows[:, 3] - rows[:, 2] + 1))
    assert n * 0.125 == pytest.approx(1000.0, rel=0.01)  # voxel count approximates the volume


def test_sphere_rows_count_voxel_centres_within_the_radius():
    spacing = (2.0, 0.8, 1.1)
    rows = li.sphere_rows(spacing, 3.0)
    grid = np.stack(np.meshgrid(*[np.arange(-5, 6)] * 3, indexing="ij"), -1) * spacing
    expected = int(np.sum(np.sqrt((grid**2).sum(-1)) <= 3.0))
    assert int(np.sum(rows[:, 3] - rows[:, 2] + 1)) == expected


def test_local_peak_takes_the_highest_sphere_among_tied_maxima():
    image = np.zeros((9, 9, 20))
    image[4, 4, 4] = 10.0  # a lone maximum
    image[4, 4, 15] = 10.0  # a maximum with bright neighbours outside the ROI
    image[4, 4, 16] = 8.0
    mask = np.zeros(image.shape, bool)
    mask[4, 4, [4, 15]] = True
    roi = RoiImage(image, mask, mask, (2.0, 2.0, 2.0))
    values = li.compute(roi, None, Settings())
    sphere = li.sphere_rows((2.0, 2.0, 2.0))
    n = int(np.sum(sphere[:, 3] - sphere[:, 2] + 1))  # 123 voxels, none clipped
    assert values[("peak_local", "")] == pytest.approx(18.0 / n)
    assert values[("peak_global", "")] == pytest.approx(18.0 / n)


def test_global_peak_can_sit_away_from_the_maximum():
    image = np.zeros((9, 9, 9))
    image[4, 4, 4] = 5.0
    image[1:3, 1:3, 1:3] = 4.0
    mask = np.zeros(image.shape, bool)
    mask[4, 4, 4] = mask[1, 1, 1] = True
    peaks = li.sphere_peaks(image, mask, (1.0, 1.0, 1.0), radius=1.5)
    assert li.local_peak(peaks) == pytest.approx(5.0 / 19)
    assert li.global_peak(peaks) > li.local_peak(peaks)
