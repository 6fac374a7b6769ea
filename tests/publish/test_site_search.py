import json
import shutil
import subprocess
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import delete

from finews.errors import PublishError
from finews.extract import prepare
from finews.model import Article
from finews.publish import build_site, search
from finews.publish.reading import build_from_archive
from finews.publish.state import peek
from finews.store.schema import articles

from ..conftest import make_config
from ..requirements import need_tool

BJ = timezone(timedelta(hours=8))
SOURCES = [{"name": "em", "title": "东财", "url": "x", "category": "emnews", "category_name": "东财滚动新闻"}]
RUNNER = Path(__file__).with_name("pagefind_search.mjs")
TEXTS = [
    ("贵州茅台发布年报", "<p>贵州茅台今日发布年度报告，营业收入同比增长。</p>"),
    ("某券商首席经济学家离职", "<p>据悉，该券商首席经济学家已于本月离职，去向未定。</p>"),
    ("新能源汽车销量创新高", "<p>多家车企公布月度交付数据，电池供应依旧紧张。</p>"),
]


def _article(i: int, title: str, html: str, source: str = "em") -> Article:
    article = prepare(Article(source=source, url=f"https://e.cn/{i}", title=title, content_html=html,
                              published=datetime(2026, 3, 1, 8, tzinfo=BJ) + timedelta(hours=i)))  # fmt: skip
    article.slug, article.id = str(i), i + 1
    return article


def _search(site: Path, bundles: str, *queries: str) -> dict[str, list[str]]:
    node = need_tool("node", "Pagefind's search runs in JavaScript (apt-get install nodejs)")
    done = subprocess.run([node, str(RUNNER), str(site), bundles, *queries], capture_output=True, text=True,
                          timeout=60, check=True)  # fmt: skip
    return json.loads(done.stdout)


def test_pagefind_finds_two_character_chinese_words(tmp_path):
    config = make_config(tmp_path, SOURCES)
    site = tmp_path / "site"
    articles = [_article(i, *t) for i, t in enumerate(TEXTS)][::-1]
    report = build_site(articles, config, site)
    assert report.indexed
    entry = json.loads((site / "pagefind/pagefind-entry.json").read_text(encoding="utf-8"))
    assert entry["languages"]["und"]["page_count"] == 3  # Chinese, and only the article pages
    for name in ("pagefind-ui.js", "pagefind-ui.css", "pagefind.js"):
        assert (site / "pagefind" / name).is_file()
    page = (site / "search.html").read_text(encoding="utf-8")
    assert 'src="pagefind/pagefind-ui.js"' in page and 'src="static/search.js"' in page and "data-merge" not in page
    found = _search(site, "pagefind", "茅台", "离职", "电池", "比特币")
    found.pop("filters"), found.pop("excerpts")
    assert found == {"茅台": ["a/0.html"], "离职": ["a/1.html"], "电池": ["a/2.html"], "比特币": []}

    # one more article: indexed on its own and merged in by the search page
    articles.insert(0, _article(3, "宁德时代扩产", "<p>宁德时代宣布新建电池工厂。</p>"))
    build_site(articles, config, site)
    assert 'data-merge="pagefind-new/"' in (site / "search.html").read_text(encoding="utf-8")
    found = _search(site, "pagefind,pagefind-new", "宁德", "电池", "茅台")
    assert found["宁德"] == ["a/3.html"] and sorted(found["电池"]) == ["a/2.html", "a/3.html"]
    assert found["茅台"] == ["a/0.html"]


TWO_SOURCES = [
    *SOURCES,
    {"name": "cl", "title": "财联社", "url": "y", "category": "cls", "category_name": "财联社电报"},
]
MORE = [  # with TEXTS, 7 pages: three shards of a/0-a/2, a/3-a/4 and a/5-a/6 (sorted page order)
    ("宁德时代扩产", "<p>宁德时代宣布新建电池工厂。</p>", "cl"),
    ("央行下调存款准备金率", "<p>央行宣布降准，释放长期资金。</p>", "em"),
    ("光伏组件价格回落", "<p>光伏组件报价连续三周下跌。</p>", "cl"),
    ("半导体设备订单增长", "<p>多家半导体设备厂商订单饱满，电池检测设备同样紧俏。</p>", "cl"),
]


def _merged(site: Path) -> str:
    """The bundles the search page loads, in its order, as the Node harness takes them."""
    page = (site / "search.html").read_text(encoding="utf-8")
    merge = page.split('data-merge="', 1)[1].split('"', 1)[0].split() if "data-merge" in page else []
    return ",".join(["pagefind", *(m.rstrip("/") for m in merge)])


