"""Debian's Chromium driven by Playwright: one browser per session, nothing allowed off this machine.

Every context goes through a :class:`Guard`: requests to any host but loopback are counted and
aborted, dialogs are counted and dismissed, and each script the page compiles is recorded (through
the DevTools protocol), so a test can say how many ran that the site did not ship. A failing test
leaves a screenshot of its page in ``$FINEWS_SCREENSHOTS`` (default: <tmp>/finews-browser-failures).
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from ..requirements import unavailable

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",  # CI runs as root, where Chromium's sandbox refuses to start
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOOPBACK = {"127.0.0.1", "localhost", "[::1]", "::1"}
OFF_MACHINE = re.compile(r"^(?!https?://(?:127\.0\.0\.1|localhost|\[::1\])(?:[:/]|$))")
SCREENSHOTS = Path(os.environ.get("FINEWS_SCREENSHOTS", Path(tempfile.gettempdir()) / "finews-browser-failures"))

# Runs before any page script, in every frame: counts what injected code would do first.
WATCH = """
(() => {
  const hits = [];
  Object.defineProperty(window, '__xssHits', {value: hits});
  for (const name of ['alert', 'confirm', 'prompt', 'print']) {
    const original = window[name];
    window[name] = function (...args) { hits.push(name); return original.apply(this, args); };
  }
  let marker;
  Object.defineProperty(window, '__xss', {get() { return marker; }, set(v) { hits.push('__xss'); marker = v; }});
  const violations = [];
  Object.defineProperty(window, '__cspViolations', {value: violations});
  document.addEventListener('securitypolicyviolation',
    e => violations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`));
})();
"""
SETTLE = "new Promise(done => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(done, 20))))"
SETTLED = f"async () => {{ await {SETTLE}; return true; }}"


def is_loopback(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme in ("data", "blob", "about", "chrome-error"):
        return True  # not a request to any host
    return (parts.hostname or "") in LOOPBACK


@dataclass
class Guard:
    """What the pages of one context did that they should not have."""

    outbound: list[str] = field(default_factory=list)  # URLs asked of hosts off this machine (all aborted)
    dialogs: list[str] = field(default_factory=list)
    scripts: list[str] = field(default_factory=list)  # every script compiled from a page, by URL
    errors: list[str] = field(default_factory=list)  # the console's errors and uncaught exceptions

    def foreign_scripts(self) -> list[str]:
        """Scripts compiled that are no file the site serves: inline code, handlers, other hosts' files.

        Playwright's own evaluations and the watch script compile with no URL and are left out.
        """
        return [
            url
            for url in self.scripts
            if url and not url.startswith("wasm://") and not (is_loopback(url) and _is_script_file(url))
        ]


def _is_script_file(url: str) -> bool:
    return urlsplit(url).path.endswith((".js", ".mjs"))


def _check_chromium() -> None:
    if CHROMIUM.exists():
        return
    unavailable(f"{CHROMIUM} is missing: apt-get install chromium (or run `make test`) to run the browser tests")


# package scope, not session: Playwright's sync API keeps an event loop running in the main thread
# while it is open, and code under test elsewhere (asyncio.run) must not find one
@pytest.fixture(scope="package")
def browser() -> Iterator[object]:
    _check_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        yield chromium
        chromium.close()


class Session:
    """A browser context with its guard; pages opened through it report their scripts to the guard."""

    def __init__(self, browser: object, **options: object) -> None:
        self.guard = Guard()
        self.context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", **options)
        self.context.set_default_timeout(15_000)
        self.context.add_init_script(WATCH)
        # only what leaves loopback is intercepted: routing every request through Python would slow each page
        self.context.route(OFF_MACHINE, lambda route: route.abort("blockedbyclient"))
        self.context.on("request", self._request)
        self.context.on("dialog", self._dialog)
        self.context.on("console", lambda m: self.guard.errors.append(m.text) if m.type == "error" else None)
        self.context.on("weberror", lambda e: self.guard.errors.append(str(e.error)))

    def _request(self, request) -> None:
        if not is_loopback(request.url):
            self.guard.outbound.append(request.url)

    def _dialog(self, dialog) -> None:
        self.guard.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def new_page(self):
        page = self.context.new_page()
        cdp = self.context.new_cdp_session(page)
        cdp.on("Debugger.scriptParsed", lambda event: self.guard.scripts.append(event.get("url", "")))
        cdp.send("Debugger.enable")
        return page

    def close(self) -> None:
        self.context.close()


@pytest.fixture(scope="module")
def session(browser: object) -> Iterator[Session]:
    opened = Session(browser)
    yield opened
    opened.close()


@pytest.fixture
def page(session: Session) -> Iterator[object]:
    opened = session.new_page()
    yield opened
    opened.close()


def settle(page: object) -> None:
    """Let the page run what fires after load (focus, animations, image errors) before looking."""
    page.evaluate(SETTLED)


@pytest.fixture(scope="package")
def news_desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """The API tests' feeds (two sources with one shared story, one failing), fetched, built and served."""
    from ..loopback import LoopbackServer
    from ..web.feeds import ALPHA, BETA, feed
    from .desk import running_desk

    with LoopbackServer() as feeds:
        feeds.add("/alpha.xml", feed("alpha", "alpha.example.cn", ALPHA), content_type="application/rss+xml")
        feeds.add("/beta.xml", feed("beta", "beta.example.cn", BETA), content_type="application/rss+xml")
        feeds.add("/broken.xml", status=500)
        sources = [{"name": n, "url": feeds.url(f"/{n}.xml"), "title": n.title()} for n in ("alpha", "beta", "broken")]
        with running_desk(tmp_path_factory.mktemp("news"), sources) as desk:
            yield desk


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    if report.when != "call" or not report.failed:
        return
    page = getattr(item, "funcargs", {}).get("page")
    if page is None or page.is_closed():
        return
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{item.nodeid.replace('/', '_').replace('::', '-')}.png"
    try:
        page.screenshot(path=str(path), full_page=True)
    except Exception as exc:  # a crashed page has no screenshot; say so instead of hiding the failure
        report.sections.append(("screenshot", f"none: {exc}"))
        return
    report.sections.append(("screenshot", f"{path} ({page.url})"))
