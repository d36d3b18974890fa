"""Sphinx configuration of radcore's documentation site.

Build it with ``python -m sphinx -W -b html docs docs/_build/html`` (``pip install -e ".[docs]"`` first).
The build is offline: the default theme, no intersphinx, and the references under ``reference/`` are
generated from the code at build time by the extension in ``_ext/radcore_docs``.
"""

from __future__ import annotations

import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS / "_ext"))
sys.path.insert(0, str(DOCS.parent))  # radcore from this checkout, before any installed copy

project = "radcore"
author = "the radcore developers"
copyright = "the radcore developers"

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "radcore_docs",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "benchmarks/*.json"]

myst_heading_anchors = 3
myst_enable_extensions = ["colon_fence"]

autodoc_member_order = "bysource"
autodoc_typehints = "none"  # the numpydoc sections say the types
napoleon_google_docstring = False
napoleon_numpy_docstring = True

highlight_language = "none"  # literal blocks (formulas, usage lines) as they are; code fences name theirs

html_theme = "alabaster"
html_title = "radcore"
html_static_path: list[str] = []
html_theme_options = {"description": "Radiomics features for cohorts", "fixed_sidebar": False,
                      "page_width": "1240px", "sidebar_width": "230px"}
