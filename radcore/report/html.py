"""HTML pieces of the report: one self-contained page (inline CSS, images as base64 data URIs, no script,
no network). Text is escaped unless it is :class:`Markup` (HTML made by the functions here)."""

from __future__ import annotations

import base64
import html
from typing import Iterable

CSS = """
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0; color: #1d2433; }
header { background: #1f4e99; color: white; padding: 14px 24px; }
header h1 { margin: 0; font-size: 20px; }
header p { margin: 4px 0 0; opacity: .85; }
nav { padding: 8px 24px; background: #eef2f8; border-bottom: 1px solid #d5dceb; }
nav a { margin-right: 16px; color: #1f4e99; text-decoration: none; }
main { padding: 8px 24px 40px; max-width: 1400px; }
section { margin-top: 22px; }
h2 { font-size: 17px; border-bottom: 2px solid #1f4e99; padding-bottom: 3px; }
h3 { font-size: 15px; margin-bottom: 6px; }
table { border-collapse: collapse; margin: 6px 0 10px; font-size: 13px; }
th, td { border: 1px solid #d5dceb; padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #eef2f8; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr:target { background: #fff3bf; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; }
.card { border: 1px solid #d5dceb; border-radius: 6px; padding: 8px 14px; min-width: 110px; }
.card b { display: block; font-size: 22px; }
.card.bad b { color: #c92a2a; }
.thumbs { display: flex; flex-wrap: wrap; gap: 8px; }
.thumb { border: 2px solid #d5dceb; border-radius: 4px; padding: 3px; width: 200px; font-size: 12px;
         text-decoration: none; color: inherit; }
.thumb.flagged { border-color: #d62728; }
.thumb img { width: 100%; height: auto; display: block; image-rendering: auto; }
.thumb span { display: block; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.flag { display: inline-block; background: #ffe3e3; color: #a61e1e; border-radius: 3px; padding: 0 5px;
        margin: 1px 2px; font-size: 12px; }
.plot { max-width: 100%; height: auto; display: block; margin: 6px 0; }
.note { color: #5c6478; font-size: 13px; }
pre { background: #f6f8fb; border: 1px solid #d5dceb; padding: 8px; overflow-x: auto; font-size: 12px; }
details { margin: 6px 0; }
"""


class Markup(str):
    """Text that is already HTML (made by this module): inserted as it is."""


def esc(value) -> str:
    """``value`` as escaped HTML text (Markup as it is; None as empty)."""
    if isinstance(value, Markup):
        return value
    if value is None:
        return ""
    return html.escape(str(value), quote=True)


def table(header: Iterable[str], rows: Iterable[Iterable], row_ids: Iterable[str] | None = None,
          numeric: Iterable[int] = (), table_id: str = "") -> Markup:
    """A table; ``rows`` of cells (escaped unless Markup), ``row_ids`` anchors per row, ``numeric`` the
    indices of right-aligned columns."""
    numeric = set(numeric)
    head = "".join(f"<th>{esc(h)}</th>" for h in header)
    ids = iter(row_ids) if row_ids is not None else None
    body = []
    for row in rows:
        rid = f' id="{esc(next(ids))}"' if ids is not None else ""
        cells = "".join(f'<td class="num">{esc(c)}</td>' if i in numeric else f"<td>{esc(c)}</td>"
                        for i, c in enumerate(row))
        body.append(f"<tr{rid}>{cells}</tr>")
    tid = f' id="{esc(table_id)}"' if table_id else ""
    return Markup(f"<table{tid}><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>")


def image(png: bytes, alt: str, css_class: str = "plot") -> Markup:
    """An ``<img>`` holding ``png`` as a base64 data URI."""
    data = base64.b64encode(png).decode("ascii")
    return Markup(f'<img class="{esc(css_class)}" alt="{esc(alt)}" src="data:image/png;base64,{data}">')


def thumbnail(png: bytes | None, caption: str, flags: str, target: str, flagged: bool,
              map_png: bytes | None = None) -> Markup:
    """A case's QC picture linked to its row (``#target``), its flags under it; ``map_png``: the picture of
    its chosen voxel map, shown under the QC picture."""
    picture = image(png, f"QC picture of {caption}", "") if png else Markup('<span class="note">no picture</span>')
    if map_png:
        picture = Markup(picture + image(map_png, f"voxel map of {caption}", ""))
    css = "thumb flagged" if flagged else "thumb"
    return Markup(f'<a class="{css}" href="#{esc(target)}">{picture}<span>{esc(caption)}</span>'
                  f"<span>{flags_html(flags)}</span></a>")


def flags_html(flags: str) -> Markup:
    """Comma-separated flag names as badges."""
    names = [f for f in str(flags or "").split(",") if f]
    return Markup("".join(f'<span class="flag">{esc(n)}</span>' for n in names))


def cards(items: Iterable[tuple[str, object, bool]]) -> Markup:
    """Big numbers: (caption, value, bad)."""
    return Markup('<div class="cards">' + "".join(
        f'<div class="card{" bad" if bad else ""}"><b>{esc(value)}</b>{esc(caption)}</div>'
        for caption, value, bad in items) + "</div>")


def paragraph(text, css_class: str = "") -> Markup:
    cls = f' class="{esc(css_class)}"' if css_class else ""
    return Markup(f"<p{cls}>{esc(text)}</p>")


def heading(text: str, level: int = 3) -> Markup:
    return Markup(f"<h{level}>{esc(text)}</h{level}>")


def preformatted(text: str) -> Markup:
    return Markup(f"<pre>{esc(text)}</pre>")


def details(summary: str, body: str, open_: bool = False) -> Markup:
    """A folded block (open it to see ``body``); ``open_`` shows it unfolded."""
    return Markup(f"<details{' open' if open_ else ''}><summary>{esc(summary)}</summary>{esc(body)}</details>")


def section(anchor: str, title: str, parts: Iterable) -> Markup:
    return Markup(f'<section id="{esc(anchor)}"><h2>{esc(title)}</h2>{"".join(esc(p) for p in parts)}</section>')


def page(title: str, subtitle: str, sections: list[tuple[str, str, list]]) -> str:
    """The whole document: a header, a navigation bar to each section, the sections (anchor, title,
    parts)."""
    nav = "".join(f'<a href="#{esc(a)}">{esc(t)}</a>' for a, t, _ in sections)
    body = "".join(section(a, t, parts) for a, t, parts in sections)
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{esc(title)}</title>"
            f"<style>{CSS}</style></head><body><header><h1>{esc(title)}</h1><p>{esc(subtitle)}</p></header>"
            f"<nav>{nav}</nav><main>{body}</main></body></html>\n")
