"""Exports dropped into real Jekyll and Hexo sites: they build, and every post shows its title and its body.

The demo's sample feeds, 1,000 real cnBeta items and a few posts whose every field holds template
tags are exported once per module, as Jekyll (minima) and Hexo 8 (landscape) sites with Markdown
bodies and with HTML bodies, and built by the generators themselves.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from urllib.parse import unquote

import pytest
import yaml

from finews.config import Config, config_from_dict
from finews.config.template import install_samples
from finews.extract import html_to_text, prepare
from finews.model import Article
from finews.pipeline import fetch_all, ingest_articles
from finews.publish import export_posts
from finews.publish.hexo import hexo_path
from finews.publish.jekyll import jekyll_path
from finews.publish.posts import post_context
from finews.sources.feed import article_from_item
from finews.store import open_archive

from ..conftest import CORPORA, need
from ..reliability.harness import corpus_items
from .real_sites import (
    Page,
    build_hexo,
    build_jekyll,
    feed_files,
    hexo_page,
    hexo_post_page,
    hexo_site,
    jekyll_page,
    jekyll_post_page,
    jekyll_site,
    malformed_feeds,
    need_hexo,
    need_jekyll,
)

CORPUS_ITEMS = 1000
# Liquid and Nunjucks syntax that stopped whole sites from building, in every field a post has
TAGS = "{% 标签 %} {{ site.title }} {% endraw %} {%- raw -%} {# 注释 #}"
HOSTILE_SOURCE = {
    "name": "tags", "title": "模板{{ 来源 }}", "url": "x", "category": "tags", "category_name": "分类{% 分类 %}",
    "tags": ["{{ 标签 }}"], "hexo_categories": ["模板", "{% 分类 %}", "要闻"],
}  # fmt: skip
CNBETA = {"name": "cnbeta", "title": "cnBeta", "url": "x", "category": "cnbeta", "category_name": "cnBeta",
          "hexo_categories": ["新媒体", "cnBeta", "最新"]}  # fmt: skip
HOSTILE_BODY = (
    f"<p>正文 {TAGS}</p><ul><li>第一项 {TAGS}</li><li>第二项</li></ul>"
    f'<p>见<a href="https://e.cn/a">原文链接</a>，代码 <code>{TAGS}</code></p>'
    f"<pre><code>{TAGS}\n\nsecond line {{% endraw %}}</code></pre>"
)
# a blank line inside an HTML body: marked would end the HTML block there and read "- 列表" as a list
BLANK_LINE_BODY = "<div>第一段\n\n- 不是列表项\n\n<p>第二段</p></div><pre>一\n\n二</pre>"
WORD = re.compile(r"\w")
LEFTOVERS = re.compile(r"\\[\[\]*_#`~|<>{}\\]|&#\d+;|&(?:amp|lt|gt|quot);|\{\{ \"\{\" \}\}")


@dataclass
class Built:
    folder: Path  # the site's source folder
    out: Path  # the built site
    config: Config
    articles: list[Article]
    fmt: str

    def page(self, article: Article) -> Page:
        ctx = post_context(article, self.config)
        if self.fmt == "jekyll":
            post = self.folder / jekyll_path(article, ctx)
            path = jekyll_page(self.folder, self.out, post)
            return jekyll_post_page(path)
        post = self.folder / hexo_path(article, ctx)
        return hexo_post_page(hexo_page(self.folder, self.out, post))


def _hostile_articles() -> list[Article]:
    out = []
    for n, author in enumerate([f"作者{TAGS}", ""]):
        article = Article(
            source="tags", url=f"https://e.cn/tags/{n}.html", title=f"标题{n} {TAGS}", summary=f"摘要 {TAGS}",
            author=author, published=f"2026-03-0{n + 1} 10:00:00", content_html=HOSTILE_BODY,
        )  # fmt: skip
        out.append(prepare(article))
    blank = prepare(Article(source="tags", url="https://e.cn/tags/blank.html", title="空行", content_html="x"))
    blank.content_html = BLANK_LINE_BODY  # as an archive may hold it: sanitized HTML keeps its newlines
    out.append(blank)
    return out


@pytest.fixture(scope="module")
def articles(tmp_path_factory: pytest.TempPathFactory) -> tuple[Config, list[Article]]:
    corpora = need(CORPORA)
    root = tmp_path_factory.mktemp("generators")
    samples = install_samples(root / "samples")
    config = config_from_dict({"sources": [*samples, CNBETA, HOSTILE_SOURCE]}, base_dir=root)
    with open_archive(root / "archive.db") as archive:
        fetch_all(config, archive, names=[s["name"] for s in samples])
        items = corpus_items(corpora, CORPUS_ITEMS)
        ingest_articles((article_from_item(item, "cnbeta") for item in items), archive)
        archive.save(_hostile_articles())
        found = list(archive.iter_articles())
    assert len(found) >= CORPUS_ITEMS + 19 + 3
    return config, found


def _built(tmp_path_factory, articles, fmt: str, body: str, *, corpus: bool = True) -> Built:
    """The articles (without the corpus's, for the HTML bodies: the checks there are on the others) built."""
    (need_jekyll if fmt == "jekyll" else need_hexo)()
    config, found = articles
    chosen = found if corpus else [a for a in found if a.source != "cnbeta"]
    folder = tmp_path_factory.mktemp(f"{fmt}-{body}")
    (jekyll_site if fmt == "jekyll" else hexo_site)(folder)
    report = export_posts(chosen, fmt, folder, config, body=body)
    assert report.written == len(chosen)
    out = (build_jekyll if fmt == "jekyll" else build_hexo)(folder)
    return Built(folder, out, config, chosen, fmt)


@pytest.fixture(scope="module")
def jekyll_markdown(tmp_path_factory, articles) -> Built:
    return _built(tmp_path_factory, articles, "jekyll", "markdown")


@pytest.fixture(scope="module")
def hexo_markdown(tmp_path_factory, articles) -> Built:
    return _built(tmp_path_factory, articles, "hexo", "markdown")


@pytest.fixture(scope="module")
def jekyll_html(tmp_path_factory, articles) -> Built:
    return _built(tmp_path_factory, articles, "jekyll", "html", corpus=False)


@pytest.fixture(scope="module")
def hexo_html(tmp_path_factory, articles) -> Built:
    return _built(tmp_path_factory, articles, "hexo", "html", corpus=False)


def _words(text: str) -> str:
    return "".join(WORD.findall(text))


def _check_every_post(site: Built) -> dict[str, int]:
    """Each post's page: its title, its text, a list as <ul>, a link as <a>; no escape shown as text."""
    seen = {"posts": 0, "lists": 0, "links": 0}
    problems: list[str] = []
    for article in site.articles:
        page = site.page(article)
        seen["posts"] += 1
        if page.title != " ".join(article.title.split()):
            problems.append(f"{page.path}: title {page.title!r} != {article.title!r}")
        text, shown = _words(html_to_text(article.content_html)), _words(page.body_text)
        if text[:60] not in shown or text[-60:] not in shown:
            problems.append(f"{page.path}: body text missing: {text[:60]!r}")
        if "<ul>" in article.content_html and "<li>" in article.content_html:
            seen["lists"] += 1
            if page.tree.css_first("div.post-content ul li, div.article-entry ul li") is None:
                problems.append(f"{page.path}: the list is not a <ul>")
        if re.search(r'<a href="https?://', article.content_html):
            seen["links"] += 1
            if page.tree.css_first("div.post-content a[href^=http], div.article-entry a[href^=http]") is None:
                problems.append(f"{page.path}: the link is not an <a>")
        leftover = LEFTOVERS.search(page.body_text)
        if leftover and not LEFTOVERS.search(html_to_text(article.content_html) + article.summary):
            problems.append(f"{page.path}: escape shown as text: {leftover.group()!r}")
    assert not problems, problems[:10]
    return seen


def test_jekyll_builds_every_post_with_its_title_and_body(jekyll_markdown: Built) -> None:
    seen = _check_every_post(jekyll_markdown)
    assert seen["posts"] >= CORPUS_ITEMS + 22 and seen["lists"] >= 2 and seen["links"] >= 100, seen


def test_hexo_builds_every_post_with_its_title_and_body(hexo_markdown: Built) -> None:
    seen = _check_every_post(hexo_markdown)
    assert seen["posts"] >= CORPUS_ITEMS + 22 and seen["lists"] >= 2 and seen["links"] >= 100, seen


@pytest.mark.parametrize("site", ["jekyll_markdown", "hexo_markdown", "jekyll_html", "hexo_html"])
def test_template_tags_in_every_field_show_as_written(site: str, request: pytest.FixtureRequest) -> None:
    built: Built = request.getfixturevalue(site)
    hostile = sorted((a for a in built.articles if TAGS in a.title), key=lambda a: a.title)
    assert len(hostile) == 2
    for article in hostile:
        page = built.page(article)
        assert page.title == " ".join(article.title.split())
        words = " ".join(page.body_text.split())
        assert words.count(TAGS) >= 3, words  # the paragraph, the list item, the inline code
        code = page.tree.css("pre")[-1].text()  # Hexo highlights it: a table of lines, line numbers aside
        assert TAGS in code and "second line {% endraw %}" in code, code
        if site == "jekyll_markdown":
            assert f"摘要 {TAGS}" in words and "分类{% 分类 %}" in words  # the summary and the back link
    if built.fmt == "hexo":
        authors = [_front(built, a).get("author") for a in hostile]
        assert authors == [f"作者{TAGS}", "模板{{ 来源 }}"]  # the item's author, else the source's title


@pytest.mark.parametrize("site", ["jekyll_markdown", "hexo_markdown", "jekyll_html", "hexo_html"])
def test_every_feed_of_the_built_site_is_well_formed(site: str, request: pytest.FixtureRequest) -> None:
    """jekyll-feed's feed.xml, hexo-generator-feed's atom.xml and rss2.xml, of the real items, strictly parsed."""
    built: Built = request.getfixturevalue(site)
    names = {path.name for path in feed_files(built.out)}
    assert names == ({"feed.xml"} if built.fmt == "jekyll" else {"atom.xml", "rss2.xml"}), names
    refused = malformed_feeds(built.out)
    assert not refused, refused


def _front(built: Built, article: Article) -> dict:
    post = built.folder / hexo_path(article, post_context(article, built.config))
    return yaml.safe_load(post.read_text(encoding="utf-8").split("---\n", 2)[1])


@pytest.mark.parametrize("site", ["jekyll_html", "hexo_html"])
def test_html_bodies_stay_one_html_block(site: str, request: pytest.FixtureRequest) -> None:
    built: Built = request.getfixturevalue(site)
    (blank,) = [a for a in built.articles if a.title == "空行"]
    page = built.page(blank)
    assert "- 不是列表项" in page.body_text and "<ul" not in page.body_html and "<li" not in page.body_html
    assert page.tree.css_first("pre").text() == "一\n\n二"


def test_hexo_shows_the_categories_hierarchy(hexo_markdown: Built) -> None:
    """Each post names its three levels, each a link to a category page nested in the one before."""
    for source in ("caijing", "cnbeta", "tags"):
        article = next(a for a in hexo_markdown.articles if a.source == source)
        levels = post_context(article, hexo_markdown.config).source.hexo_categories
        links = hexo_markdown.page(article).tree.css(".article-category a")
        assert [" ".join(a.text().split()) for a in links] == levels
        hrefs = [unquote(a.attributes["href"] or "") for a in links]
        for parent, child in pairwise(hrefs):
            assert child.startswith(parent) and child != parent, hrefs
        for href in hrefs:
            assert hexo_markdown.out.joinpath(href.strip("/"), "index.html").is_file(), href


def test_jekyll_files_each_post_under_its_category(jekyll_markdown: Built) -> None:
    categories = {post_context(a, jekyll_markdown.config).category.slug for a in jekyll_markdown.articles}
    assert {"emnews", "tech", "flash", "oss", "cnbeta", "tags"} <= categories
    for slug in categories:
        assert any((jekyll_markdown.out / slug).rglob("index.html")), slug
