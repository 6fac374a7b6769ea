"""A build after a change reads, loads and renders only what changed, and makes the site a full build makes."""

import json
import random
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete, insert, select, update

from finews.publish import listing, pages, reading
from finews.publish.build import build_site
from finews.publish.incremental import JOURNAL, recover
from finews.publish.reading import build_from_archive
from finews.publish.state import STATE
from finews.store.schema import articles, mentions

from ..conftest import make_config
from .test_site_incremental import SOURCES, _article

N = 60
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
BASE = "https://news.example.cn/sub"


def _stored(i: int):
    article = _article(i)
    article.id = None
    article.story_id = None
    return article


def _files(site: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(site)): p.read_bytes()
        for p in site.rglob("*")
        if p.is_file() and not p.name.startswith(STATE)
    }


def test_a_new_article_costs_the_same_on_a_small_or_a_large_site(tmp_path, archive, monkeypatch):
    config = make_config(tmp_path, SOURCES, site={"per_page": 3, "feed_items": 5})
    site = tmp_path / "site"
    archive.save([_stored(i) for i in reversed(range(N))])
    assert not build_from_archive(config, archive, site, search=False).incremental
    build_from_archive(config, archive, site, search=False)  # the first incremental build
    # the archive was filled seconds ago: the margin for saves that overlap a build would read it all
    monkeypatch.setattr(reading, "MARGIN", timedelta(0))
    read: list[str] = []
    light = reading.light_articles
    monkeypatch.setattr(reading, "light_articles", lambda *a, **k: (read.append(x.title) or x for x in light(*a, **k)))
    loaded: list[int] = []
    get = archive.get
    monkeypatch.setattr(archive, "get", lambda article_id: loaded.append(article_id) or get(article_id))
    lists: list[str] = []
    list_page = listing.list_page
    monkeypatch.setattr(
        listing,
        "list_page",
        lambda builder, path, *a, **k: lists.append(path) or list_page(builder, path, *a, **k),
    )

    archive.save([_stored(N)])
    report = build_from_archive(config, archive, site, search=False)
    assert report.incremental and report.rendered == 1
    assert read == [_article(N).title]  # no other article is read from the archive
    assert len(loaded) <= 2 * 5  # the site's and the category's feeds: each at most feed_items entries
    # the first page of each list the article is in (home, source, category, day), and the page a
    # new article seals; every other of the site's ~60 list pages is carried over without a look
    assert set(lists) <= {"index.html", "source/kr/index.html", "category/tech/index.html",
                          "archive/2026/03/18/index.html", "page/19/index.html", "source/kr/page/9/index.html",
                          "category/tech/page/9/index.html", "page/18/index.html"}  # fmt: skip
    assert "index.html" in lists and report.pages > 100


def test_the_site_after_changes_is_the_site_a_full_build_makes(tmp_path, archive):
    config = make_config(tmp_path, SOURCES, site={"per_page": 3, "feed_items": 5})
    site = tmp_path / "site"
    archive.save([_stored(i) for i in reversed(range(N))])
    build_from_archive(config, archive, site, search=False)
    build_from_archive(config, archive, site, search=False)
    with archive.engine.connect() as conn:
        ids = dict(conn.execute(select(articles.c.slug, articles.c.id)).all())
    # a story found among old articles (it does not touch changed_at), a retitled old one, a new one
    with archive.engine.begin() as conn:
        conn.execute(update(articles).where(articles.c.id.in_([ids["3"], ids["9"]])).values(story_id=ids["3"]))
    archive.save([replace(_stored(20), title="第20条新闻：改了标题"), _stored(N), _stored(N + 1)])
    report = build_from_archive(config, archive, site, search=False)
    assert report.incremental and report.rendered == 5
    full = tmp_path / "full"
    build_from_archive(config, archive, full, search=False, full=True)
    assert _files(site) == _files(full)
    assert "改了标题" in (site / "a/20.html").read_text(encoding="utf-8")
    assert (site / "story" / str(ids["3"]) / "index.html").is_file()


def _mention(article_id: int, kind: str, key: str, name: str) -> dict:
    return {"article_id": article_id, "kind": kind, "key": key, "name": name, "text": name, "field": "body",
            "start": 0, "end": len(name), "confidence": 0.9, "origin": "dictionary", "role": "", "org": ""}  # fmt: skip


