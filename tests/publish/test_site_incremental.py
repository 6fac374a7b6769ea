import json
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import feedparser
import pytest

from finews.extract import prepare
from finews.model import Article
from finews.publish import build_site
from finews.publish import site as site_module
from finews.publish.incremental import JOURNAL, Output, recover
from finews.publish.reading import build_from_archive
from finews.publish.state import STATE

from ..conftest import make_config

BJ = timezone(timedelta(hours=8))
SOURCES = [
    {"name": "em", "title": "东财", "url": "x", "category": "emnews", "category_name": "东财滚动新闻"},
    {"name": "kr", "title": "36kr", "url": "y", "category": "tech", "category_name": "科技"},
]


def _article(i: int) -> Article:
    article = prepare(
        Article(
            source="em" if i % 2 else "kr",
            url=f"https://e.cn/a/{i}.html",
            title=f"第{i}条新闻：茅台高管离职",
            summary=f"摘要{i}：与正文不同的说明。",
            published=datetime(2026, 3, 1, 8, 0, tzinfo=BJ) + timedelta(hours=7 * i),
            content_html=f"<p>正文{i}：贵州茅台公告，一位副总经理因个人原因离职。</p>",
        )
    )
    article.slug = str(i)
    article.id = i + 1
    article.story_id = 1 if i in (0, 5) else None
    return article


def _articles(n: int) -> list[Article]:
    return [_article(i) for i in reversed(range(n))]  # newest first, as the archive streams them


def _state(site: Path) -> dict[str, tuple[int, int]]:
    """Each file's inode and mtime: a file rewritten through a rename gets a new inode."""
    return {
        str(p.relative_to(site)): (p.stat().st_ino, p.stat().st_mtime_ns)
        for p in site.rglob("*")
        if p.is_file() and p.name != STATE
    }


def test_second_build_writes_only_what_a_new_article_changes(tmp_path):
    config = make_config(tmp_path, SOURCES, site={"per_page": 3, "base_url": "https://news.example.cn"})
    site = tmp_path / "site"
    first = build_site(_articles(12), config, site)
    assert not first.incremental and first.rendered == 12 and first.indexed
    assert (site / STATE).is_file() and not (site / JOURNAL).exists()
    before = _state(site)

    again = build_site(_articles(12), config, site)
    assert again.incremental and again.written == 0 and again.rendered == 0 and not again.indexed
    assert again.unchanged == len(before) and _state(site) == before

    grown = build_site(_articles(13), config, site)
    after = _state(site)
    changed = {path for path in after if before.get(path) != after[path]}
    assert grown.rendered == 1 and grown.indexed and grown.written == len(changed)
    assert {"a/12.html", "index.html", "atom.xml", "category/tech/index.html", "archive/2026/03/04/index.html",
            "sitemap.xml", "archive/index.html", "source/kr/index.html"} <= changed  # fmt: skip
    assert not any(p.startswith("a/") and p != "a/12.html" for p in changed)  # old articles left alone
    assert "page/1/index.html" not in changed and "page/2/index.html" not in changed  # sealed pages too
    assert "第12条新闻" in (site / "index.html").read_text(encoding="utf-8")
    assert feedparser.parse((site / "atom.xml").read_bytes()).entries[0].title.startswith("第12条新闻")
    pages = {p for p in changed if not p.startswith("pagefind")}
    assert len(pages) < len(after) / 4
    # the new page goes into a small second index the search page merges; the main one stays
    assert any(p.startswith("pagefind-new/") for p in changed) and not any(p.startswith("pagefind/") for p in changed)
    assert 'data-merge="pagefind-new/"' in (site / "search.html").read_text(encoding="utf-8")


