"""Importing is free: ``import radcore``, the settings and ``radcore --help`` load no numba, filter or
cohort machinery (each checked in a fresh interpreter)."""

import subprocess
import sys

import pytest

HEAVY = ("numba", "SimpleITK", "scipy", "radcore.filters", "radcore.kernels", "prefect", "dask")


def _loaded(code: str) -> list[str]:
    """The modules of HEAVY that a fresh interpreter has loaded after running ``code``."""
    check = f"{code}\nimport sys\nprint(' '.join(m for m in {HEAVY!r} if m in sys.modules), file=sys.stderr)"
    out = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, check=True)
    return out.stderr.split()


@pytest.mark.parametrize("code", [
    "import radcore",
    "from radcore.settings import Settings",
    "from radcore.settings import from_mapping; from_mapping({'image_types': [{'name': 'log', 'options': "
    "{'sigma': [1.0]}}, {'name': 'mean', 'options': {'size': 3}}, {'name': 'gabor', 'options': "
    "{'sigma': 1.0, 'gamma': 1.0, 'wavelength': 2.0, 'theta_step': 45}}]})",
    "from radcore.cli import build_parser; build_parser()",
])
def test_nothing_heavy_is_loaded(code):
    assert _loaded(code) == []


def test_help_loads_no_numba():
    code = ("import sys, runpy\nsys.argv = ['radcore', '--help']\ntry:\n    runpy.run_module('radcore.cli', "
            "run_name='__main__')\nexcept SystemExit:\n    pass")
    assert _loaded(code) == []
