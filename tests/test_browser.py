"""The report in a real browser: headless Chromium renders it, logs no error, makes no
network request and prints it to PDF.

Chromium is driven through the DevTools protocol over a pipe
(``--remote-debugging-pipe``: JSON messages ended by a NUL byte on file
descriptors 3 and 4), so no client package is needed. Without Chromium the
tests are skipped, unless ``TRUSTEXP_REQUIRE_BROWSER=1`` (as in CI): then they fail.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import re
import select
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest
from test_report_cli import HOSTILE, make_trial

from trustexp.cli import main

pytestmark = pytest.mark.browser

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-default-apps",
    "--mute-audio",
]


def _chromium() -> str | None:
    for candidate in ("/usr/bin/chromium", shutil.which("chromium"),
                      shutil.which("chromium-browser"), shutil.which("google-chrome")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


@pytest.fixture(scope="module")
def chromium() -> str:
    path = _chromium()
    if path is None:
        if os.environ.get("TRUSTEXP_REQUIRE_BROWSER") == "1":
            pytest.fail("Chromium is required (TRUSTEXP_REQUIRE_BROWSER=1) but was not found")
        pytest.skip("Chromium not found: the report was not checked in a browser")
    return path


class Browser:
    """A headless Chromium session over the DevTools pipe."""

    def __init__(self, executable: str, profile: Path) -> None:
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()

        def child_fds() -> None:  # runs in the child: put the pipe ends on fds 3 and 4
            a = fcntl.fcntl(to_browser_r, fcntl.F_DUPFD, 10)
            b = fcntl.fcntl(from_browser_w, fcntl.F_DUPFD, 10)
            os.dup2(a, 3)
            os.dup2(b, 4)

        self.proc = subprocess.Popen(
            [executable, *CHROMIUM_FLAGS, f"--user-data-dir={profile}",
             "--remote-debugging-pipe", "about:blank"],
            preexec_fn=child_fds, pass_fds=(3, 4), stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._buf = b""
        self._id = 0
        self.events: list[dict[str, Any]] = []

    def _read(self, until, timeout: float = 60) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            while b"\0" in self._buf:
                raw, self._buf = self._buf.split(b"\0", 1)
                message = json.loads(raw)
                if until(message):
                    return message
                self.events.append(message)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("Chromium did not answer in time")
            ready, _, _ = select.select([self._from_browser], [], [], min(remaining, 0.5))
            if ready:
                chunk = os.read(self._from_browser, 1 << 20)
                if not chunk:
                    raise EOFError("Chromium closed the DevTools pipe")
                self._buf += chunk

    def call(self, method: str, params: dict | None = None, session: str | None = None,
             timeout: float = 60) -> dict[str, Any]:
        self._id += 1
        message: dict[str, Any] = {"id": self._id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        wanted = self._id
        answer = self._read(lambda m: m.get("id") == wanted, timeout)
        if "error" in answer:
            raise RuntimeError(f"{method}: {answer['error']}")
        return answer["result"]

    def wait_for(self, method: str, timeout: float = 60) -> dict[str, Any]:
        for i, event in enumerate(self.events):
            if event.get("method") == method:
                return self.events.pop(i)
        return self._read(lambda m: m.get("method") == method, timeout)

    def drain(self, seconds: float) -> None:
        """Collect the events that arrive within ``seconds``."""
        try:
            self._read(lambda m: False, timeout=seconds)
        except TimeoutError:
            pass

    def close(self) -> None:
        try:
            self.call("Browser.close", timeout=10)
        except (OSError, RuntimeError, TimeoutError, EOFError):
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self._to_browser)
        os.close(self._from_browser)


def load(executable: str, url: str, profile: Path) -> dict[str, Any]:
    """Open ``url``; return the DOM, requests, console errors and a PDF print."""
    browser = Browser(executable, profile)
    try:
        target = browser.call("Target.createTarget", {"url": "about:blank"})
        session = browser.call("Target.attachToTarget",
                               {"targetId": target["targetId"], "flatten": True})["sessionId"]
        for domain in ("Network", "Log", "Runtime", "Page"):
            browser.call(f"{domain}.enable", session=session)
        browser.call("Page.navigate", {"url": url}, session=session)
        browser.wait_for("Page.loadEventFired")
        dom = browser.call("Runtime.evaluate", {
            "expression": "document.documentElement.outerHTML", "returnByValue": True,
        }, session=session)["result"]["value"]
        pdf = browser.call("Page.printToPDF", {
            "paperWidth": 8.27, "paperHeight": 11.69, "preferCSSPageSize": True,
        }, session=session, timeout=120)["data"]
        browser.drain(0.3)
        events = list(browser.events)
    finally:
        browser.close()
    requests = [e["params"]["request"]["url"] for e in events
                if e.get("method") == "Network.requestWillBeSent"]
    errors = [e["params"] for e in events if e.get("method") == "Runtime.exceptionThrown"]
    errors += [e["params"]["entry"] for e in events if e.get("method") == "Log.entryAdded"
               and e["params"]["entry"].get("level") in ("error", "warning")]
    errors += [e["params"] for e in events if e.get("method") == "Runtime.consoleAPICalled"
               and e["params"].get("type") in ("error", "warning", "assert")]
    return {"dom": dom, "requests": requests, "errors": errors, "pdf": base64.b64decode(pdf)}


@pytest.fixture(scope="module")
def rendered(chromium, tmp_path_factory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("browser")
    trial = make_trial(folder / "trial", hostile=True, reference=15)
    report = folder / "report.html"
    assert main(["report", str(trial), "-o", str(report), "--permutations", "50", "-q"]) == 0
    with tempfile.TemporaryDirectory() as profile:
        result = load(chromium, report.as_uri(), Path(profile))
    result["url"] = report.as_uri()
    result["html"] = report.read_text("utf-8")
    return result


def test_renders_the_report(rendered):
    assert re.search(r"<h1>Proef &lt;script&gt;", rendered["dom"])
    assert 'id="reproducibility"' in rendered["dom"]


def test_no_console_errors(rendered):
    assert rendered["errors"] == []


def test_no_network_requests(rendered):
    others = [u for u in rendered["requests"] if u != rendered["url"]]
    assert others == []
    assert all(u.startswith(("file:", "data:")) for u in rendered["requests"])


def test_prints_to_pdf(rendered):
    pdf = rendered["pdf"]
    assert pdf.startswith(b"%PDF")
    pages = len(re.findall(rb"/Type\s*/Page(?!s)", pdf))
    assert pages >= 3


def test_hostile_labels_did_not_become_markup(rendered):
    dom = rendered["dom"]
    # The browser's own serialisation: an injected element would show up as a tag.
    assert "<script>alert(1)</script>" not in dom
    assert "<img" not in dom
    assert "onerror=alert(1)>" not in dom.replace("onerror=alert(1)&gt;", "")
    assert HOSTILE.replace("<", "&lt;").replace(">", "&gt;") in dom


# -- the demo report printed on A4 ------------------------------------------------------


def _text_sizes(page) -> list[tuple[float, str]]:
    """(effective font size in pt, text) of every text run on a PDF page."""
    out: list[tuple[float, str]] = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            a = [tm[0] * cm[0] + tm[1] * cm[2], tm[0] * cm[1] + tm[1] * cm[3],
                 tm[2] * cm[0] + tm[3] * cm[2], tm[2] * cm[1] + tm[3] * cm[3]]
            out.append((size * abs(a[0] * a[3] - a[1] * a[2]) ** 0.5, text))

    page.extract_text(visitor_text=visit)
    return out


_LIGATURES = {"\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl"}


def _unligature(text: str) -> str:
    for lig, letters in _LIGATURES.items():
        text = text.replace(lig, letters)
    return text


@pytest.fixture(scope="module")
def printed_demo(chromium, tmp_path_factory) -> dict[str, Any]:
    pypdf = pytest.importorskip("pypdf")
    import io

    folder = tmp_path_factory.mktemp("demo-print")
    report = folder / "demo.html"
    assert main(["report", "--demo", "-o", str(report), "--permutations", "50", "-q"]) == 0
    with tempfile.TemporaryDirectory() as profile:
        result = load(chromium, report.as_uri(), Path(profile))
    reader = pypdf.PdfReader(io.BytesIO(result["pdf"]))
    result["pages"] = [_unligature(p.extract_text()) for p in reader.pages]
    result["sizes"] = [_text_sizes(p) for p in reader.pages]
    result["html"] = report.read_text("utf-8")
    return result


def test_demo_prints_to_at_most_20_pages_with_page_numbers(printed_demo):
    pages = printed_demo["pages"]
    assert 5 <= len(pages) <= 20
    for i, text in enumerate(pages, start=1):
        assert f"{i} / {len(pages)}" in text, i


def test_demo_print_keeps_every_section_and_table(printed_demo):
    text = "\n".join(printed_demo["pages"])
    flat = re.sub(r"\s+", " ", text)
    for heading in re.findall(r'<h2 id="[a-z-]+">([^<]+)</h2>', printed_demo["html"]):
        if heading != "Inhoud":  # the table of contents is for the screen
            assert re.sub(r"\s+", " ", heading) in flat, heading
    for caption in re.findall(r"<caption>([^<]+)</caption>", printed_demo["html"]):
        caption = re.sub(r"\s+", " ", caption.replace("&#39;", "'").replace("&amp;", "&"))
        assert caption[:40] in flat, caption


def test_no_heading_at_a_page_foot(printed_demo):
    html = printed_demo["html"]
    headings = {re.sub(r"\s+", " ", h) for h in re.findall(r"<h[234][^>]*>([^<]+)</h[234]>", html)}
    # the title rows of grouped tables are headings too
    headings |= {re.sub(r"\s+", " ", h) for h in
                 re.findall(r'<tr class="group"><th scope="rowgroup"[^>]*>([^<]+)</th>', html)}
    for i, text in enumerate(printed_demo["pages"][:-1], start=1):
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        assert lines and lines[-1] not in headings, (i, lines[-1])


def test_printed_text_is_at_least_8_pt(printed_demo):
    small = [(round(s, 2), t[:30]) for page in printed_demo["sizes"] for s, t in page if s < 7.95]
    assert small == []
    assert any(s >= 8 for page in printed_demo["sizes"] for s, _ in page)
