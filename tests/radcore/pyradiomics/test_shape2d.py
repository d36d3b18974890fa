"""PyRadiomics' shape2D class against values PyRadiomics 3.1 computed (tests/data/pyradiomics/shape2D)."""

import csv
import logging
from pathlib import Path

import numpy as np
import pytest
import SimpleITK as sitk

import radcore
from radcore.errors import FeatureError

DATA = Path(__file__).resolve().parents[2] / "data" / "pyradiomics"
REFERENCE = list(csv.DictReader((DATA / "shape2D" / "reference.csv").open()))


def _plane_mask(case: str, axis: int) -> tuple[sitk.Image, sitk.Image]:
    """The case's mask kept on its plane (normal to array ``axis``) with the most ROI voxels."""
    image, mask = (sitk.ReadImage(str(DATA / f"{case}_{kind}.nrrd")) for kind in ("image", "label"))
    labels = sitk.GetArrayFromImage(mask)
    per_plane = np.moveaxis(labels == 1, axis, 0).reshape(labels.shape[axis], -1).sum(axis=1)
    keep = np.zeros_like(labels)
    np.moveaxis(keep, axis, 0)[per_plane.argmax()] = np.moveaxis(labels, axis, 0)[per_plane.argmax()]
    plane = sitk.GetImageFromArray(keep)
    plane.CopyInformation(mask)
    return image, plane


def _params(axis: int) -> dict:
    names = [k for k in REFERENCE[0] if k not in ("case", "force2Ddimension")]
    return {"setting": {"force2D": True, "force2Ddimension": axis}, "featureClass": {"shape2D": names}}


@pytest.mark.parametrize("row", REFERENCE, ids=lambda r: f"{r['case']}-axis{r['force2Ddimension']}")
def test_shape2d_matches_pyradiomics(row):
    axis = int(row["force2Ddimension"])
    values = radcore.extract(*_plane_mask(row["case"], axis), config=_params(axis), naming="pyradiomics")
    for name, expected in row.items():
        if name in ("case", "force2Ddimension"):
            continue
        assert values[f"original_shape2D_{name}"] == pytest.approx(float(expected), rel=1e-9), name


def test_a_mask_thicker_than_one_voxel_fails_as_in_pyradiomics():
    image, mask = (sitk.ReadImage(str(DATA / f"brain1_{kind}.nrrd")) for kind in ("image", "label"))
    with pytest.raises(FeatureError, match="shape2D needs a mask one voxel thick along force2Ddimension 0"):
        radcore.extract(image, mask, config=_params(0))


def test_without_force2d_shape2d_is_not_computed():
    values = radcore.extract(*_plane_mask("breast1", 0), config={"featureClass": {"shape2D": None, "shape": None}})
    assert values and not [k for k in values if "_shape2d_" in k]


def test_agrees_with_pyradiomics_when_installed():
    featureextractor = pytest.importorskip("radiomics.featureextractor")
    import radiomics

    radiomics.setVerbosity(logging.ERROR)
    image, mask = _plane_mask("brain2", 0)
    ref = featureextractor.RadiomicsFeatureExtractor(_params(0)).execute(image, mask)
    mine = radcore.extract(image, mask, config=_params(0), naming="pyradiomics")
    shape2d = {k: float(v) for k, v in ref.items() if k.startswith("original_shape2D_")}
    assert len(shape2d) == 10
    for k, v in shape2d.items():
        assert mine[k] == pytest.approx(v, rel=1e-9), k
