"""Quality-control columns: recorded at ingest, written next to the features, raised where a case is suspect."""

import numpy as np
import pyarrow.parquet as pq
import pytest

from radcore.cohort.plan import CaseJob, plan_batches
from radcore.cohort.qc import QC_TYPES, qc_values, resampling_factor
from radcore.cohort.worker import JobSpec, run_batch
from radcore.io.dataset import partition
from radcore.io.images import Volume
from radcore.io.store import case_info, write_case
from radcore.settings import Settings, from_mapping, settings_hash

SPACING = (2.0, 1.0, 1.0)


def _case(store, case_id, mask, image=None, modality="CT"):
    shape = mask.shape
    image = np.full(shape, 40, np.int16) if image is None else image
    write_case(store, case_id, Volume(image, SPACING), Volume(mask.astype(np.uint8), SPACING), modality=modality)


def test_flags_point_at_suspect_cases(tmp_path):
    store = tmp_path / "s"
    good = np.zeros((10, 20, 20), bool)
    good[3:7, 5:15, 5:15] = True
    _case(store, "good", good)
    small = np.zeros((10, 20, 20), bool)
    small[0:2, 0:3, 0:3] = True  # 18 voxels on the border
    _case(store, "small", small)
    pieces = np.zeros((10, 20, 20), bool)
    pieces[4, 2:18:3, 2:18:3] = True  # 36 separate voxels
    _case(store, "pieces", pieces)
    hot = np.full((10, 20, 20), 40, np.int16)
    hot[5, 10, 10] = 5000
    _case(store, "hot", good, hot)
    _case(store, "mr", good, hot, modality="MR")
    values = {c: qc_values(case_info(store, c), 1, Settings()) for c in ("good", "small", "pieces", "hot", "mr")}
    assert values["good"]["qc_flags"] == "" and values["good"]["qc_roi_components"] == 1
    assert values["good"]["qc_roi_voxels"] == 400 and values["good"]["qc_resampling_factor"] == 1.0
    assert values["small"]["qc_flags"] == "small_roi,roi_at_border"
    assert values["pieces"]["qc_roi_components"] == 36 and "fragmented_roi" in values["pieces"]["qc_flags"]
    assert values["hot"]["qc_flags"] == "intensity_out_of_range"
    assert values["mr"]["qc_intensity_out_of_range"] is None  # no plausible range for MR
    assert set(values["good"]) == set(QC_TYPES)


def test_resampling_factor_for_either_convention():
    assert resampling_factor((5.0, 0.7, 0.7), (2.0, 2.0, 2.0)) == pytest.approx(2.857142857)
    assert resampling_factor((5.0, 0.5, 0.5), (1.0, 1.0, 1.0)) == 5.0
    assert resampling_factor((1.0, 1.0, 1.0), None) == 1.0
    far = from_mapping({"interpolation": {"spacing": [4.0, 4.0, 4.0]}})
    from radcore.io.config import settings_from_data

    pyrad = settings_from_data({"setting": {"resampledPixelSpacing": [0.25, 0.25, 1], "interpolator": "sitkBSpline"}})
    from radcore.cohort.qc import target_spacing

    assert target_spacing(far) == (4.0, 4.0, 4.0) and target_spacing(pyrad) == (0.25, 0.25, 1.0)


def test_a_routine_ct_resampled_to_1_mm_is_not_flagged_far(tmp_path):
    """3.27 mm slices of 0.7 mm pixels resampled to 1 mm (factor 3.27) are routine; 8 mm slices are not."""
    store = tmp_path / "s"
    mask = np.zeros((10, 20, 20), bool)
    mask[3:7, 5:15, 5:15] = True
    to_1mm = from_mapping({"interpolation": {"spacing": [1.0, 1.0, 1.0]}})
    for case_id, spacing in (("routine", (3.27, 0.7, 0.7)), ("thick", (8.0, 0.7, 0.7))):
        write_case(store, case_id, Volume(np.full(mask.shape, 40, np.int16), spacing),
                   Volume(mask.astype(np.uint8), spacing), modality="CT")
    routine = qc_values(case_info(store, "routine"), 1, to_1mm)
    thick = qc_values(case_info(store, "thick"), 1, to_1mm)
    assert routine["qc_resampling_factor"] == pytest.approx(3.27) and routine["qc_flags"] == ""
    assert thick["qc_resampling_factor"] == 8.0 and thick["qc_flags"] == "resampling_far"


def test_qc_columns_land_in_the_dataset(tmp_path):
    store = tmp_path / "s"
    mask = np.zeros((10, 20, 20), bool)
    mask[0:4, 5:15, 5:15] = True
    rng = np.random.default_rng(0)
    _case(store, "c", mask, rng.integers(-100, 100, mask.shape).astype(np.int16))
    settings = Settings(families=("stat",))
    h = settings_hash(settings)
    spec = JobSpec(str(store), str(tmp_path / "out"), settings, h)
    assert run_batch(plan_batches([CaseJob("c", (1,))], h, set(), 10)[0], spec).done == 1
    table = pq.read_table(partition(spec.dataset, "features", h))
    row = table.to_pylist()[0]
    assert row["qc_flags"] == "roi_at_border" and row["qc_roi_voxels"] == 400 and row["qc_roi_components"] == 1
    assert str(table.schema.field("qc_small_roi").type) == "bool"


def test_each_label_gets_a_picture_of_its_outline(tmp_path):
    import matplotlib.image

    store = tmp_path / "s"
    mask = np.zeros((12, 40, 40), np.uint8)
    mask[4:9, 10:25, 12:30] = 1
    mask[2:4, 30:35, 30:35] = 2
    image = np.random.default_rng(1).integers(-300, 300, mask.shape).astype(np.int16)
    write_case(store, "a/b c", Volume(image, SPACING), Volume(mask, SPACING), modality="CT")
    settings = Settings(families=("stat",))
    h = settings_hash(settings)
    spec = JobSpec(str(store), str(tmp_path / "out"), settings, h)
    assert run_batch(plan_batches([CaseJob("a/b c", (1, 2))], h, set(), 10)[0], spec).done == 2
    pictures = sorted(p.name for p in (tmp_path / "out" / "qc").iterdir())
    assert pictures == ["a~2Fb~20c_label1.png", "a~2Fb~20c_label2.png"]  # the id encoded, never a path
    rgb = matplotlib.image.imread(tmp_path / "out" / "qc" / pictures[0])
    assert rgb.shape[0] == 128 and rgb.shape[1] > 3 * 64
    red = (rgb[..., 0] > 0.9) & (rgb[..., 1] < 0.3)
    assert red.sum() > 50  # the outline is drawn
    off = JobSpec(str(store), str(tmp_path / "out2"), settings, h, qc_pictures=False)
    run_batch(plan_batches([CaseJob("a/b c", (1,))], h, set(), 10)[0], off)
    assert not (tmp_path / "out2" / "qc").exists()
