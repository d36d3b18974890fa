"""Small helpers that write reStructuredText: titles, escaped text, tables, literal blocks."""

from __future__ import annotations

import inspect
import re

UNDERLINES = "=-~^\"'"


def title(text: str, level: int) -> str:
    """A section title at ``level`` (0 the page's own title)."""
    return f"{text}\n{UNDERLINES[level] * len(text)}\n"


def escape(text: str) -> str:
    """Plain text safe in running reST (no markup is started by it)."""
    return re.sub(r"([\\*`|_\[\]])", r"\\\1", text)


INLINE = re.compile(r"``.+?``|:[a-z:]+:`~?([^`]+)`")


def prose(text: str) -> str:
    """A docstring written as plain text with ``literals`` and Sphinx roles, as reST that cannot fail:
    literals kept, roles as literals of their target, every other markup character escaped."""
    out, at = [], 0
    for m in INLINE.finditer(text):
        out.append(escape(text[at:m.start()]))
        out.append(m.group(0) if m.group(1) is None else f"``{m.group(1)}``")
        at = m.end()
    out.append(escape(text[at:]))
    return "".join(out)


def literal(text: str) -> str:
    """An inline literal; empty text gives an em dash."""
    text = str(text)
    if not text:
        return "—"
    return f"``{text}``" if "``" not in text else escape(text)


def label(name: str) -> str:
    """An explicit target line for :ref: (a Sphinx label: lower case, ``-`` for anything unusual)."""
    return f".. _{anchor(name)}:\n"


def anchor(name: str) -> str:
    """The HTML id Sphinx gives a label called ``name``."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def literal_block(text: str) -> str:
    """``text`` as a literal block (after a paragraph ending in ``::``)."""
    lines = inspect.cleandoc(text).splitlines() or [""]
    return "\n".join("    " + line if line.strip() else "" for line in lines) + "\n"


def docstring(obj) -> str:
    """The cleaned docstring of ``obj`` ("" without one)."""
    return inspect.cleandoc(obj.__doc__) if getattr(obj, "__doc__", None) else ""


def list_table(header: list[str], rows: list[list[str]], widths: list[int] | None = None) -> str:
    """A ``list-table`` whose cells are already reST (one line each)."""
    out = [".. list-table::", "   :header-rows: 1"]
    if widths:
        out.append("   :widths: " + " ".join(str(w) for w in widths))
    out.append("")
    for row in [header, *rows]:
        for i, cell in enumerate(row):
            out.append(f"   {'* -' if i == 0 else '  -'} {cell if str(cell).strip() else '—'}")
    return "\n".join(out) + "\n"


def field_list(fields: list[tuple[str, str]]) -> str:
    """A field list (``:name: value`` lines)."""
    return "\n".join(f":{name}: {value}" for name, value in fields) + "\n"
