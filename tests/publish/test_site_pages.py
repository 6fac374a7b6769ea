import json
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone
from html.parser import HTMLParser
from pathlib import Path
from typing import ClassVar
from urllib.parse import quote, unquote

import feedparser
from sqlalchemy import insert

from finews.extract import prepare
from finews.model import Article
from finews.publish import build_site, publish_all
from finews.store.queries import confident_mentions
from finews.store.schema import mentions as mentions_table

from ..conftest import make_config

BJ = timezone(timedelta(hours=8))
SOURCES = [
    {"name": "em", "title": "东财", "url": "x", "category": "emnews", "category_name": "东财滚动新闻"},
    {"name": "kr", "title": "36kr", "url": "y", "category": "tech", "category_name": "科技"},
]
XSS = '<script>alert("x")</script> & <b>粗</b>'
BASE = "https://news.example.cn/sub"
SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def _articles(n: int) -> list[Article]:
    out = []
    for i in range(n):
        article = prepare(
            Article(
                source="em" if i % 2 else "kr",
                url=f"https://e.cn/a/{i}.html",
                title=f"第{i}条新闻",
                summary=f"摘要{i}：与正文不同的说明。",
                published=datetime(2026, 3, 1, 8, 0, tzinfo=BJ) + timedelta(hours=7 * i),
                content_html=f"<p>正文{i}</p>",
            )
        )
        article.slug = str(i)
        article.id = i + 1
        if i == 3:  # after cleaning, which would strip the tags: a title as hostile as any that gets past it
            article.title = XSS
        out.append(article)
    return sorted(out, key=lambda a: a.published, reverse=True)


MENTIONS = {
    1: [("company", "600519.SH", "贵州茅台"), ("person", "张三", "张三")],
    4: [("company", "600519.SH", "贵州茅台"), ("company", "../etc", XSS)],  # article 3: the XSS one
    6: [("company", "600519.SH", "贵州茅台"), ("company", "index.html", "索引公司")],
    8: [("company", "A/B", "甲乙"), ("company", "A_B", "甲乙二"), ("topic", "x", "忽略")],
}


def _build(tmp_path: Path, n: int = 12, **site: object) -> Path:
    articles = _articles(n)
    for article in articles:
        if article.id in (2, 5, 9):
            article.story_id = 2
        if article.id == 7:
            article.story_id = 7  # alone: no story page
    copy = Article(source="em", url="https://other.cn/copy", title="转载")
    config = make_config(tmp_path, SOURCES, site={"per_page": 3, "title": "测试站", **site})
    build_site(articles, config, tmp_path / "site", also={5: [copy]}, mentions=MENTIONS, search=False)
    return tmp_path / "site"


def test_every_feed_parses_back(tmp_path):
    site = _build(tmp_path, base_url=BASE + "/")
    folders = ["", "category/tech/", "category/emnews/", "company/600519.SH/", "person/张三/"]
    for folder in folders:
        atom = feedparser.parse((site / folder / "atom.xml").read_bytes())
        rss = feedparser.parse((site / folder / "rss.xml").read_bytes())
        assert not atom.bozo and atom.version == "atom10", folder
        assert not rss.bozo and rss.version == "rss20", folder
        feed = json.loads((site / folder / "feed.json").read_text(encoding="utf-8"))
        assert feed["version"] == "https://jsonfeed.org/version/1.1" and feed["feed_url"].startswith(BASE)
        assert len(feed["items"]) == len(rss.entries) == len(atom.entries) > 0
        for parsed, item in zip(rss.entries, feed["items"], strict=True):
            assert parsed.link == item["url"] and item["url"].startswith(f"{BASE}/a/")
            assert parsed.title == item["title"] and parsed.id == item["id"]
            assert parsed.published_parsed and item["date_published"].startswith("2026-03-")
            assert item["content_html"].startswith("<p>正文") and item["summary"].startswith("摘要")
            assert parsed.content[0].value == item["content_html"]
    company = json.loads((site / "company/600519.SH/feed.json").read_text(encoding="utf-8"))
    assert [i["url"].rsplit("/", 1)[1] for i in company["items"]] == ["5.html", "3.html", "0.html"]
    home = feedparser.parse((site / "rss.xml").read_bytes())
    assert home.entries[0].title == "第11条新闻"
    titles = [e.title for e in home.entries]
    assert XSS in titles  # escaped in the XML, the same text once parsed
    raw = (site / "rss.xml").read_text(encoding="utf-8")
    assert "<script" not in raw and "&lt;script&gt;alert(&#34;x&#34;)" in raw