def test_story_sections_and_removed_articles_follow_the_archive(tmp_path):
    config = make_config(tmp_path, SOURCES)
    site = tmp_path / "site"
    articles = _articles(8)
    build_site(articles, config, site)
    assert "同一事件" in (site / "a/0.html").read_text(encoding="utf-8")
    joined = [replace(a, story_id=1) if a.slug == "7" else a for a in articles]
    report = build_site(joined, config, site)
    assert report.rendered == 1  # article 7; articles 0 and 5 only get a longer related section
    assert report.indexed and not (site / "pagefind-new").exists()  # a changed page: the whole index again
    assert 'href="../a/7.html"' in (site / "a/0.html").read_text(encoding="utf-8")
    assert "第7条新闻" in (site / "story/1/index.html").read_text(encoding="utf-8")
    left = [a for a in articles if a.slug not in ("5", "7")]
    build_site(left, config, site)
    assert not (site / "a/5.html").exists() and not (site / "story/1").exists()
    assert "同一事件" not in (site / "a/0.html").read_text(encoding="utf-8")  # alone in its story now


def test_other_templates_rebuild_everything(tmp_path):
    theme = tmp_path / "theme"
    (theme / "templates").mkdir(parents=True)
    config = make_config(tmp_path, SOURCES)
    site = tmp_path / "site"
    build_site(_articles(4), config, site, search=False)
    (theme / "templates/list.html").write_text(
        '{% extends "base.html" %}{% block main %}<h1>我的主题</h1>{% endblock %}', encoding="utf-8"
    )
    themed = make_config(tmp_path, SOURCES, site={"theme": "theme"})
    report = build_site(_articles(4), themed, site, search=False)
    assert not report.incremental and report.rendered == 4
    assert "我的主题" in (site / "index.html").read_text(encoding="utf-8")


def test_killed_build_is_rolled_back_by_the_next_one(tmp_path, monkeypatch):
    config = make_config(tmp_path, SOURCES, site={"per_page": 3})
    site = tmp_path / "site"
    build_site(_articles(6), config, site, search=False)
    files = {p.relative_to(site): p.read_bytes() for p in site.rglob("*") if p.is_file()}
    folders = sorted(p.relative_to(site) for p in site.rglob("*") if p.is_dir())

    def die(self, theme):
        raise RuntimeError("killed")

    # a killed process runs no rollback: its journal stays behind for the next build
    monkeypatch.setattr(Output, "rollback", lambda self: None)
    monkeypatch.setattr(site_module._Builder, "static", die)
    with pytest.raises(RuntimeError):
        build_site(_articles(9), config, site, search=False)
    assert (site / JOURNAL).is_dir() and (site / "a/8.html").is_file()
    assert recover(site)
    assert {p.relative_to(site): p.read_bytes() for p in site.rglob("*") if p.is_file()} == files
    assert sorted(p.relative_to(site) for p in site.rglob("*") if p.is_dir()) == folders
    monkeypatch.undo()
    assert build_site(_articles(9), config, site, search=False).rendered == 3


def test_archive_builds_read_text_only_for_changed_articles(tmp_path, archive):
    config = make_config(tmp_path, SOURCES)
    site = tmp_path / "site"
    stored = _articles(5)
    for article in stored:
        article.id = None
        article.story_id = None
    archive.save(stored)
    first = build_from_archive(config, archive, site)
    assert first.rendered == 5 and not first.incremental
    loaded: list[int] = []
    get = archive.get
    archive.get = lambda article_id: loaded.append(article_id) or get(article_id)
    second = build_from_archive(config, archive, site)
    assert second.incremental and second.rendered == 0 and second.written == 0
    assert len(loaded) <= 5  # only the feeds' newest entries, never a page
    fresh = _article(40)
    fresh.id = None
    archive.save([fresh])
    third = build_from_archive(config, archive, site)
    assert third.rendered == 1 and third.indexed
    page = next(site.glob("a/*.html"), None) and [p for p in site.glob("a/*.html") if "第40条" in p.read_text()]
    assert page and "正文40" in page[0].read_text(encoding="utf-8")
    feed = json.loads((site / "feed.json").read_text(encoding="utf-8"))
    assert feed["items"][0]["content_html"].startswith("<p>正文40")