def test_entities_stories_and_other_reports_reach_the_same_site_as_a_full_build(tmp_path, archive, monkeypatch):
    config = make_config(tmp_path, SOURCES, site={"per_page": 3, "feed_items": 5, "base_url": BASE})
    site = tmp_path / "site"
    archive.save([_stored(i) for i in reversed(range(N))])
    with archive.engine.connect() as conn:
        ids = dict(conn.execute(select(articles.c.slug, articles.c.id)).all())
    company = [_mention(ids[str(i)], "company", "600519.SH", "贵州茅台") for i in range(1, 12)]
    person = [_mention(ids[str(i)], "person", key, key) for i in (3, 4, 40) for key in ("张三", "Sam Altman")]
    with archive.engine.begin() as conn:
        conn.execute(insert(mentions), company + person)
        conn.execute(update(articles).where(articles.c.id.in_([ids["3"], ids["9"]])).values(story_id=ids["3"]))
    build_from_archive(config, archive, site, search=False)
    build_from_archive(config, archive, site, search=False)

    # new articles: one naming a known and a new company, one a copy of an old article; an old one
    # joins a story, another is retitled, another gains a person
    archive.save([_stored(N), _stored(N + 1), replace(_stored(30), title="第30条新闻：改了标题")])
    with archive.engine.connect() as conn:
        ids = dict(conn.execute(select(articles.c.slug, articles.c.id)).all())
    with archive.engine.begin() as conn:
        conn.execute(insert(mentions), [_mention(ids[str(N)], "company", "600519.SH", "贵州茅台"),
                                        _mention(ids[str(N)], "company", "000001.SZ", "平安银行"),
                                        _mention(ids["50"], "person", "李四", "李四"),
                                        _mention(ids["50"], "person", "Jensen Huang", "Jensen Huang")])  # fmt: skip
        conn.execute(update(articles).where(articles.c.id == ids[str(N + 1)]).values(duplicate_of=ids["5"]))
        conn.execute(update(articles).where(articles.c.id.in_([ids["20"], ids[str(N)]])).values(story_id=ids["3"]))
    streamed: list[int] = []
    monkeypatch.setattr(reading, "build_site", lambda *a, **k: streamed.append(1) or build_site(*a, **k))
    report = build_from_archive(config, archive, site, search=False)
    assert report.incremental and not streamed  # made in place, from the listings the changes reach
    full = tmp_path / "full"
    build_from_archive(config, archive, full, search=False, full=True)
    assert _files(site) == _files(full)
    assert "平安银行" in (site / "company/index.html").read_text(encoding="utf-8")
    # folders are named as the entities are; their links, feeds and sitemap locations are URLs
    people = (site / "person/index.html").read_text(encoding="utf-8")
    assert 'href="Sam%20Altman/index.html"' in people and 'href="Jensen%20Huang/index.html"' in people
    assert 'href="%E6%9D%8E%E5%9B%9B/index.html"' in people and (site / "person/Jensen Huang/index.html").is_file()
    feed = json.loads((site / "person/Jensen Huang/feed.json").read_text(encoding="utf-8"))
    assert feed["feed_url"] == f"{BASE}/person/Jensen%20Huang/feed.json"
    assert f"<loc>{BASE}/person/Jensen%20Huang/index.html</loc>" in (site / "sitemap.xml").read_text(encoding="utf-8")
    assert (site / "story" / str(ids["3"]) / "index.html").read_text(encoding="utf-8").count('class="title"') == 4

    # an article taken out of the archive empties its day: the streaming build makes that site
    with archive.engine.begin() as conn:
        conn.execute(delete(mentions).where(mentions.c.article_id == ids["58"]))
        conn.execute(delete(articles).where(articles.c.id == ids["58"]))
    report = build_from_archive(config, archive, site, search=False)
    assert report.incremental and streamed
    shutil.rmtree(full)
    build_from_archive(config, archive, full, search=False, full=True)
    assert _files(site) == _files(full)


def test_rounds_of_random_changes_keep_the_site_a_full_build_makes(tmp_path, archive, monkeypatch):
    rng = random.Random(7)
    streamed: list[int] = []
    monkeypatch.setattr(reading, "build_site", lambda *a, **k: streamed.append(1) or build_site(*a, **k))
    config = make_config(tmp_path, SOURCES, site={"per_page": 3, "feed_items": 4})
    site, full = tmp_path / "site", tmp_path / "full"
    archive.save([_stored(i) for i in reversed(range(30))])
    build_from_archive(config, archive, site, search=False)
    people = ["张三", "李四", "王五"]
    made = 30
    for _ in range(4):
        with archive.engine.connect() as conn:
            ids = dict(conn.execute(select(articles.c.slug, articles.c.id)).all())
        fresh = [_stored(made + n) for n in range(rng.randint(1, 4))]
        fresh += [replace(_stored(n), title=f"第{n}条：第{made}轮改了标题") for n in rng.sample(range(made), 2)]
        archive.save(fresh)
        made += len(fresh)
        with archive.engine.connect() as conn:
            ids = dict(conn.execute(select(articles.c.slug, articles.c.id)).all())
        newest = ids[str(made - 4)] if str(made - 4) in ids else ids[str(made - 3)]
        with archive.engine.begin() as conn:
            picked = rng.sample(sorted(ids.values()), 3)
            conn.execute(insert(mentions), [_mention(i, "person", rng.choice(people), "") for i in picked])
            names = [rng.choice(["贵州茅台", "茅台"]) for _ in picked]  # a new name renames the company
            conn.execute(
                insert(mentions), [_mention(i, "company", "600519.SH", n) for i, n in zip(picked, names, strict=True)]
            )
            # the newest article turns out to be another report of an old one
            conn.execute(update(articles).where(articles.c.id == ids[str(made - 3)])
                         .values(duplicate_of=rng.choice(sorted(ids.values())[:10])))  # fmt: skip
            conn.execute(update(articles).where(articles.c.id.in_(rng.sample(sorted(ids.values()), 2)))
                         .values(story_id=newest))  # fmt: skip
        if rng.random() < 0.3:  # an article taken out of the archive
            with archive.engine.begin() as conn:
                conn.execute(delete(articles).where(articles.c.id == rng.choice(sorted(ids.values()))))
        assert build_from_archive(config, archive, site, search=False).incremental
        shutil.rmtree(full, ignore_errors=True)
        build_from_archive(config, archive, full, search=False, full=True)
        assert _files(site) == _files(full)
    assert len(streamed) < 1 + 4 + 4  # besides the first and the full builds, most rounds went in place