def test_without_a_base_url_feeds_keep_only_links_that_may_be_relative(tmp_path):
    site = _build(tmp_path)
    # RSS and JSON Feed want absolute links: without the site's address they are left out
    feed = json.loads((site / "category/tech/feed.json").read_text(encoding="utf-8"))
    assert "feed_url" not in feed and "home_page_url" not in feed
    assert [item["id"] for item in feed["items"]][:1] == ["urn:finews:10"] and "url" not in feed["items"][0]
    assert feed["items"][0]["external_url"] == "https://e.cn/a/10.html"
    rss = ET.parse(site / "person/张三/rss.xml").getroot()
    assert rss.find("channel/link") is None and rss.find("channel/item/link") is None
    assert rss.find("channel/item/guid").get("isPermaLink") == "false"
    # Atom's links are IRI references: relative to the feed file, percent-encoded, they resolve from its folder
    atom = ET.parse(site / "person/张三/atom.xml").getroot()
    ns = "{http://www.w3.org/2005/Atom}"
    assert atom.findtext(f"{ns}id") == "urn:finews:feed:person/%E5%BC%A0%E4%B8%89/atom.xml"
    href = atom.find(f"{ns}entry/{ns}link[@rel='alternate']").get("href")
    assert href == "../../a/0.html" and (site / "person/张三" / unquote(href)).resolve().is_file()


def test_sitemap_lists_every_page_and_robots_points_to_it(tmp_path):
    site = _build(tmp_path, base_url=BASE)
    urls = ET.parse(site / "sitemap.xml").getroot().findall(f"{SITEMAP_NS}url")
    locs = [u.find(f"{SITEMAP_NS}loc").text for u in urls]
    assert len(locs) == len(set(locs)) and all(loc.startswith(f"{BASE}/") for loc in locs)
    assert f"{BASE}/person/%E5%BC%A0%E4%B8%89/index.html" in locs  # percent-encoded: a URL, not a file name
    for loc in locs:
        assert (site / unquote(loc.removeprefix(f"{BASE}/"))).is_file(), loc
    pages = {str(p.relative_to(site)) for p in site.rglob("*.html") if p.is_file()}
    assert {unquote(loc.removeprefix(f"{BASE}/")) for loc in locs} == pages
    assert all(u.find(f"{SITEMAP_NS}lastmod") is not None for u in urls)
    robots = (site / "robots.txt").read_text(encoding="utf-8")
    assert "User-agent: *" in robots and "Allow: /" in robots and f"Sitemap: {BASE}/sitemap.xml" in robots
    plain = _build(tmp_path / "plain")  # no base URL: a sitemap's locations must be absolute, so none
    assert "Sitemap" not in (plain / "robots.txt").read_text(encoding="utf-8") and not (plain / "sitemap.xml").exists()


