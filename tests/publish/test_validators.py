"""The built site against the standards' own validators: the Nu Html Checker, RFC 4287's RELAX NG
schema, a JSON Feed 1.1 schema, the sitemaps.org schemas.

Two sites, each built once for the module: the demo (`finews demo`, the bundled samples, no
``site.base_url`` as `finews init` writes it) and one of 1,000 real items of the shared corpus with
understanding on (so company and person pages exist, folders like ``person/Sam Altman/``), a base
URL, an incremental second build, and one stored article as hostile as old archives hold (content
the sanitizer of the time let through, a NUL in its link). Each validator runs once over a whole
site: one JVM for all its pages.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from lxml import etree

from finews.config import config_from_dict
from finews.enrich.understand import Understanding
from finews.model import Article
from finews.pipeline import ingest_articles
from finews.publish.reading import build_from_archive
from finews.publish.site import NO_BASE_URL
from finews.sources.feed import article_from_item
from finews.store import open_archive

from ..conftest import CORPORA
from ..requirements import need_path, need_tool, unavailable

DATA = Path(__file__).resolve().parent.parent / "data"
BASE = "https://news.example.cn/desk"
ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
# items of each real feed the corpus site is made of (1,000 in all); real cnBeta items a second build adds
CORPUS_ITEMS = {"cnbeta": 600, "zhihu": 200, "infoq": 200}
ADDED = 20
HOSTILE_TITLE = "旧档案里的文章\x0b标题"
INSTALL = "bash scripts/system-packages.sh installs it"


def _vnu_jar() -> Path:
    """vnu.jar of the ``vnu-jar`` npm package, as scripts/system-packages.sh caches it."""
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    jar = Path(os.environ.get("FINEWS_VNU_JAR", cache / "finews-tools/vnu/node_modules/vnu-jar/build/dist/vnu.jar"))
    if not jar.is_file():
        unavailable(f"the Nu Html Checker is not installed ({jar}): {INSTALL}")
    return jar


@pytest.fixture(scope="module")
def demo_site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The demo site as `finews demo` builds it, and what the command printed."""
    folder = tmp_path_factory.mktemp("demo") / "demo"
    done = subprocess.run([sys.executable, "-m", "finews.cli", "demo", str(folder)], capture_output=True, text=True,
                          timeout=300, env={**os.environ, "COLUMNS": "400"})  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    return folder / "site", done.stdout


def _corpus_items(limit_per_feed: dict[str, int], skip: int = 0) -> list[tuple[str, dict]]:
    items = []
    for name, count in limit_per_feed.items():
        path = need_path(CORPORA / f"feeds/niles/items_{name}.jsonl")
        with path.open(encoding="utf-8") as handle:
            for number, line in enumerate(handle):
                if number >= skip + count:
                    break
                if number >= skip:
                    items.append((name, json.loads(line)))
    return items


def _hostile() -> Article:
    """An article as an older finews stored it: HTML its sanitizer let through, controls in its link and text."""
    return Article(
        source="cnbeta",
        url="https://www.cnbeta.com.tw/articles/新闻 1.htm?from=\x00rss",
        title=HOSTILE_TITLE,
        summary="摘要\x00里有控制字符",
        published=datetime.now(UTC),
        content_html=(
            '<h4>小标题</h4><pre><code lang="text">x = 1</code></pre>'
            '<a rel="noopener noreferrer nofollow">锚点</a><h3></h3>'
            '<p><img src="https://static.cnbetacdn.com/a b.png" width="72px" alt=""> 含\x00控制\x01字符</p>'
            '<p><a href="https://e.cn/路径 有空格" rel="noopener noreferrer nofollow">链接</a></p>'
        ),
    )


