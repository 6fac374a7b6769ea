"""The XSS corpus through the whole desk: feeds → pipeline → static site and live pages → Chromium.

Every page of the built site (HTML and feeds) and the live pages are rendered twice: once with the
Content-Security-Policy switched off, so the sanitizer and the templates alone must hold, and once as
`finews serve` sends them, where the policy must not even have had to block anything.
"""

from __future__ import annotations

import json
import re
import socket
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

from finews.web.security import POLICY

from ..loopback import LoopbackServer
from .conftest import Session
from .desk import Desk, running_desk
from .inspect import Figures, render
from .vectors import items, json_feed, load_vectors, rss_feed

MINIMUM_VECTORS = 100
# config is trusted, but a source's title still reaches every page's navigation: it must be escaped too
HOSTILE_TITLE = '<script>window.__xss=1</script>"><img src=x onerror=alert(1)>'


@pytest.fixture(scope="module")
def vectors() -> list[str]:
    found = load_vectors()
    assert len(found) >= MINIMUM_VECTORS and len(set(found)) == len(found)
    return found


def _desk(tmp, vectors: list[str], *, links: bool) -> Iterator[Desk]:
    # the articles' own addresses refuse connections: the many images their relative src point at fail
    # at once instead of costing a request each
    with LoopbackServer() as feeds, socket.socket() as refusing:
        refusing.bind(("127.0.0.1", 0))
        articles = items(vectors, f"http://127.0.0.1:{refusing.getsockname()[1]}", links=links)
        feeds.add("/vectors.json", json_feed(articles, "vectors"), content_type="application/feed+json")
        feeds.add("/reprints.xml", rss_feed(articles, "reprints"), content_type="application/rss+xml")
        sources = [
            {"name": "vectors", "url": feeds.url("/vectors.json"), "title": HOSTILE_TITLE},
            {"name": "reprints", "url": feeds.url("/reprints.xml"), "title": "转载"},
        ]
        with running_desk(tmp, sources) as desk:
            yield desk


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory, vectors: list[str]) -> Iterator[Desk]:
    yield from _desk(tmp_path_factory.mktemp("xss"), vectors, links=True)


def _report(capsys: pytest.CaptureFixture, *lines: str) -> None:
    with capsys.disabled():
        print("\n" + "\n".join(f"XSS {line}" for line in lines))


def _clean(figures: Figures) -> None:
    assert figures.dialogs == 0 and figures.executions == 0 and not figures.outbound, figures.problems()
    assert not figures.dangers and not figures.violations and not figures.failed, figures.problems()


