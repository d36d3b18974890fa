"""The generated references list what the code defines: every registry feature, every CLI subcommand and
argument, every settings key; and a browser shows the feature reference."""

from __future__ import annotations

import argparse
import dataclasses
import re
import typing

import pytest

from radcore.cli import build_parser
from radcore.features.registry import all_features
from radcore.pyradiomics.params import SETTING_RULES
from radcore.settings import Settings
from tests.browser import Elements, rendered_dom


def anchor(text: str) -> str:
    """The HTML id of a Sphinx label: lower case, runs of other characters as one ``-``."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def section(html: str, ident: str) -> str:
    """The HTML of the section with id ``ident``, up to the next section's start."""
    start = html.index(f'id="{ident}"')
    end = html.find("<section", start)
    return html[start:end if end > 0 else len(html)]


def subcommands(parser: argparse.ArgumentParser, prefix: str = "") -> dict[str, argparse.ArgumentParser]:
    """``{"extract": parser, ..., "server start": parser}``: every subcommand, nested ones too."""
    out = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                out[prefix + name] = sub
                out |= subcommands(sub, f"{prefix}{name} ")
    return out


@pytest.fixture(scope="module")
def features_html(site) -> str:
    return (site / "reference" / "features.html").read_text(encoding="utf-8")


def test_every_registry_feature_has_its_entry(features_html):
    for f in all_features():
        entry = section(features_html, anchor(f"feature-{f.family}-{f.name}"))
        assert f"{f.family}.{f.name}" in entry
        assert (f.ibsi_code or "none") in entry, f.name
        if f.pyradiomics:
            assert f.pyradiomics in entry, f.name


def test_each_entry_shows_the_formula_of_its_function(features_html):
    f = next(f for f in all_features() if f.family == "glcm" and f.name == "joint_max")
    entry = section(features_html, anchor("feature-glcm-joint_max"))
    assert f.function.__doc__.strip().splitlines()[0] in entry


def test_every_cli_subcommand_and_argument_is_in_the_cli_reference(site):
    html = (site / "reference" / "cli.html").read_text(encoding="utf-8")
    commands = subcommands(build_parser())
    assert {"extract", "run", "ingest", "report"} <= set(commands)
    for path, parser in commands.items():
        text = section(html, anchor(f"cli-{path}"))
        assert f"radcore {path}" in text
        for action in parser._actions:
            if isinstance(action, argparse._HelpAction) or isinstance(action, argparse._SubParsersAction):
                continue
            names = action.option_strings or [action.metavar or action.dest]
            assert all(name in text for name in names), (path, names)


def test_every_settings_key_is_in_the_settings_reference(site):
    html = (site / "reference" / "settings.html").read_text(encoding="utf-8")

    def keys(cls):
        for f in dataclasses.fields(cls):
            yield f.name
            for arg in [typing.get_type_hints(cls)[f.name], *typing.get_args(typing.get_type_hints(cls)[f.name])]:
                if dataclasses.is_dataclass(arg) and arg.__module__ == "radcore.settings":
                    yield from keys(arg)

    for key in set(keys(Settings)) | set(SETTING_RULES):
        assert f"<code class=\"docutils literal notranslate\"><span class=\"pre\">{key}</span></code>" in html, key


def test_a_browser_shows_the_feature_reference(site):
    page = site / "reference" / "features.html"
    dom = Elements(rendered_dom(page, page.parent))
    ids = {attrs.get("id") for _, attrs, _ in dom.elements}
    assert {anchor(f"feature-{f.family}-{f.name}") for f in all_features()} <= ids
    headings = {" ".join(text) for tag, _, text in dom.elements if tag == "h2"}
    assert {"glcm", "morph", "ngldm"} <= headings
    titles = [" ".join(text) for tag, _, text in dom.elements if tag == "h3"]
    assert "glcm.joint_max" in titles and "morph.volume" in titles
    assert len(titles) >= len(all_features())
