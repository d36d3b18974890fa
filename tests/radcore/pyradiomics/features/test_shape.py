import numpy as np
import pytest

from radcore.pyradiomics.features import shape
from radcore.pyradiomics.inputs import ClassInputs
from radcore.pyradiomics.settings import PyRadiomicsSetting


def inputs(mask, spacing=(1.0, 1.0, 1.0)):
    mask = np.asarray(mask, bool)
    lv = mask.astype(np.int32)
    return ClassInputs(lv.astype(float), mask, mask, lv, 1, spacing)


def test_single_voxel():
    out = shape.compute(inputs(np.ones((1, 1, 1))), PyRadiomicsSetting(), None)
    assert out["MeshVolume"] == pytest.approx(1 / 6)
    assert out["VoxelVolume"] == 1.0
    assert out["Maximum3DDiameter"] == pytest.approx(1.0)  # between opposite face centres
    assert out["MajorAxisLength"] == 0.0


def test_bar_axes_and_diameters():
    out = shape.compute(inputs(np.ones((1, 1, 4)), (3.0, 1.0, 2.0)), PyRadiomicsSetting(), None)
    # x positions 0, 2, 4, 6 mm: variance 5 -> major axis 4 sqrt(5)
    assert out["MajorAxisLength"] == pytest.approx(4 * np.sqrt(5))
    assert out["Maximum3DDiameter"] == pytest.approx(8.0)
    assert out["Maximum2DDiameterSlice"] == pytest.approx(8.0)
    assert out["Elongation"] == 0.0


def test_deprecated_features_only_on_request():
    out = shape.compute(inputs(np.ones((2, 2, 2))), PyRadiomicsSetting(), ("Compactness2", "Sphericity"))
    assert out["Compactness2"] == pytest.approx(out["Sphericity"] ** 3)
