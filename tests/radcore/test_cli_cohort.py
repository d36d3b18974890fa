"""The cohort commands' front door: a newcomer's mistakes get one line that names the problem, exit 2, and
create nothing (no dataset folder, no store, no Prefect server, no workers)."""

import os
from pathlib import Path

import pytest

from radcore.cli import main
from tests.cohort_cases import write_cohort

PARAMS = Path(__file__).parents[1] / "data" / "pyradiomics" / "Params.yaml"


def _run(argv: list[str], capsys) -> tuple[int, str, str]:
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse's errors
        code = exc.code
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _tree(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


@pytest.fixture
def cohort(tmp_path):
    manifest, _, _ = write_cohort(tmp_path / "in", 2, broken=False)
    return manifest


def _mistakes(tmp_path: Path, manifest: Path) -> dict[str, tuple[list[str], str]]:
    a_file = tmp_path / "results.csv"
    a_file.write_text("not a folder\n")
    wrong_columns = tmp_path / "wrong.csv"
    wrong_columns.write_text(manifest.read_text().replace("case_id,", "patient,", 1))
    no_rows = tmp_path / "empty.csv"
    no_rows.write_text("case_id,image,mask\n")
    unmapped = tmp_path / "unmapped.yaml"
    unmapped.write_text("families: [morph]\n")
    out = str(tmp_path / "out")
    return {
        "--out is a file": (["run", str(manifest), "--out", str(a_file)], "is a file"),
        "--out under a file": (["run", str(manifest), "--out", str(a_file / "sub")], "is a file"),
        "wrong columns": (["run", str(wrong_columns), "--out", out], "expected columns case_id,image,mask"),
        "a manifest without rows": (["run", str(no_rows), "--out", out], "holds no case"),
        "no such manifest": (["run", str(tmp_path / "nope.csv"), "--out", out], "does not exist"),
        "no such store": (["run", "--store", str(tmp_path / "nope.zarr"), "--out", out], "no cohort store"),
        "neither manifest nor store": (["run", "--out", out], "give a MANIFEST or --store"),
        "a blank --out": (["run", str(manifest), "--out", "   "], "--out '   ' is blank"),
        "deploy with a field the form lacks": (["deploy", "--pool", "p", "--param", "nope=1"],
                                               "give KEY=VALUE with KEY one of"),
        "deploy with a value of the wrong type": (["deploy", "--pool", "p", "--param", "workers=two"],
                                                  "--param 'workers=two': Input should be a valid integer"),
        "--workers 0": (["run", str(manifest), "--out", out, "--workers", "0"], "--workers: must be at least 1"),
        "--workers not a number": (["run", str(manifest), "--out", out, "--workers", "two"], "expected a whole number"),
        "--batch-size 0": (["run", str(manifest), "--out", out, "--batch-size", "0"], "must be at least 1"),
        "no such config": (["run", str(manifest), "--out", out, "--config", str(tmp_path / "nope.yaml")],
                           "nope.yaml"),
        "ibsi names for PyRadiomics params": (["run", str(manifest), "--out", out, "--config", str(PARAMS),
                                               "--naming", "ibsi"], "naming 'ibsi' needs IBSI definitions"),
        "a bad label": (["run", str(manifest), "--out", out, "--label", "one"], "expected an integer label"),
        "--maps with IBSI families without maps": (["run", str(manifest), "--out", out, "--config", str(unmapped),
                                                     "--maps"], "none of ['morph'] has maps"),
        "--map without --maps": (["run", str(manifest), "--out", out, "--config", str(PARAMS), "--map",
                                  "original_glcm_contrast"], "needs maps (--maps)"),
        "--map of a feature without a map": (["run", str(manifest), "--out", out, "--config", str(PARAMS), "--maps",
                                              "--map", "original_shape_sphericity"], "is not one of the maps"),
        "a bad scheduler": (["run", str(manifest), "--out", out, "--scheduler", "nowhere"],
                            "scheduler must be an address"),
        "demo --workers 0": (["demo", "--dir", str(tmp_path / "demo"), "--workers", "0"], "must be at least 1"),
        "demo --dir is a file": (["demo", "--dir", str(a_file)], "is a file"),
        "demo with no such config": (["demo", "--dir", str(tmp_path / "demo"), "--config", str(tmp_path / "x.yaml")],
                                     "x.yaml"),
        "ingest of a manifest with wrong columns": (["ingest", str(wrong_columns), "--store",
                                                     str(tmp_path / "s.zarr")], "expected columns"),
        "extract --out with an unknown extension": (["extract", str(manifest), str(manifest), "--out", "x.txt"],
                                                    "must end in .csv, .json or .parquet"),
    }


def test_each_mistake_is_one_line_exit_2_and_creates_nothing(tmp_path, cohort, capsys):
    home = Path(os.environ["RADCORE_HOME"])
    home_before = _tree(home) if home.exists() else set()
    for name, (argv, expected) in _mistakes(tmp_path, cohort).items():
        before = _tree(tmp_path)
        code, out, err = _run(argv, capsys)
        lines = [line for line in err.splitlines() if line.strip()]
        assert code == 2, (name, code, err)
        assert len(lines) == 1 and expected in lines[0], (name, err)
        assert out == "", (name, out)
        assert _tree(tmp_path) == before, (name, _tree(tmp_path) - before)
    assert (_tree(home) if home.exists() else set()) == home_before  # no Prefect server, no kept workers