@pytest.fixture(scope="module")
def corpus_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """1,000 real items with understanding on, built; 20 more and a hostile stored article, built again."""
    root = tmp_path_factory.mktemp("corpus")
    sources = [{"name": name, "title": name, "url": "x"} for name in CORPUS_ITEMS]
    config = config_from_dict({"sources": sources, "site": {"base_url": BASE}}, base_dir=root)
    archive = open_archive(root / "archive.db")
    try:
        understanding = Understanding.resume(archive, datetime.now(UTC))
        items = _corpus_items(CORPUS_ITEMS)
        ingest_articles((article_from_item(item, name) for name, item in items), archive, understanding=understanding)
        build_from_archive(config, archive, root / "site", search=False)
        more = _corpus_items({"cnbeta": ADDED}, skip=CORPUS_ITEMS["cnbeta"])  # news arriving
        ingest_articles((article_from_item(item, name) for name, item in more), archive, understanding=understanding)
        archive.save([_hostile()])
        report = build_from_archive(config, archive, root / "site", search=False)
        assert report.incremental and report.rendered >= ADDED
    finally:
        archive.close()
    site = root / "site"
    assert len(list(site.glob("person/*/index.html"))) > 50 and len(list(site.glob("company/*/index.html"))) > 20
    assert any(" " in p.name for p in (site / "person").iterdir())  # the folders the defects were about
    return site


@pytest.fixture(scope="module", params=["demo", "corpus"])
def site(request: pytest.FixtureRequest) -> Path:
    if request.param == "demo":
        return request.getfixturevalue("demo_site")[0]
    return request.getfixturevalue("corpus_site")


def _uri_checker():
    from jsonschema import FormatChecker

    checker = FormatChecker()
    if checker.conforms("a/relative.html", "uri"):  # no URI checker installed: "uri" would pass anything
        unavailable("jsonschema cannot check URIs: install the test extra (jsonschema[format-nongpl])")
    return checker


def _is_uri(text: str) -> bool:
    """An absolute URI (RFC 3986), as the JSON Schema "uri" format checks it."""
    return _uri_checker().conforms(text, "uri")


def test_every_page_passes_the_nu_html_checker(site: Path) -> None:
    java = need_tool("java", f"Debian's default-jre-headless: {INSTALL}")
    pages = list(site.rglob("*.html"))
    assert len(pages) > 50
    done = subprocess.run([java, "-jar", str(_vnu_jar()), "--errors-only", "--format", "json", "--stdout",
                           "--exit-zero-always", "--skip-non-html", str(site)],
                          capture_output=True, text=True, timeout=600)  # fmt: skip
    assert done.returncode == 0, done.stderr
    messages = json.loads(done.stdout)["messages"]
    shown = [f"{m.get('url', '').rsplit('/site/', 1)[-1]}: {m['message']} [{m.get('extract', '')}]" for m in messages]
    assert shown == [], f"{len(shown)} errors:\n" + "\n".join(shown[:30])


def test_atom_feeds_match_rfc_4287(site: Path) -> None:
    jing = need_tool("jing", f"Debian's jing: {INSTALL}")
    feeds = sorted(site.rglob("atom.xml"))
    assert len(feeds) > 3
    done = subprocess.run([jing, "-c", str(DATA / "atom.rnc"), *map(str, feeds)], capture_output=True, text=True,
                          timeout=300)  # fmt: skip
    errors = [line for line in done.stdout.splitlines() if line.strip()]
    assert done.returncode == 0 and errors == [], "\n".join(errors[:30]) or done.stderr
    # the schema leaves IRIs unconstrained (atomUri = text); RFC 4287 wants ids absolute, links valid
    for feed in feeds:
        root = etree.parse(str(feed)).getroot()
        for element in root.iter(f"{ATOM}id"):
            assert _is_uri(element.text), (feed, element.text)
        for link in root.iter(f"{ATOM}link"):
            href = link.get("href")
            assert " " not in href and href.isascii(), (feed, href)


def test_json_feeds_match_json_feed_1_1(site: Path) -> None:
    from jsonschema import Draft202012Validator

    schema = json.loads((DATA / "jsonfeed-1.1.schema.json").read_text(encoding="utf-8"))
    validator = Draft202012Validator(schema, format_checker=_uri_checker())
    feeds = sorted(site.rglob("feed.json"))
    assert len(feeds) > 3
    errors = [
        f"{feed.relative_to(site)}: {error.json_path}: {error.message}"
        for feed in feeds
        for error in validator.iter_errors(json.loads(feed.read_text(encoding="utf-8")))
    ]
    assert errors == [], "\n".join(errors[:30])


