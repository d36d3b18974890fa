"""The README's cohort and query, run as written against the session's Prefect test server."""

from __future__ import annotations

from radcore.cli import main
from tests.readme import blocks, commands, run_python, workspace

NO_FIXED_PORT = ["--dashboard", "127.0.0.1:0"]  # tests never take a fixed port


def test_the_readme_cohort_then_its_query(cli_env, tmp_path, monkeypatch, capsys):
    folder = workspace(tmp_path / "work")
    (command,) = commands("radcore run")
    monkeypatch.chdir(folder)
    assert main(command[1:] + NO_FIXED_PORT) == 0
    assert "2 rows written, 0 failed" in capsys.readouterr().out

    (query,) = [b for b in blocks("python") if "duckdb" in b]
    run_python(query, folder, monkeypatch)
    shown = capsys.readouterr().out
    assert "p001" in shown and "p002" in shown and "original_morph_volume" in shown
