"""radcore.report.cohort: which column is the volume, which the grouping."""

from pathlib import Path

import pandas as pd
import pytest

from radcore.errors import DatasetError
from radcore.io.read_dataset import DatasetContents
from radcore.report.cohort import assess, default_group, volume_column


def _contents(columns: dict, catalogue: list[tuple[str, str, str]] = ()) -> DatasetContents:
    frame = pd.DataFrame({"case_id": [f"c{i}" for i in range(6)], "label": [1] * 6, **columns})
    rows = pd.DataFrame([{"column": c, "image_type": "original", "family": fam, "feature": feat}
                         for c, fam, feat in catalogue], columns=["column", "image_type", "family", "feature"])
    return DatasetContents(Path("."), "h", frame, pd.DataFrame(columns=["case_id", "label", "settings_hash"]), rows)


@pytest.mark.parametrize("catalogue, expected", [
    ([("morph_vol_approx", "morph", "approximate_volume"), ("morph_volume", "morph", "volume")], "morph_volume"),
    ([("original_shape_VoxelVolume", "shape", "VoxelVolume"), ("original_shape_MeshVolume", "shape", "MeshVolume")],
     "original_shape_MeshVolume"),
    ([("original_glcm_Contrast", "glcm", "Contrast")], "qc_roi_voxels"),
])
def test_the_volume_is_found_through_the_catalogue_whatever_the_naming(catalogue, expected):
    columns = {c: [1.0] * 6 for c, _, _ in catalogue}
    assert volume_column(_contents({**columns, "qc_roi_voxels": [10] * 6}, catalogue)) == expected


def test_the_default_group_is_a_site_like_column_or_one_with_a_few_values():
    assert default_group(_contents({"Scanner": list("aabbcc"), "site": list("xxxyyy")})) == "site"
    assert default_group(_contents({"Scanner": list("aabbcc")})) == "Scanner"
    assert default_group(_contents({"patient": list("abcdef"), "arm": list("ababab")})) == "arm"
    assert default_group(_contents({"modality": ["CT"] * 6})) is None


def test_assess_refuses_an_unknown_group_and_works_without_one():
    contents = _contents({"f": [1.0, 2.0, 3.0, 4.0, 5.0, 60.0], "qc_flags": ["", "small_roi", "", "", "", ""]},
                         [("f", "stat", "mean")])
    with pytest.raises(DatasetError, match="metadata columns: none"):
        assess(contents, "site")
    a = assess(contents)
    assert a.group_column is None and a.shifts is None
    assert dict(zip(a.rows["case_id"], a.rows["flags"])) == {"c5": "outlier", "c1": "small_roi", "c0": "",
                                                              "c2": "", "c3": "", "c4": ""}
    assert list(a.rows["case_id"][:2]) == ["c5", "c1"]  # flagged first, the furthest out first


def test_routine_flags_leave_the_rows_and_an_unusual_resampling_is_flagged():
    """A 3.27 mm CT cohort resampled to 1 mm: the flag every case raises is named once, not per case; the
    case with 1.25 mm slices is the unusual one."""
    factors = [3.27, 3.27, 3.27, 3.27, 3.27, 1.25]
    flags = ["roi_at_border", "roi_at_border", "roi_at_border", "roi_at_border,small_roi", "", "roi_at_border"]
    contents = _contents({"f": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0], "qc_flags": flags, "qc_resampling_factor": factors},
                         [("f", "stat", "mean")])
    a = assess(contents)
    assert a.routine == {"roi_at_border": 5}
    assert dict(zip(a.rows["case_id"], a.rows["flags"])) == {"c0": "", "c1": "", "c2": "", "c3": "small_roi",
                                                              "c4": "", "c5": "resampling_unusual"}
    few = assess(DatasetContents(Path("."), "h", contents.features.head(3), contents.errors, contents.catalogue))
    # under MIN_CASES rows nothing is judged against the cohort: the rows keep their own flags
    assert few.routine == {} and list(few.rows.sort_values("position")["flags"]) == flags[:3]