def test_rss_feeds_parse_and_link_only_absolutely(site: Path) -> None:
    feeds = sorted(site.rglob("rss.xml"))
    assert len(feeds) > 3
    absolute = (site / "sitemap.xml").exists()
    for feed in feeds:
        channel = etree.parse(str(feed)).getroot().find("channel")  # well-formed XML, or this raises
        links = [e.text for e in channel.iter("link")] + [e.get("href") for e in channel.iter(f"{ATOM}link")]
        assert all(_is_uri(link) for link in links), (feed, [link for link in links if not _is_uri(link)])
        items = channel.findall("item")
        assert items and all(item.find("link") is not None for item in items) == absolute, feed


def test_sitemaps_match_the_sitemaps_org_schemas(corpus_site: Path) -> None:
    urlset = etree.XMLSchema(etree.parse(str(DATA / "sitemap.xsd")))
    index = etree.XMLSchema(etree.parse(str(DATA / "siteindex.xsd")))
    top = etree.parse(str(corpus_site / "sitemap.xml"))
    files = [top]
    if top.getroot().tag == f"{SITEMAP}sitemapindex":
        assert index.validate(top), index.error_log
        files = [etree.parse(str(corpus_site / loc.text.removeprefix(f"{BASE}/"))) for loc in top.iter(f"{SITEMAP}loc")]
    locs = []
    for document in files:
        assert urlset.validate(document), urlset.error_log
        locs += [loc.text for loc in document.iter(f"{SITEMAP}loc")]
    assert len(locs) == len(list(corpus_site.rglob("*.html")))
    assert all(loc.startswith(f"{BASE}/") and _is_uri(loc) for loc in locs), [loc for loc in locs if not _is_uri(loc)]
    assert any("/person/" in loc and "%20" in loc for loc in locs)  # person/Sam Altman/ as a URL
    assert f"Sitemap: {BASE}/sitemap.xml" in (corpus_site / "robots.txt").read_text(encoding="utf-8")


def test_the_hostile_stored_article_reaches_its_category_feed_well_formed(corpus_site: Path) -> None:
    atom = etree.parse(str(corpus_site / "category/cnbeta/atom.xml")).getroot()
    titles = [e.findtext(f"{ATOM}title") for e in atom.iter(f"{ATOM}entry")]
    assert HOSTILE_TITLE.replace("\x0b", "") in titles  # the control character is gone, the text stays
    related = [link.get("href") for link in atom.iter(f"{ATOM}link") if link.get("rel") == "related"]
    assert "https://www.cnbeta.com.tw/articles/%E6%96%B0%E9%97%BB%201.htm?from=%00rss" in related


def test_a_site_without_base_url_leaves_out_what_must_be_absolute_and_says_so(demo_site: tuple[Path, str]) -> None:
    site, printed = demo_site
    assert printed.count(NO_BASE_URL) == 1  # said once, by the build
    assert not (site / "sitemap.xml").exists() and "Sitemap" not in (site / "robots.txt").read_text(encoding="utf-8")
    page = next((site / "a").glob("*.html")).read_text(encoding="utf-8")
    assert 'rel="canonical"' not in page and "og:url" not in page
    assert 'rel="icon" href="../static/favicon.svg"' in page and (site / "static/favicon.svg").is_file()


def test_no_feed_or_sitemap_holds_a_character_xml_forbids(corpus_site: Path) -> None:
    forbidden = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
    written = [p for p in corpus_site.rglob("*") if p.name in ("atom.xml", "rss.xml", "feed.json", "robots.txt")]
    written += list(corpus_site.glob("sitemap*.xml")) + list(corpus_site.glob("sitemap/*.xml"))
    found = [p for p in written if forbidden.search(p.read_text(encoding="utf-8"))]
    assert found == []
    feeds = [json.loads(p.read_text(encoding="utf-8")) for p in corpus_site.rglob("feed.json")]
    values = [value for feed in feeds for item in feed["items"] for value in item.values() if isinstance(value, str)]
    assert not [value for value in values if forbidden.search(value)]  # nor written as \u0000 in the JSON
    assert any(item.get("title") == HOSTILE_TITLE.replace("\x0b", "") for f in feeds for item in f["items"])
