import pytest

from radcore.cohort.plan import CaseJob, auto_batch_size, cases_from_manifest, metadata_columns, plan_batches
from radcore.io.manifest import CaseEntry, read_manifest, write_manifest


def _jobs(n, labels=(1,)):
    return [CaseJob(f"c{i}", labels, None, {"site": "A"}) for i in range(n)]


def test_batches_skip_done_items_and_keep_cases_whole():
    jobs = _jobs(5, labels=(1, 2))
    batches = plan_batches(jobs, "h", done={("c0", 1), ("c0", 2), ("c1", 1)}, batch_size=3)
    assert [[(c.case_id, c.labels) for c in b.cases] for b in batches] == [
        [("c1", (2,)), ("c2", (1, 2))],
        [("c3", (1, 2)), ("c4", (1, 2))],
    ]
    assert sum(b.n_items for b in batches) == 7
    again = plan_batches(jobs, "h", done={("c0", 1), ("c0", 2), ("c1", 1)}, batch_size=3)
    assert [b.batch_id for b in again] == [b.batch_id for b in batches]  # a rerun names files the same
    assert plan_batches(jobs, "h", done={(f"c{i}", label) for i in range(5) for label in (1, 2)}, batch_size=3) == []
    with pytest.raises(ValueError, match="batch_size must be >= 1"):
        plan_batches(jobs, "h", set(), 0)


def test_auto_batch_size():
    assert auto_batch_size(10, 2) == 1
    assert auto_batch_size(1000, 2) == 32
    assert auto_batch_size(1_000_000, 8) == 100
    assert auto_batch_size(0, 2) == 1


def test_cases_from_manifest_default_label(tmp_path):
    write_manifest([CaseEntry("a", "/a.nii", "/am.nii", None, {"site": "1"}),
                    CaseEntry("b", "/b.nii", "/bm.nii", (2, 3), {"age": "4"})], tmp_path / "m.csv")
    jobs = cases_from_manifest(read_manifest(tmp_path / "m.csv"), default_label=7)
    assert [(j.case_id, j.labels) for j in jobs] == [("a", (7,)), ("b", (2, 3))]
    assert metadata_columns(jobs) == ("age", "site")