def _pages(site: Path, bundle: str) -> int:
    entry = json.loads((site / bundle / "pagefind-entry.json").read_text(encoding="utf-8"))
    return entry["languages"]["und"]["page_count"]


def test_a_large_site_is_indexed_in_shards_that_one_search_covers(tmp_path, monkeypatch):
    monkeypatch.setattr(search, "SHARD_PAGES", 5)  # as a site past 2,000 pages would be
    monkeypatch.setattr(search, "CORES", 3)
    config = make_config(tmp_path, TWO_SOURCES)
    site = tmp_path / "site"
    articles = [_article(i, *t) for i, t in enumerate(TEXTS)]
    articles += [_article(len(TEXTS) + i, *t) for i, t in enumerate(MORE)]
    articles = articles[::-1]
    build_site(articles, config, site)
    assert [_pages(site, b) for b in ("pagefind", "pagefind-2", "pagefind-3")] == [3, 2, 2]
    assert not (site / "pagefind-4").exists()
    assert _merged(site) == "pagefind,pagefind-2,pagefind-3"
    assert peek(site, "search")["bundles"] == ["pagefind", "pagefind-2", "pagefind-3"]

    found = _search(site, _merged(site), "半导体", "电池", "光伏", "茅台", "电池|来源=财联社", "电池|来源=东财")
    assert found["半导体"] == ["a/6.html"] and found["光伏"] == ["a/5.html"] and found["茅台"] == ["a/0.html"]
    assert sorted(found["电池"]) == ["a/2.html", "a/3.html", "a/6.html"]  # one query, three shards
    assert sorted(found["电池|来源=财联社"]) == ["a/3.html", "a/6.html"]  # the source filter holds across shards
    assert found["电池|来源=东财"] == ["a/2.html"]
    assert found["filters"]["来源"] == {"东财": 4, "财联社": 3}  # the counts the search page shows, all shards

    # a new article goes into the delta; the shards stay as they were
    shard_files = {p: p.read_bytes() for p in (site / "pagefind-3").rglob("*") if p.is_file()}
    articles.insert(0, _article(7, "新能源车企降价", "<p>车企宣布降价促销，光伏与电池板块走强。</p>", "cl"))
    report = build_site(articles, config, site)
    assert report.incremental and report.indexed
    assert _merged(site) == "pagefind,pagefind-2,pagefind-3,pagefind-new"
    assert {p: p.read_bytes() for p in (site / "pagefind-3").rglob("*") if p.is_file()} == shard_files
    found = _search(site, _merged(site), "光伏", "促销")
    assert sorted(found["光伏"]) == ["a/5.html", "a/7.html"] and found["促销"] == ["a/7.html"]

    # an indexed article changed: a full index again, now in two shards; the third shard and the delta go
    monkeypatch.setattr(search, "CORES", 2)
    articles[-1] = _article(0, TEXTS[0][0], "<p>贵州茅台今日发布年度报告，白酒龙头业绩稳健。</p>")
    report = build_site(articles, config, site)
    assert report.incremental and report.indexed
    assert sorted(p.name for p in site.iterdir() if p.name.startswith("pagefind")) == ["pagefind", "pagefind-2"]
    assert [_pages(site, b) for b in ("pagefind", "pagefind-2")] == [4, 4]
    assert _merged(site) == "pagefind,pagefind-2"
    assert peek(site, "search")["bundles"] == ["pagefind", "pagefind-2"]
    found = _search(site, _merged(site), "白酒", "促销", "半导体")
    assert (found["白酒"], found["促销"], found["半导体"]) == (["a/0.html"], ["a/7.html"], ["a/6.html"])


def test_a_missing_shard_makes_the_whole_index_again(tmp_path, monkeypatch):
    monkeypatch.setattr(search, "SCRATCH", str(tmp_path / "no-memory-folder"))  # Pagefind writes beside the pages
    monkeypatch.setattr(search, "SHARD_PAGES", 2)
    monkeypatch.setattr(search, "CORES", 2)
    config = make_config(tmp_path, SOURCES)
    site = tmp_path / "site"
    articles = [_article(i, *t) for i, t in enumerate(TEXTS)][::-1]
    build_site(articles, config, site)
    shutil.rmtree(site / "pagefind-2")  # removed behind the builder's back
    articles.insert(0, _article(3, "宁德时代扩产", "<p>宁德时代宣布新建电池工厂。</p>"))
    report = build_site(articles, config, site)
    assert report.indexed and not (site / "pagefind-new").exists()
    assert _merged(site) == "pagefind,pagefind-2"
    found = _search(site, _merged(site), "电池")
    assert sorted(found["电池"]) == ["a/2.html", "a/3.html"]


