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


class LivePage:
    """A page of a live web application (the Prefect UI) in headless Chromium, driven over the DevTools
    protocol: :meth:`wait_for_text` polls the rendered text until a script-built page shows what a user would
    see, :meth:`click_text` clicks as a user would, :meth:`screenshot` writes a PNG of the window.

    Chromium listens on a free port it picks itself (``--remote-debugging-port=0``) and is ended on
    :meth:`close` (or at the end of a ``with`` block)."""

    def __init__(self, url: str, work: Path, size: tuple[int, int] = (1400, 1000)):
        import websockets.sync.client

        profile = work / "chromium-live-profile"
        profile.mkdir(parents=True, exist_ok=True)
        (profile / "DevToolsActivePort").unlink(missing_ok=True)
        self.proc = subprocess.Popen(
            [chromium(), *FLAGS, f"--user-data-dir={profile}", "--remote-debugging-port=0",
             "--remote-debugging-address=127.0.0.1", f"--window-size={size[0]},{size[1]}", "--hide-scrollbars",
             "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )
        try:
            port = self._devtools_port(profile / "DevToolsActivePort")
            target = self._page_target(port)
            self._socket = websockets.sync.client.connect(target, max_size=None, open_timeout=30)
            self._id = 0
            self._call("Page.enable")
            self._call("Page.navigate", url=url)
        except BaseException:
            self.close()
            raise

    def _devtools_port(self, port_file: Path, timeout: float = 60.0) -> int:
        import time

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if port_file.exists() and port_file.read_text().strip():
                return int(port_file.read_text().split()[0])
            assert self.proc.poll() is None, f"Chromium ended at start (exit {self.proc.returncode})"
            time.sleep(0.1)
        raise AssertionError("Chromium did not open its DevTools port")

    @staticmethod
    def _page_target(port: int) -> str:
        import json
        import urllib.request

        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as response:
            pages = [t for t in json.load(response) if t.get("type") == "page"]
        assert pages, "Chromium has no page open"
        return pages[0]["webSocketDebuggerUrl"]

    def _call(self, method: str, **params):
        import json

        self._id += 1
        self._socket.send(json.dumps({"id": self._id, "method": method, "params": params}))
        while True:
            message = json.loads(self._socket.recv(timeout=60))
            if message.get("id") == self._id:
                assert "error" not in message, f"{method}: {message['error']}"
                return message.get("result", {})

    def evaluate(self, expression: str):
        """The value of a JavaScript expression in the page."""
        result = self._call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        assert "exceptionDetails" not in result, result["exceptionDetails"]
        return result["result"].get("value")

    def text(self) -> str:
        """The page's text as rendered (``document.body.innerText``)."""
        return self.evaluate("document.body ? document.body.innerText : ''") or ""

    def wait_for_text(self, *wanted: str, timeout: float = 60.0) -> str:
        """The page's text once it contains every one of ``wanted``; AssertionError (with the text) if it
        does not within ``timeout`` seconds."""
        import time

        deadline = time.monotonic() + timeout
        text = ""
        while time.monotonic() < deadline:
            text = self.text()
            if all(w in text for w in wanted):
                return text
            time.sleep(0.25)
        missing = [w for w in wanted if w not in text]
        raise AssertionError(f"the page never showed {missing}; it shows:\n{text[:3000]}")

    def click_text(self, label: str) -> None:
        """Click the innermost visible element whose own text is ``label`` (a tab, a button, a link)."""
        import json

        clicked = self.evaluate(f"""(() => {{
            const wanted = {json.dumps(label)};
            const all = [...document.querySelectorAll('body *')].filter(
                e => e.offsetParent !== null && e.innerText && e.innerText.trim() === wanted);
            const inner = all.filter(e => ![...e.children].some(c => all.includes(c)));
            if (!inner.length) return false;
            inner[0].click();
            return true;
        }})()""")
        assert clicked, f"nothing to click labelled {label!r} on the page"

    def screenshot(self, png: Path) -> Path:
        """A PNG of the window as drawn now."""
        import base64

        png.write_bytes(base64.b64decode(self._call("Page.captureScreenshot", format="png")["data"]))
        return png

    def close(self) -> None:
        socket = getattr(self, "_socket", None)
        if socket is not None:
            socket.close()
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, 15)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, 9)
                self.proc.wait()

    def __enter__(self) -> LivePage:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