def test_corpus_reaches_every_field(desk: Desk, vectors: list[str]) -> None:
    """The vectors really went through: pages hold their text, escaped, in titles, tags, bodies and nav."""
    site = desk.site
    article_pages = list((site / "a").glob("*.html"))
    assert len(article_pages) == -(-len(vectors) // 8)  # one page per article, reprints linked, not repeated
    first = (site / "a" / "4.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;" in (site / "index.html").read_text(encoding="utf-8")  # the hostile source title
    assert "其他来源也报道了" in first and "转载" in first  # the reprint's title and link shown again
    assert first.count('class="tags"') == 1 and "测试4" in first
    # the items whose link was javascript:/data: have pages (the browser checks their hrefs), and the feeds
    # a reader's app follows carry no such link either
    links = [link for path in site.rglob("*.xml") for link in _feed_links(path)]
    links += [i.get("url", "") for path in site.rglob("feed.json") for i in json.loads(path.read_bytes())["items"]]
    scripts = [link for link in links if re.match(r"\s*(javascript|data|vbscript):", link, re.I)]
    assert len(links) > 20 and not scripts, scripts


def _feed_links(path: Path) -> list[str]:
    root = ET.parse(path).getroot()
    atom = [e.get("href", "") for e in root.iter("{http://www.w3.org/2005/Atom}link")]
    return atom + [e.text or "" for e in root.iter("link") if path.name == "rss.xml"]


def test_no_vector_runs_in_the_static_site_or_live_pages(
    browser: object, desk: Desk, vectors: list[str], capsys: pytest.CaptureFixture
) -> None:
    static = desk.pages()
    assert len(static) >= 40, static
    live = [f"{desk.url}/live/search?q=%E7%A6%BB%E8%81%8C", f"{desk.url}/live/sources"]
    # the reader's query and filters echoed back, a few vectors at a time
    for start in range(0, len(vectors), 16):
        typed = quote(" ".join(vectors[start : start + 16]), safe="")
        live.append(f"{desk.url}/live/search?q={typed}&category={typed}")
    lines = [f"vectors {len(vectors)}, static pages {len(static)}, live pages {len(live)}"]

    bare = Session(browser, bypass_csp=True)  # the sanitizer and escaping alone
    try:
        alone = render(bare, static + live)
    finally:
        bare.close()
    lines.append(alone.line("without CSP"))
    served = Session(browser)  # as `finews serve` sends them: header CSP (and the pages' own)
    try:
        enforced = render(served, _one_of_each(static) + live[:2])
    finally:
        served.close()
    lines.append(enforced.line("with CSP"))
    _report(capsys, *lines)
    _clean(alone)
    _clean(enforced)


def _one_of_each(pages: list[str]) -> list[str]:
    """An HTML page of each kind (home, article, list, company, story …): what the policy must not break."""
    kinds: dict[str, str] = {}
    for url in pages:
        path = url.split("/", 3)[3]
        if path.endswith(".html"):
            kinds.setdefault(path.split("/")[0] if "/" in path else path, url)
    return list(kinds.values())


@pytest.mark.parametrize("csp", [False, True], ids=["without-csp", "with-csp"])
def test_site_search_shows_vector_text_as_text(
    browser: object, desk: Desk, csp: bool, capsys: pytest.CaptureFixture
) -> None:
    """Pagefind's results (titles and excerpts inserted by script) hold the vectors' text, inert."""
    session = Session(browser, bypass_csp=not csp)
    try:
        queries = ["离职", "onerror"]
        urls = [f"{desk.url}/search.html?q={quote(q)}" for q in queries]
        figures = render(session, urls, ready=".pagefind-ui__result-link")
    finally:
        session.close()
    _report(capsys, figures.line(f"site search {'with' if csp else 'without'} CSP, {len(queries)} queries"))
    _clean(figures)


def test_the_instruments_see_what_a_vector_would_do(browser: object) -> None:
    """The counters are not blind: a page that does run injected code is caught on every count."""
    bad = (
        b"<!doctype html><title>bad</title><img src=x onerror=alert(1)><script>window.__xss=1</script>"
        b"<img src='http://evil.example/x.png'><a href='javascript:alert(2)'>x</a>"
    )
    with LoopbackServer() as server:
        server.add("/bad.html", bad, content_type="text/html; charset=utf-8")
        server.add("/strict.html", bad, content_type="text/html", headers={"Content-Security-Policy": POLICY})
        loose = Session(browser)
        try:
            caught = render(loose, [server.url("/bad.html")])
        finally:
            loose.close()
        strict = Session(browser)
        try:
            blocked = render(strict, [server.url("/strict.html")])
        finally:
            strict.close()
    assert caught.dialogs == 1 and sorted(caught.markers) == [f"__xss on {server.url('/bad.html')}",
                                                             f"alert on {server.url('/bad.html')}"]  # fmt: skip
    assert len(caught.scripts) == 2 and caught.outbound == ["http://evil.example/x.png"]
    assert len(caught.dangers) == 3  # the handler, the inline script, the javascript: link
    # the policy `finews serve` sends stops both scripts and says so; the image is allowed and aborted
    assert blocked.executions == 0 and blocked.dialogs == 0 and len(blocked.violations) == 2
