"""The XSS corpus through the exports: Jekyll and Hexo posts, built by the real generators, in Chromium.

Each vector goes into every field a post has (title, author, summary, body, link, lead image,
categories), twice: once as finews extracts a feed item, once as an archive might hold it, with
the link, image, summary and title straight from the feed. Both are exported as Jekyll (kramdown)
and Hexo (marked) posts with Markdown and with HTML bodies, the four sites are built by Jekyll and
Hexo themselves, served from loopback, and every page is opened **without** a Content-Security-Policy:
the exports' escaping alone must hold. A plain post's page tells what the themes do of their own
(minima's JSON-LD block, landscape's icon font from a CDN), which is all the other pages may do.
Every feed the sites' own plugins make of the posts (jekyll-feed, hexo-generator-feed), and the
Atom, RSS and JSON feeds of finews' own site built from the same articles, must parse strictly.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from finews.config import config_from_dict
from finews.extract import prepare
from finews.model import Article
from finews.publish import build_site, export_posts
from finews.publish.hexo import hexo_path
from finews.publish.jekyll import jekyll_path
from finews.publish.posts import post_context

from ..publish.real_sites import (
    build_hexo,
    build_jekyll,
    feed_files,
    hexo_page,
    hexo_site,
    jekyll_page,
    jekyll_site,
    malformed_feeds,
    need_hexo,
    need_jekyll,
)
from .conftest import Session
from .inspect import Figures, render
from .vectors import LINKS, items, load_vectors

HOSTILE = '<script>window.__xss=1</script>"><img src=x onerror=alert(1)>{% 标签 %}'
# links that are http(s) and still try to leave the Markdown link or the attribute they are put in
HOSTILE_LINKS = [
    *LINKS,
    'https://ok.example.cn/x"><script>alert(1)</script>',
    "https://ok.example.cn/x) <img src=x onerror=alert(1)>",
    "http://ok.example.cn/x><svg onload=alert(1)>",
    "JaVaScRiPt:alert(1)",
    "java\tscript:alert(1)",
    "\x0ejavascript:alert(1)",
    "javascript&colon;alert(1)",
]
CONTROL = "对照"
# characters XML 1.0 forbids or HTML calls errors (NUL, C0 and C1 controls, noncharacters), which a
# publisher's feed may still hand over, in text and in markup; lone surrogates too, in the raw fields
FORBIDDEN_CHARS = ["\x00", "\x01", "\x08", "\x0b", "\x0c", "\x1b", "\x1f", "\x7f", "\x80", "\x85", "\x9f",
                   "\ufdd0", "\ufffe", "\uffff"]  # fmt: skip
CONTROL_VECTORS = [f"控制{c}字符<b>{c}</b>" for c in FORBIDDEN_CHARS] + ["".join(FORBIDDEN_CHARS)]
SURROGATES = "孤\ud800立\udfff代理"
SITES = [("jekyll", "markdown"), ("jekyll", "html"), ("hexo", "markdown"), ("hexo", "html")]


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


def _serve(folder: Path) -> tuple[ThreadingHTTPServer, str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Quiet, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def _articles(vectors: list[str], base: str) -> list[Article]:
    out = []
    for n, item in enumerate(items(vectors, base, links=True)):
        fields = {"source": "vectors", "title": item.title, "author": item.author, "summary": item.summary,
                  "content_html": item.content, "image": item.image, "categories": item.tags,
                  "published": item.published}  # fmt: skip
        extracted = prepare(Article(url=item.url, guid=f"x{item.n}", **fields))
        extracted.slug = f"x{item.n}"
        raw = prepare(Article(url=item.url, guid=f"r{item.n}", **fields))
        raw.slug = f"r{item.n}"
        raw.title, raw.summary, raw.author, raw.categories = item.title, item.summary, item.author, item.tags
        raw.url = HOSTILE_LINKS[n % len(HOSTILE_LINKS)] if n < len(HOSTILE_LINKS) else item.tags[1]
        raw.image = item.image
        out += [extracted, raw]
    lone = prepare(Article(source="vectors", url=f"{base}/a/s.html", guid="s", title="s", content_html="<p>正文</p>"))
    lone.slug, lone.title, lone.summary, lone.author = "s", SURROGATES, SURROGATES, SURROGATES
    lone.categories = [SURROGATES, *FORBIDDEN_CHARS]
    out.append(lone)
    control = prepare(Article(source="vectors", url=f"{base}/a/0.html", title=CONTROL, content_html="<p>正文</p>"))
    control.slug = "control"
    return [control, *out]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, tuple[str, list[str], str]]]:
    """Each site's built folder; for each: its loopback address, each post page's, the control post's page."""
    need_jekyll()
    need_hexo()
    vectors = load_vectors() + CONTROL_VECTORS
    root = tmp_path_factory.mktemp("export-xss")
    source = {"name": "vectors", "title": HOSTILE, "url": "x", "category": "vectors", "category_name": HOSTILE,
              "tags": [HOSTILE], "hexo_categories": ["测试", HOSTILE]}  # fmt: skip
    export = {"home_label": HOSTILE, "fallback_image": "javascript:alert(1)", "site_url": "javascript:alert(1)//"}
    site = {"base_url": "https://news.example.cn/desk"}
    config = config_from_dict({"sources": [source], "export": export, "site": site}, base_dir=root)
    servers = []
    found = {}
    folders = {}
    # the articles' own addresses refuse connections: relative images fail at once
    with socket.socket() as refusing:
        refusing.bind(("127.0.0.1", 0))
        articles = _articles(vectors, f"http://127.0.0.1:{refusing.getsockname()[1]}")
        for fmt, body in SITES:
            folder = (jekyll_site if fmt == "jekyll" else hexo_site)(root / f"{fmt}-{body}")
            export_posts(articles, fmt, folder, config, body=body)
            built = (build_jekyll if fmt == "jekyll" else build_hexo)(folder)
            folders[f"{fmt}-{body}"] = built
            server, url = _serve(built)
            servers.append(server)
            pages = {}
            for article in articles:
                ctx = post_context(article, config)
                post = folder / (jekyll_path if fmt == "jekyll" else hexo_path)(article, ctx)
                page = (jekyll_page if fmt == "jekyll" else hexo_page)(folder, built, post)
                assert page.is_file(), page
                pages[article.slug] = f"{url}/{page.relative_to(built).as_posix()}"
            control = pages.pop("control")
            found[f"{fmt}-{body}"] = (url, list(pages.values()), control)
        # lone surrogates only in the exports: finews' own build stops at them (they cannot be encoded)
        build_site([a for a in articles if a.title != SURROGATES], config, root / "finews", search=False)
        folders["finews"] = root / "finews"
        try:
            yield folders, found
        finally:
            for server in servers:
                server.shutdown()
                server.server_close()


