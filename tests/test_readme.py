"""The README's commands and examples, run as written (its cohort and query: tests/flows/test_readme_cohort.py)."""

from __future__ import annotations

import csv
import re

import radcore
from radcore.cli import main
from tests.readme import README, ROOT, blocks, commands, run_python, workspace


def test_the_readme_is_a_front_door():
    text = README.read_text(encoding="utf-8")
    assert len(text.splitlines()) < 200
    for heading in ("## First two commands", "## One case", "## One cohort", "## One query", "## Documentation"):
        assert heading in text


def test_the_two_commands_are_the_install_and_the_ci_test_command():
    first = blocks("bash")[0]
    assert 'pip install -e . && radcore demo' in first
    assert 'pip install -e ".[test]" && python3 -m pytest -q' in first
    assert "python3 -m pytest -q" in (ROOT / ".ci" / "run").read_text()


def test_every_relative_link_of_the_readme_exists():
    links = re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", README.read_text(encoding="utf-8"))
    local = [link for link in links if "://" not in link]
    assert any(link.startswith("docs/") for link in local)
    assert [link for link in local if not (ROOT / link).exists()] == []


def test_the_extract_commands_write_their_csv(tmp_path, monkeypatch):
    folder = workspace(tmp_path / "work")
    ibsi, pyradiomics = commands("radcore extract")
    monkeypatch.chdir(folder)
    written = []
    for command in (ibsi, pyradiomics):
        assert main(command[1:]) == 0  # the command after ``radcore``, as the console script passes it
        with (folder / command[command.index("--out") + 1]).open() as fh:
            written.append({row["feature"]: float(row["value"]) for row in csv.DictReader(fh)})
    assert written[0]["morph_volume"] > 0 and "cm_contrast_3D_avg" in written[0]
    assert written[1]["original_shape_MeshVolume"] > 0 and "wavelet-LLH_glcm_Contrast" in written[1]


def test_the_python_example_of_one_case_prints_its_features(tmp_path, monkeypatch, capsys):
    folder = workspace(tmp_path / "work")
    (block,) = [b for b in blocks("python") if "radcore.extract" in b]
    namespace = run_python(block, folder, monkeypatch)
    values = namespace["values"]
    assert values == radcore.extract(str(folder / "image.nii.gz"), str(folder / "mask.nii.gz"),
                                     config=str(ROOT / "configs" / "ibsi1" / "config_c.yaml"), naming="ibsi")
    printed = capsys.readouterr().out.split()
    assert float(printed[0]) == values["morph_volume"] and float(printed[1]) == values["cm_contrast_3D_avg"]
