"""IBSI-2 phase 2: the 18 configurations of configs/ibsi2/phase2 on the CT radiomics phantom.

The consensus reference values are withheld (they are checked outside the repository), so this test
checks that every configuration runs through ``radcore.extract`` and gives the 18 intensity statistics,
finite, under their IBSI tags; and, for one configuration, that the values are those of the whole image
filtered independently (scipy.ndimage) and summarised with NumPy.
"""

from pathlib import Path

import numpy as np
import pytest
import SimpleITK as sitk
from scipy import ndimage

import radcore
from tests.reference import CT_PHANTOM

CONFIGS = Path(__file__).parents[1] / "configs" / "ibsi2" / "phase2"
IDS = [f"{n}{d}" for n in range(1, 10) for d in "AB"]
STAT_TAGS = ("mean", "var", "skew", "kurt", "median", "min", "p10", "p90", "max", "iqr", "range", "mad", "rmad",
             "medad", "cov", "qcod", "energy", "rms")


def test_the_18_configs_are_there():
    assert sorted(p.stem for p in CONFIGS.glob("*.yaml")) == sorted(IDS)


@pytest.mark.parametrize("config_id", IDS)
def test_phase2_config_gives_the_18_statistics(config_id):
    values = radcore.extract(*CT_PHANTOM, config=CONFIGS / f"{config_id}.yaml", naming="ibsi")
    assert len(values) == 18
    for tag in STAT_TAGS:
        (column,) = [c for c in values if c == f"stat_{tag}" or c.endswith(f"_stat_{tag}")]  # filter first
        assert np.isfinite(values[column]), column


def test_2a_is_the_mean_filter_of_the_whole_image():
    image = sitk.GetArrayFromImage(sitk.ReadImage(str(CT_PHANTOM[0]))).astype(np.float64)
    mask = sitk.GetArrayFromImage(sitk.ReadImage(str(CT_PHANTOM[1]))) > 0
    mask &= (image >= -1000) & (image <= 400)
    response = ndimage.uniform_filter(image, (1, 5, 5), mode="reflect")[mask]  # IBSI mirror = scipy reflect
    values = radcore.extract(*CT_PHANTOM, config=CONFIGS / "2A.yaml")
    assert values["mean_5_2d_stat_mean"] == pytest.approx(response.mean(), rel=1e-10)
    assert values["mean_5_2d_stat_variance"] == pytest.approx(response.var(), rel=1e-10)
    assert values["mean_5_2d_stat_p90"] == pytest.approx(np.percentile(response, 90), rel=1e-10)
    assert values["mean_5_2d_stat_energy"] == pytest.approx((response**2).sum(), rel=1e-10)
