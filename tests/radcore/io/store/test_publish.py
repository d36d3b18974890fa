import subprocess
import sys

import pytest

from radcore.errors import StoreError
from radcore.io.store import list_cases, write_case
from radcore.io.store.publish import remove_leftovers, temporary_name


def test_leftovers_of_a_killed_writer_are_removed(tmp_path, case):
    image, mask = case
    write_case(tmp_path / "s", "c1", image, mask)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    host = temporary_name().split("-")[1:-2]
    left = tmp_path / "s" / f".tmp-{'-'.join(host)}-{dead.stdout.strip()}-abcdef12"
    left.mkdir()
    alive = tmp_path / "s" / temporary_name()  # this process: still writing
    alive.mkdir()
    assert remove_leftovers(tmp_path / "s") == [left.name]
    assert alive.exists() and list_cases(tmp_path / "s") == ["c1"]
    assert remove_leftovers(tmp_path / "s", max_age_s=-1) == [alive.name]


def test_a_case_never_replaces_another_case_under_its_name(tmp_path, case):
    """On a case-insensitive file system 'Case1' and 'case1' would share a folder."""
    image, mask = case
    write_case(tmp_path / "s", "Case1", image, mask)
    (tmp_path / "s" / "Case1").rename(tmp_path / "s" / "case1")
    with pytest.raises(StoreError, match="holds case 'Case1', not 'case1'"):
        write_case(tmp_path / "s", "case1", image, mask)
    assert list_cases(tmp_path / "s") == ["Case1"]
