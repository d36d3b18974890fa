"""A real headless Chromium for the tests that look at the report (``/usr/bin/chromium`` or on PATH).

Without a Chromium binary the browser tests skip on a developer's machine but fail in CI (``CI`` set):
``.ci/run`` installs Chromium, so a missing browser there is a broken CI, not a reason to skip.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage"]

#: appended to a copy of a page: marks each image the browser decoded (the report itself has no script)
IMAGE_CHECK = """<script>
window.addEventListener('load', () => {
  for (const img of document.images) img.setAttribute('data-decoded', img.complete && img.naturalWidth > 0);
  document.body.setAttribute('data-loaded', 'yes');
});
</script>"""


def chromium() -> str:
    """The Chromium binary; skips the test without one, except in CI, where it fails."""
    found = shutil.which("chromium") or shutil.which("chromium-browser") or (
        "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
    if found:
        return found
    if os.environ.get("CI"):
        pytest.fail("no Chromium in CI: .ci/run should have installed it (apt-get install chromium)")
    pytest.skip("no Chromium here (apt-get install chromium); CI runs this test")


def rendered_dom(page: Path, work: Path, timeout: float = 120.0) -> str:
    """The DOM of ``page`` (a copy of it, with :data:`IMAGE_CHECK` added) after Chromium loaded it from disk."""
    binary = chromium()
    copy = work / f"checked-{page.name}"
    copy.write_text(page.read_text(encoding="utf-8").replace("</body>", IMAGE_CHECK + "</body>"), encoding="utf-8")
    result = subprocess.run(
        [binary, *FLAGS, f"--user-data-dir={work / 'chromium-profile'}", "--virtual-time-budget=10000",
         "--dump-dom", copy.resolve().as_uri()],
        capture_output=True, text=True, timeout=timeout, check=False,
    )
    assert result.returncode == 0 and "<html" in result.stdout, result.stderr[-2000:]
    return result.stdout


def screenshot(page: Path, png: Path, work: Path, size: str = "1280,1600", timeout: float = 120.0) -> Path:
    """A PNG of ``page`` as Chromium draws it at window ``size``."""
    result = subprocess.run(
        [chromium(), *FLAGS, f"--user-data-dir={work / 'chromium-profile'}", "--hide-scrollbars",
         f"--window-size={size}", f"--screenshot={png}", page.resolve().as_uri()],
        capture_output=True, text=True, timeout=timeout, check=False,
    )
    assert result.returncode == 0 and png.exists(), result.stderr[-2000:]
    return png


class Elements(HTMLParser):
    """The elements of a document as (tag, attributes, text directly inside) in document order."""

    def __init__(self, text: str):
        super().__init__()
        self.elements: list[tuple[str, dict, list[str]]] = []
        self._open: list[int] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs), []))
        if tag not in ("img", "meta", "br", "input", "link"):
            self._open.append(len(self.elements) - 1)

    def handle_endtag(self, tag):
        while self._open:
            if self.elements[self._open.pop()][0] == tag:
                break

    def handle_data(self, data):
        if self._open and data.strip():
            self.elements[self._open[-1]][2].append(data.strip())

    def find(self, tag: str, **attrs) -> list[tuple[str, dict, list[str]]]:
        return [e for e in self.elements if e[0] == tag and all(e[1].get(k) == v for k, v in attrs.items())]
