import numpy as np

from radcore.preprocess.resegment import resegment
from radcore.settings import ResegmentationSettings


def test_range_is_closed_and_bounds_may_be_open():
    image = np.array([-600.0, -500.0, 0.0, 400.0, 401.0]).reshape(1, 1, 5)
    mask = np.ones_like(image, bool)
    out = resegment(image, mask, ResegmentationSettings(range=(-500, 400)))
    assert out.ravel().tolist() == [False, True, True, True, False]
    out = resegment(image, mask, ResegmentationSettings(range=(None, 0)))
    assert out.ravel().tolist() == [True, True, True, False, False]


def test_outliers_use_mean_and_population_sd_after_the_range():
    x = np.array([0.0] * 20 + [100.0, 5000.0])
    image = x.reshape(1, 1, -1)
    mask = np.ones_like(image, bool)
    out = resegment(image, mask, ResegmentationSettings(range=(None, 1000), outlier_sd=3.0))
    kept = x[out.ravel()]
    mu, sd = x[:21].mean(), x[:21].std()
    assert set(kept) == {v for v in x[:21] if mu - 3 * sd <= v <= mu + 3 * sd} == {0.0}


def test_voxels_outside_the_mask_stay_out():
    image = np.zeros((2, 2, 2))
    mask = np.zeros_like(image, bool)
    mask[0, 0, 0] = True
    out = resegment(image, mask, ResegmentationSettings(range=(-1, 1), outlier_sd=2.0))
    assert out.sum() == 1 and out[0, 0, 0]
