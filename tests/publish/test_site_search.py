import json
import shutil
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from finews.extract import prepare
from finews.model import Article
from finews.publish import build_site

from ..conftest import make_config

BJ = timezone(timedelta(hours=8))
SOURCES = [{"name": "em", "title": "东财", "url": "x", "category": "emnews", "category_name": "东财滚动新闻"}]
RUNNER = Path(__file__).with_name("pagefind_search.mjs")
TEXTS = [
    ("贵州茅台发布年报", "<p>贵州茅台今日发布年度报告，营业收入同比增长。</p>"),
    ("某券商首席经济学家离职", "<p>据悉，该券商首席经济学家已于本月离职，去向未定。</p>"),
    ("新能源汽车销量创新高", "<p>多家车企公布月度交付数据，电池供应依旧紧张。</p>"),
]


def _article(i: int, title: str, html: str) -> Article:
    article = prepare(Article(source="em", url=f"https://e.cn/{i}", title=title, content_html=html,
                              published=datetime(2026, 3, 1, 8, tzinfo=BJ) + timedelta(hours=i)))  # fmt: skip
    article.slug, article.id = str(i), i + 1
    return article


def _search(site: Path, bundles: str, *queries: str) -> dict[str, list[str]]:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: Pagefind's search runs in JavaScript")
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
    assert entry["languages"]["zh"]["page_count"] == 3  # Chinese, and only the article pages
    for name in ("pagefind-ui.js", "pagefind-ui.css", "pagefind.js"):
        assert (site / "pagefind" / name).is_file()
    page = (site / "search.html").read_text(encoding="utf-8")
    assert 'src="pagefind/pagefind-ui.js"' in page and 'src="static/search.js"' in page and "data-merge" not in page
    found = _search(site, "pagefind", "茅台", "离职", "电池", "比特币")
    assert found == {"茅台": ["a/0.html"], "离职": ["a/1.html"], "电池": ["a/2.html"], "比特币": []}

    # one more article: indexed on its own and merged in by the search page
    articles.insert(0, _article(3, "宁德时代扩产", "<p>宁德时代宣布新建电池工厂。</p>"))
    build_site(articles, config, site)
    assert 'data-merge="pagefind-new/"' in (site / "search.html").read_text(encoding="utf-8")
    found = _search(site, "pagefind,pagefind-new", "宁德", "电池", "茅台")
    assert found["宁德"] == ["a/3.html"] and sorted(found["电池"]) == ["a/2.html", "a/3.html"]
    assert found["茅台"] == ["a/0.html"]