KILL = """
import json, os, sys
from pathlib import Path
from finews.config import config_from_dict
from finews.publish import delta, incremental
from finews.publish.reading import build_from_archive
from finews.store import open_archive
where = sys.argv[1]
def die(*args, **kwargs):
    os._exit(9)
if where == "before":  # pages written, state not committed
    delta.pages.write_sitemaps = die
else:  # state committed, journal not yet dropped
    incremental.shutil.rmtree = die
with open_archive(Path(sys.argv[2])) as archive:
    config = config_from_dict(json.loads(sys.argv[3]), base_dir=Path(sys.argv[5]))
    build_from_archive(config, archive, Path(sys.argv[4]), search=False)
"""


@pytest.mark.parametrize("where", ["before", "after"])
def test_a_killed_build_in_place_is_undone_or_kept_whole(tmp_path, archive, where):
    settings = {"sources": SOURCES, "site": {"per_page": 3, "feed_items": 5}}
    config = make_config(tmp_path, SOURCES, site=settings["site"])
    site = tmp_path / "site"
    archive.save([_stored(i) for i in reversed(range(20))])
    build_from_archive(config, archive, site, search=False)
    before = _files(site)
    archive.save([_stored(20), replace(_stored(5), title="第5条新闻：改了标题")])
    script = tmp_path / "kill.py"
    script.write_text(KILL, encoding="utf-8")
    command = [sys.executable, str(script), where, str(tmp_path / "archive.db"), json.dumps(settings), str(site)]
    killed = subprocess.run([*command, str(tmp_path)], capture_output=True, text=True)
    assert killed.returncode == 9, killed.stderr
    assert (site / JOURNAL).is_dir()
    recovered = recover(site)
    assert recovered == (where == "before")  # a build whose state committed is whole: nothing to undo
    if where == "before":
        assert _files(site) == before
    assert build_from_archive(config, archive, site, search=False).incremental
    full = tmp_path / "full"
    build_from_archive(config, archive, full, search=False, full=True)
    assert _files(site) == _files(full)


def test_a_large_sitemap_is_split_by_month_and_a_new_article_rewrites_its_month_only(tmp_path, archive, monkeypatch):
    monkeypatch.setattr(pages, "SITEMAP_LIMIT", 8)  # as 50,000 URLs would: files of 8
    config = make_config(tmp_path, SOURCES, site={"per_page": 3, "feed_items": 5, "base_url": BASE})
    site = tmp_path / "site"
    start = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    archive.save([replace(_stored(i), published=start + timedelta(days=3 * i)) for i in reversed(range(24))])
    build_from_archive(config, archive, site, search=False)
    index = ET.parse(site / "sitemap.xml").getroot()
    files = [e.text.rsplit("/", 1)[-1] for e in index.iter(f"{SITEMAP}loc")]
    assert files[:5] == ["articles-2026-01.xml", "articles-2026-01-2.xml", "articles-2026-02.xml",
                         "articles-2026-02-2.xml", "articles-2026-03.xml"]  # 9, 10 and 5 articles  # fmt: skip
    assert all(name.startswith("pages") for name in files[5:]) and len(files) > 6
    urls = [u.text for name in files for u in ET.parse(site / "sitemap" / name).getroot().iter(f"{SITEMAP}loc")]
    pages_there = {str(p.relative_to(site)) for p in site.rglob("*.html")}
    assert all(url.startswith(f"{BASE}/") for url in urls)
    assert sorted(url.removeprefix(f"{BASE}/") for url in urls) == sorted(pages_there)  # every page once, no other
    months = {name: (site / "sitemap" / name).stat().st_mtime_ns for name in files if name.startswith("articles")}

    archive.save([replace(_stored(40), published=datetime(2026, 3, 20, 9, 0, tzinfo=UTC))])
    assert build_from_archive(config, archive, site, search=False).incremental
    rewritten = {n for n, t in months.items() if (site / "sitemap" / n).stat().st_mtime_ns != t}
    assert rewritten == {"articles-2026-03.xml"}
    full = tmp_path / "full"
    build_from_archive(config, archive, full, search=False, full=True)
    assert _files(site) == _files(full)