def test_a_failing_pagefind_is_reported_with_what_it_said(tmp_path, monkeypatch):
    failing = tmp_path / "pagefind_extended"
    failing.write_text("#!/bin/sh\necho 'Error: could not read the site folder' >&2\nexit 3\n")
    failing.chmod(0o755)
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(failing))
    config = make_config(tmp_path, SOURCES)
    with pytest.raises(PublishError, match=r"Pagefind failed \(exit 3\).*could not read the site folder"):
        build_site([_article(0, *TEXTS[0])], config, tmp_path / "site")
    assert not (tmp_path / "site").exists()  # the first build goes aside: a failed one leaves nothing


def test_shards_are_runs_of_the_sorted_pages_whatever_order_they_came_in(monkeypatch):
    monkeypatch.setattr(search, "SHARD_PAGES", 4)
    monkeypatch.setattr(search, "CORES", 8)  # at most SHARD_LIMIT shards all the same
    pages = [f"a/{i:02}.html" for i in range(10)]
    made = search.plan(None, pages[::-1], set(), bundle_there=False)
    assert made.bundles == ["pagefind", "pagefind-2", "pagefind-3", "pagefind-4"]
    assert made.shards() == search.plan(None, pages, set(), bundle_there=False).shards()
    assert list(made.shards().values()) == [pages[0:3], pages[3:6], pages[6:8], pages[8:10]]
    assert made.merge() == ["pagefind-2/", "pagefind-3/", "pagefind-4/"]
    assert search.plan(None, pages[:4], set(), bundle_there=False).bundles == ["pagefind"]  # small: one index


def test_a_site_without_a_word_to_search_builds_without_a_search_index(tmp_path):
    config = make_config(tmp_path, SOURCES)
    report = build_site([_article(0, "！？", "<p>。</p>")], config, tmp_path / "site")
    assert report.articles == 1 and (tmp_path / "site/a/0.html").is_file()
    assert not (tmp_path / "site/pagefind").exists()  # Pagefind refuses wordless pages; the build goes on


def test_a_build_in_place_indexes_the_new_article_and_drops_a_removed_one(tmp_path, archive):
    config = make_config(tmp_path, SOURCES)
    site = tmp_path / "site"
    stored = [_article(i, *t) for i, t in enumerate(TEXTS)][::-1]
    for article in stored:
        article.id = None
    archive.save(stored)
    build_from_archive(config, archive, site)
    archive.save([replace(_article(3, "宁德时代扩产", "<p>宁德时代宣布新建电池工厂。</p>"), id=None)])
    report = build_from_archive(config, archive, site)
    assert report.incremental and report.rendered == 1 and report.indexed
    found = _search(site, _merged(site), "宁德", "电池", "茅台")
    assert found["宁德"] == ["a/3.html"] and sorted(found["电池"]) == ["a/2.html", "a/3.html"]
    assert found["茅台"] == ["a/0.html"]

    # an article taken out of the archive leaves the index too (the main index is made again)
    with archive.engine.begin() as conn:
        conn.execute(delete(articles).where(articles.c.slug == "0"))
    report = build_from_archive(config, archive, site)
    assert report.incremental and report.indexed
    found = _search(site, _merged(site), "茅台", "宁德")
    assert found["茅台"] == [] and found["宁德"] == ["a/3.html"]


def test_a_page_gone_from_one_of_the_shards_is_reported_by_name(tmp_path, monkeypatch):
    monkeypatch.setattr(search, "CORES", 2)  # the shards' pages of words made side by side
    config = make_config(tmp_path, SOURCES)
    site = tmp_path / "site"
    build_site([_article(i, *t) for i, t in enumerate(TEXTS)], config, site)
    (site / "a/2.html").unlink()
    with pytest.raises(PublishError, match=r"search index: cannot read .*a/2\.html"):
        search.index_groups(site, {"pagefind": ["a/0.html", "a/1.html"], "pagefind-2": ["a/2.html"]})
    files = search.index_groups(site, {"pagefind": ["a/0.html"], "pagefind-2": ["a/1.html"]})
    assert {"pagefind/pagefind-entry.json", "pagefind-2/pagefind-entry.json"} <= set(files)
