"""The command-line reference, written from ``radcore.cli.build_parser()`` at build time.

Every subcommand (and sub-subcommand, e.g. ``radcore server start``) gets a section with the label
``cli-<command>``: its help, its usage line and a table of its arguments (help, default, choices), as
argparse itself knows them.
"""

from __future__ import annotations

import argparse
import os

from radcore_docs.rst import anchor, escape, label, list_table, literal, literal_block, title

USAGE_WIDTH = "80"


def parser() -> argparse.ArgumentParser:
    from radcore.cli import build_parser

    return build_parser()


def commands(p: argparse.ArgumentParser | None = None, prefix: str = "") -> list[tuple[str, argparse.ArgumentParser, str]]:
    """(command path, its parser, its one-line help) for every subcommand, depth first in parser order:
    ``[("extract", ..., "features of one case ..."), ..., ("server start", ...)]``."""
    p = parser() if p is None else p
    out = []
    for action in p._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {a.dest: a.help or "" for a in action._choices_actions}
            for name, sub in action.choices.items():
                path = f"{prefix}{name}"
                out.append((path, sub, helps.get(name, "")))
                out += commands(sub, path + " ")
    return out


def command_label(path: str) -> str:
    """The label (and HTML id) of a command's section, e.g. ``cli-server-start``."""
    return anchor(f"cli-{path}")


def rst() -> str:
    top = parser()
    out = ["The ``radcore`` command's subcommands, as ``radcore.cli.build_parser()`` defines them. Every one "
           "answers ``--help`` with the same text.\n",
           "Usage::\n", literal_block(_usage(top)),
           list_table(["command", "what it does"],
                      [[f":ref:`radcore {path} <{command_label(path)}>`", escape(_expand(help_, {}))]
                       for path, _, help_ in commands(top)], [30, 70])]
    for path, sub, help_ in commands(top):
        out.append(_command(path, sub, help_))
    return "\n".join(out)


def _usage(p: argparse.ArgumentParser) -> str:
    previous = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = USAGE_WIDTH  # argparse wraps at the terminal's width
    try:
        return p.format_usage().strip()
    finally:
        if previous is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = previous


def _command(path: str, p: argparse.ArgumentParser, help_: str) -> str:
    out = [label(command_label(path)), title(f"radcore {path}", 1)]
    if help_:
        out.append(escape(_expand(help_, {})[:1].upper() + _expand(help_, {})[1:]) + ".\n")
    out += ["::\n", literal_block(_usage(p))]
    rows = [_argument(a, p) for a in p._actions
            if not isinstance(a, (argparse._HelpAction, argparse._SubParsersAction))]
    if rows:
        out.append(list_table(["argument", "meaning", "default"], rows, [28, 54, 18]))
    subs = [a for a in p._actions if isinstance(a, argparse._SubParsersAction)]
    if subs:
        names = ", ".join(f":ref:`{name} <{command_label(path + ' ' + name)}>`" for name in subs[0].choices)
        out.append(f"Subcommands: {names}.\n")
    return "\n".join(out)


def _argument(a: argparse.Action, p: argparse.ArgumentParser) -> list[str]:
    if a.option_strings:
        names = ", ".join(literal(o + (f" {a.metavar or a.dest.upper()}" if a.nargs != 0 else ""))
                          for o in a.option_strings)
    else:
        names = literal(a.metavar or a.dest)
    meaning = escape(_expand(a.help or "", vars(a) | {"prog": p.prog}))
    if a.choices is not None:
        meaning += " One of " + ", ".join(literal(c) for c in a.choices) + "."
    if a.required and a.option_strings:
        meaning += " Required."
    if not a.option_strings and a.nargs == "?":
        meaning += " Optional."
    return [names, meaning or "—", _default(a)]


def _default(a: argparse.Action) -> str:
    if isinstance(a, (argparse._StoreTrueAction, argparse._StoreFalseAction)):
        return "off" if isinstance(a, argparse._StoreTrueAction) else "on"
    if a.default is None or a.default == argparse.SUPPRESS or a.default == "" or a.required:
        return "—"
    if isinstance(a, argparse._VersionAction):
        return "—"
    return literal(a.default)


def _expand(text: str, values: dict) -> str:
    """argparse's ``%(default)s`` substitutions, as ``--help`` shows them."""
    if "%" not in text:
        return text
    try:
        return text % {k: v.__name__ if callable(v) and hasattr(v, "__name__") else v for k, v in values.items()}
    except (KeyError, TypeError, ValueError):
        return text