def test_company_and_person_pages_with_badges(tmp_path):
    site = _build(tmp_path)
    for page in ("company/index.html", "person/index.html", "company/600519.SH/index.html", "person/张三/index.html"):
        assert (site / page).is_file(), page
    assert not (site / "company/x").exists()  # kinds other than company and person make no page
    moutai = (site / "company/600519.SH/index.html").read_text(encoding="utf-8")
    assert "贵州茅台（600519.SH）" in moutai and 'href="../../a/5.html"' in moutai
    assert 'type="application/rss+xml"' in moutai and 'href="feed.json"' in moutai
    index = (site / "company/index.html").read_text(encoding="utf-8")
    assert 'href="600519.SH/index.html">贵州茅台</a>' in index and "3 篇" in index
    # unsafe, reserved and colliding keys each get a folder of their own inside company/
    folders = sorted(p.name for p in (site / "company").iterdir() if p.is_dir())
    assert "_index.html" in folders and len([f for f in folders if f.startswith("A_B")]) == 2
    assert all((site / "company" / f / "index.html").is_file() for f in folders)
    assert "_etc" in folders and not (site / "etc").exists()
    article = (site / "a/0.html").read_text(encoding="utf-8")
    assert 'href="../company/600519.SH/index.html"' in article
    assert 'href="../person/%E5%BC%A0%E4%B8%89/index.html"' in article  # 张三, as a URL
    assert 'class="badges"' not in (site / "a/1.html").read_text(encoding="utf-8")


def test_story_pages_and_related_reports(tmp_path):
    site = _build(tmp_path)
    story = (site / "story/2/index.html").read_text(encoding="utf-8")
    assert story.index("第1条新闻") < story.index("第4条新闻") < story.index("第8条新闻")  # oldest first
    assert "其他来源也报道了：东财" in story  # article 4 (id 5) has a copy from em
    assert not (site / "story/7").exists()
    member = (site / "a/4.html").read_text(encoding="utf-8")
    assert "同一事件" in member and 'href="../a/1.html"' in member and 'href="../a/8.html"' in member
    assert 'href="../story/2/index.html"' in member
    # the section sits between its two markers, so a later build can replace it in place
    assert member.index("<!--finews:related-->") < member.index("同一事件") < member.index("<!--/finews:related-->")
    assert "同一事件" not in (site / "a/6.html").read_text(encoding="utf-8")


def test_day_by_day_archive(tmp_path):
    site = _build(tmp_path, n=12)  # 7 h apart from 2026-03-01 08:00: 3, 3, 4, 2 a day
    index = (site / "archive/index.html").read_text(encoding="utf-8")
    for day, count in (("03/01", 3), ("03/02", 3), ("03/03", 4), ("03/04", 2)):
        assert f'href="2026/{day}/index.html"' in index
        assert f'{day.replace("/", "月")}日</time></a> <span class="meta count">{count} 篇' in index
    assert not (site / "archive/2026/03/03/page").exists()  # 4 articles, 3 a page: all on the first
    assert "第8条新闻" in (site / "archive/2026/03/03/index.html").read_text(encoding="utf-8")
    day = (site / "archive/2026/03/01/index.html").read_text(encoding="utf-8")
    assert "第2条新闻" in day and "第5条新闻" not in day and 'href="../../../../a/0.html"' in day


class _Checker(HTMLParser):
    VOID: ClassVar[set[str]] = {"meta", "link", "br", "img", "hr", "input", "source", "wbr"}

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.errors: list[str] = []

    def handle_starttag(self, tag, attrs):
        src = dict(attrs).get("src") or ""
        if tag == "script" and (not src or "//" in src):  # only the site's own script files, never inline
            self.errors.append("script")
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack.pop() != tag:
            self.errors.append(f"unbalanced </{tag}>")


def test_pages_are_balanced_escaped_and_self_contained(tmp_path):
    site = _build(tmp_path, base_url=BASE)
    for page in (p for p in site.rglob("*.html") if p.is_file()):
        text = page.read_text(encoding="utf-8")
        checker = _Checker()
        checker.feed(text)
        assert not checker.errors and not checker.stack, (page, checker.errors, checker.stack)
        assert text.startswith('<!doctype html>\n<html lang="zh-CN">')
        # the page's own address (canonical, Open Graph) is the only absolute link to the site
        own = f"{BASE}/{quote(page.relative_to(site).as_posix())}"
        assert text.count(own) == (2 if page.parent.name == "a" else 1), page
        text = text.replace(own, "")
        assert "https://" not in text.replace("https://e.cn/", "").replace("https://other.cn/", ""), page
    assert "&lt;script&gt;alert(&#34;x&#34;)" in (site / "a/3.html").read_text(encoding="utf-8")
    badge = (site / "a/3.html").read_text(encoding="utf-8")
    assert "<b>粗</b>" not in badge and "&lt;b&gt;粗&lt;/b&gt;" in badge
    for name in ("atom.xml", "rss.xml"):
        ET.parse(site / name)  # well-formed despite the title
    assert XSS in [i["title"] for i in json.loads((site / "feed.json").read_text(encoding="utf-8"))["items"]]