@pytest.fixture(scope="module")
def sites(built: tuple[dict, dict]) -> dict[str, tuple[str, list[str], str]]:
    return built[1]


def test_every_feed_of_the_built_sites_is_well_formed(built: tuple[dict[str, Path], dict]) -> None:
    """jekyll-feed's feed.xml, hexo-generator-feed's atom.xml and rss2.xml, finews' own Atom, RSS and JSON."""
    folders = built[0]
    counts = {site: len(feed_files(folder)) for site, folder in folders.items()}
    assert all(n >= 1 for n in counts.values()) and counts["finews"] >= 3, counts
    refused = {
        f"{site}/{name}": why for site, folder in folders.items() for name, why in malformed_feeds(folder).items()
    }
    assert not refused, refused


def _theme_only(figures: Figures) -> set[str]:
    """What was found, less the page it was on; a theme's JSON-LD block (data, never run) by its kind alone."""
    found = {danger[danger.index(" <") + 1 :] for danger in figures.dangers}  # page paths hold spaces
    return {"<script> JSON-LD" if d.startswith('<script> \n{"@context"') else d for d in found}


@pytest.mark.parametrize("site", [f"{fmt}-{body}" for fmt, body in SITES])
def test_no_vector_runs_in_exported_posts_without_csp(
    browser: object, sites: dict, site: str, capsys: pytest.CaptureFixture
) -> None:
    url, pages, control = sites[site]
    session = Session(browser, bypass_csp=True)
    try:
        theme = render(session, [control])
        figures = render(session, [*pages, f"{url}/index.html"])
    finally:
        session.close()
    outbound = [u for u in figures.outbound if u not in set(theme.outbound)]
    with capsys.disabled():
        print(f"\nXSS export {site}: {figures.line('without CSP')}; beyond the theme's own: {len(outbound)}")
    assert theme.dialogs == 0 and theme.executions == 0 and not theme.failed, theme.problems()
    assert figures.pages == len(pages) + 1 >= 40 and not figures.failed, figures.failed
    assert figures.dialogs == 0 and figures.executions == 0, figures.problems()
    assert not outbound and not [u for u in figures.outbound if "evil.example" in u], figures.problems()
    assert _theme_only(figures) <= _theme_only(theme), sorted(_theme_only(figures) - _theme_only(theme))[:12]
