"""The documentation site built once per session, as CI builds it: ``sphinx -W`` (warnings are errors)."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"


def sphinx_build(out: Path) -> subprocess.CompletedProcess:
    """``python -m sphinx -W --keep-going -E -b html docs OUT`` in a fresh process."""
    return subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-E", "-q", "-b", "html", str(DOCS), str(out)],
        capture_output=True, text=True, cwd=ROOT, timeout=600, check=False,
    )


def require_sphinx() -> None:
    """Skip without Sphinx on a developer's machine; fail in CI (``CI`` set), which installs the docs extra."""
    missing = [name for name in ("sphinx", "myst_parser") if importlib.util.find_spec(name) is None]
    if not missing:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{', '.join(missing)} not installed in CI: .ci/run installs the docs extra (pip install -e '.[docs]')")
    pytest.skip(f"{', '.join(missing)} not installed (pip install -e '.[docs]'); CI builds the docs")


@pytest.fixture(scope="session")
def site(tmp_path_factory) -> Path:
    """The built HTML site (its folder); the build must pass with warnings as errors."""
    require_sphinx()
    out = tmp_path_factory.mktemp("docs-html")
    result = sphinx_build(out)
    assert result.returncode == 0, f"sphinx -W failed:\n{result.stderr[-6000:]}{result.stdout[-2000:]}"
    return out
