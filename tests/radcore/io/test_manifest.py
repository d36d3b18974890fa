import pytest

from radcore.errors import ManifestError
from radcore.io.manifest import CaseEntry, read_manifest, write_manifest


def _write(tmp_path, text):
    path = tmp_path / "m.csv"
    path.write_text(text)
    return path


def test_native_manifest_with_labels_and_metadata(tmp_path):
    path = _write(tmp_path, "case_id,image,mask,label,site\na,img/a.nii,msk/a.nii,1,X\na,img/a.nii,msk/a.nii,2,X\n"
                            "b,/abs/b.nrrd,/abs/b_m.nrrd,,Y\n")
    a, b = read_manifest(path).entries
    assert a.case_id == "a" and a.labels == (1, 2) and a.metadata == {"site": "X"}
    assert a.image == str(tmp_path / "img" / "a.nii")  # relative to the manifest
    assert b.labels is None and b.image == "/abs/b.nrrd"


def test_pyradiomics_batch_csv(tmp_path):
    path = _write(tmp_path, "ID,Image,Mask,Label,age\np1,/d/brain1_image.nrrd,/d/brain1_label.nrrd,1,60\n"
                            ",/d/brain2_image.nrrd,/d/brain2_label.nrrd,,70\n")
    p1, p2 = read_manifest(path).entries
    assert p1.case_id == "p1" and p1.labels == (1,) and p1.metadata == {"age": "60"}
    assert p2.case_id == "brain2_image"


def test_round_trip(tmp_path):
    entries = [CaseEntry("a", "/x/a.nii", "/x/am.nii", (1, 3), {"site": "1"}), CaseEntry("b", "/x/b.nii", "/x/bm.nii")]
    write_manifest(entries, tmp_path / "m.csv")
    got = read_manifest(tmp_path / "m.csv").entries
    assert got[0] == entries[0]
    assert got[1].labels is None and got[1].metadata == {"site": ""}


@pytest.mark.parametrize(
    "text, match",
    [
        ("id,img,msk\na,b,c\n", "expected columns case_id,image,mask"),
        ("case_id,image,mask\n", "holds no case"),
        ("case_id,image,mask\na,i.nii,m.nii\na,i.nii,m.nii\n", "row 3: case 'a' with no label appears twice"),
        ("case_id,image,mask\na,i.nii,m.nii\na,j.nii,m.nii\n", "row 3: case 'a' appears again with a different"),
        ("case_id,image,mask,label\na,i.nii,m.nii,all\na,i.nii,m.nii,2\n", "row 3: case 'a' has label 'all'"),
    ],
)
def test_errors_name_the_row(tmp_path, text, match):
    with pytest.raises(ManifestError, match=match):
        read_manifest(_write(tmp_path, text))


def test_missing_manifest(tmp_path):
    with pytest.raises(ManifestError, match="does not exist"):
        read_manifest(tmp_path / "nope.csv")


def test_rows_that_cannot_run_are_problems_and_the_rest_runs(tmp_path):
    text = ("case_id,image,mask,label\n"
            "good,i.nii,m.nii,1\n"
            "bad label,i.nii,m.nii,one\n"
            ",i.nii,m.nii,\n"
            "no image,,m.nii,\n"
            "short row,i.nii\n"
            "every,e.nii,em.nii,ALL\n")
    manifest = read_manifest(_write(tmp_path, text))
    assert [(e.case_id, e.labels) for e in manifest.entries] == [("good", (1,)), ("every", "all")]
    got = {(p.row, p.case_id): p.reason for p in manifest.problems}
    assert set(got) == {(3, "bad label"), (4, ""), (5, "no image"), (6, "short row")}
    assert "m.csv row 3: label must be an integer or 'all', got 'one'" == got[(3, "bad label")]
    assert "case id is empty" in got[(4, "")]
    assert "image and mask must both be given" in got[(5, "no image")]
    assert "image and mask must both be given" in got[(6, "short row")]


@pytest.mark.parametrize("case_id", ["a b", "../up", ".hidden", "x/y\\z", "comma, inside", "ünïcødé 病例", "  padded ", ".."])
def test_case_ids_are_kept_verbatim(tmp_path, case_id):
    write_manifest([CaseEntry(case_id, "/x/a.nii", "/x/m.nii")], tmp_path / "m.csv")
    (entry,) = read_manifest(tmp_path / "m.csv").entries
    assert entry.case_id == case_id


def test_a_manifest_at_a_url_resolves_its_relative_rows_against_its_url(s3, tmp_path):
    s3.fs.pipe_file(f"{s3.name}/study/cases.csv", (
        "case_id,image,mask\n"
        "a,ct/a.nii.gz,../masks/a.nii.gz\n"
        f"b,s3://other-bucket/b.nrrd,{tmp_path}/b_mask.nrrd\n"
        "c,gs://lab/c/,file:///data/c_mask.mha\n").encode())
    entries = read_manifest(s3.url("study", "cases.csv")).entries
    assert [(e.image, e.mask) for e in entries] == [
        (s3.url("study", "ct", "a.nii.gz"), s3.url("masks", "a.nii.gz")),
        ("s3://other-bucket/b.nrrd", f"{tmp_path}/b_mask.nrrd"),  # URLs and absolute paths as they are
        ("gs://lab/c/", "/data/c_mask.mha"),
    ]
    with pytest.raises(ManifestError, match=rf"^manifest {s3.url('study', 'none.csv')!r} does not exist"):
        read_manifest(s3.url("study", "none.csv"))


def test_a_local_manifest_may_name_images_by_url(tmp_path):
    (tmp_path / "m.csv").write_text("case_id,image,mask\na,s3://lab/a.nii.gz,a_mask.nii.gz\n")
    [entry] = read_manifest(f"file://{tmp_path}/m.csv").entries
    assert (entry.image, entry.mask) == ("s3://lab/a.nii.gz", str(tmp_path / "a_mask.nii.gz"))
