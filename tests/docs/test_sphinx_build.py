"""The documentation site builds with warnings as errors, and every page of ``docs/`` is part of it."""

from __future__ import annotations

from tests.docs.conftest import DOCS


def test_the_site_builds_with_warnings_as_errors(site):
    assert (site / "index.html").exists()


def test_every_source_page_is_built(site):
    sources = [p for p in DOCS.rglob("*") if p.suffix in (".md", ".rst") and "_build" not in p.parts]
    missing = [str(p.relative_to(DOCS)) for p in sources
               if not (site / p.relative_to(DOCS).with_suffix(".html")).exists()]
    assert sources and not missing
