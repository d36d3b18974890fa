import json

import pyarrow.parquet as pq
import pytest

from radcore.cli import main
from tests.reference import DIGITAL_PHANTOM


@pytest.fixture
def stat_config(tmp_path):
    p = tmp_path / "stat.yaml"
    p.write_text("families: [stat]\ndiscretisation:\n  method: none\n")
    return str(p)


@pytest.mark.parametrize("suffix", [".csv", ".json", ".parquet"])
def test_extract_writes_by_extension(tmp_path, stat_config, suffix):
    out = tmp_path / f"x{suffix}"
    img, msk = map(str, DIGITAL_PHANTOM)
    assert main(["extract", img, msk, "--config", stat_config, "--naming", "ibsi", "--out", str(out)]) == 0
    if suffix == ".csv":
        rows = dict(line.split(",") for line in out.read_text().splitlines()[1:])
        assert float(rows["stat_mean"]) == pytest.approx(2.1486, abs=1e-4)
    elif suffix == ".json":
        assert json.loads(out.read_text())["stat_mean"] == pytest.approx(2.1486, abs=1e-4)
    else:
        assert pq.read_table(out).column("stat_mean")[0].as_py() == pytest.approx(2.1486, abs=1e-4)


def test_extract_json_to_stdout(capsys, stat_config):
    img, msk = map(str, DIGITAL_PHANTOM)
    assert main(["extract", img, msk, "--config", stat_config]) == 0
    values = json.loads(capsys.readouterr().out)
    assert "original_stat_mean" in values


def test_bad_input_gives_named_error_and_exit_2(tmp_path, capsys, stat_config):
    img, msk = map(str, DIGITAL_PHANTOM)
    assert main(["extract", img, msk, "--config", stat_config, "--label", "7"]) == 2
    err = capsys.readouterr().err
    assert "LabelNotFoundError" in err and "label 7" in err