def test_old_articles_in_entity_feeds_carry_their_digest(tmp_path):
    articles = _articles(30)  # feed_items 2: full text kept for the newest 10 streamed, and for site/category feeds
    mentioned = {1: [("company", "OLD", "旧公司")], 2: [("company", "OLD", "旧公司")], 26: [("person", "新", "新")]}
    config = make_config(tmp_path, SOURCES, site={"feed_items": 2})
    build_site(articles, config, tmp_path / "site", mentions=mentioned, search=False)
    old = json.loads((tmp_path / "site/company/OLD/feed.json").read_text(encoding="utf-8"))["items"]
    assert [i["content_html"] for i in old] == ["<p>摘要1：与正文不同的说明。</p>", "<p>摘要0：与正文不同的说明。</p>"]
    new = json.loads((tmp_path / "site/person/新/feed.json").read_text(encoding="utf-8"))["items"]
    assert [i["content_html"] for i in new] == ["<p>正文25</p>"]
    assert len(json.loads((tmp_path / "site/feed.json").read_text(encoding="utf-8"))["items"]) == 2


def test_publish_all_reads_confident_mentions_from_the_archive(tmp_path, archive):
    config = make_config(tmp_path, SOURCES, site={"output": str(tmp_path / "out")})
    articles = _articles(3)
    for article in articles:
        article.id = None
    archive.save(articles)
    stored = {a.title: a.id for a in archive.iter_articles()}
    rows = [
        (stored["第0条新闻"], "company", "00700.HK", "腾讯控股", 0.9),
        (stored["第0条新闻"], "company", "00700.HK", "腾讯控股", 0.95),  # twice in one article: one badge
        (stored["第1条新闻"], "person", "李四", "李四", 0.3),  # a guess: no page
    ]
    with archive.engine.begin() as conn:
        conn.execute(insert(mentions_table), [
            {"article_id": a, "kind": k, "key": key, "name": n, "text": n, "field": "body", "start": 0,
             "end": 2, "confidence": c, "origin": "dictionary", "role": "", "org": ""}
            for a, k, key, n, c in rows
        ])  # fmt: skip
    assert confident_mentions(archive.engine) == {stored["第0条新闻"]: [("company", "00700.HK", "腾讯控股")]}
    report = publish_all(config, archive)
    assert report.site and (tmp_path / "out/company/00700.HK/index.html").is_file()
    assert not (tmp_path / "out/person/李四").exists() and (tmp_path / "out/person/index.html").is_file()
    page = (tmp_path / "out/a" / f"{archive.get(stored['第0条新闻']).slug}.html").read_text(encoding="utf-8")
    assert page.count("腾讯控股</a>") == 1


def test_machine_readable_times_are_to_the_second(tmp_path):
    articles = _articles(3)
    articles[0].published = datetime(2026, 3, 2, 9, 30, 15, 123456, tzinfo=BJ)  # as fetched_at stands in for it
    config = make_config(tmp_path, SOURCES, site={"per_page": 3})
    build_site(articles, config, tmp_path / "site", search=False)
    page = (tmp_path / "site/a" / f"{articles[0].slug}.html").read_text(encoding="utf-8")
    home = (tmp_path / "site/index.html").read_text(encoding="utf-8")
    assert '<time datetime="2026-03-02T09:30:15+08:00"' in page and 'datetime="2026-03-02T09:30:15+08:00"' in home
    assert ".123456" not in page + home
