"""Importing post folders: the two reference sites, finews' own exports, Hugo, bad files, the digest corpus."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from finews.extract import prepare
from finews.fetch.client import Fetcher
from finews.model import Article, SourceState
from finews.pipeline import ingest_articles
from finews.publish import export_posts
from finews.sources import SOURCE_TYPES
from finews.sources.postfolder import PostFolderReader, PostFolderSource, detect_format, iter_post_folder

from ..conftest import make_config
from ..requirements import unavailable

CST = timezone(timedelta(hours=8))
EM_URL = "http://hk.eastmoney.com/news/1797,202201052237118816.html"


def _write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def test_reference_jekyll_post(reference, tmp_path):
    site = tmp_path / "site"
    _write(site / "_posts" / "2022-01-05-202201052237118816.md", (reference / "jekyll-eastmoney-post.md").read_text())
    assert detect_format(site) == "jekyll"
    problems: list = []
    [article] = list(iter_post_folder(site, "emnews", problems=problems))
    assert problems == []
    assert article.title == "又一大牛出走！阿里副总裁、达摩院自动驾驶负责人王刚离职创业"
    assert article.published == datetime(2022, 1, 5, 15, 11, 39, tzinfo=CST)
    assert article.published.utcoffset() == timedelta(hours=8)
    assert article.categories == ["emnews", "东财滚动新闻"]  # categories, then tags
    assert article.url == article.guid == EM_URL  # from the trailing <url> line
    assert article.summary.startswith("据媒体报道，近日，阿里巴巴副总裁") and article.summary.endswith("祝福王刚。”")
    assert article.content_html.startswith("<p style=") and "（文章来源：猎云网）</p>" in article.content_html
    for dropped in ("返回首页", "<http", "> 据媒体"):
        assert dropped not in article.content_html

    clean = prepare(article)
    assert clean.canonical_url == EM_URL
    assert clean.published.isoformat() == "2022-01-05T15:11:39+08:00"
    assert "在清洁机器人领域创业" in clean.content_markdown and "EM_StockImg" not in clean.content_html


def test_reference_hexo_post(reference, tmp_path):
    blog = tmp_path / "blog"
    rel = "新媒体/36kr/资讯/大厂技术大牛出走.md"
    _write(blog / "source" / "_posts" / rel, (reference / "hexo-36kr-post.md").read_text())
    assert detect_format(blog) == "hexo"
    [article] = list(iter_post_folder(blog, "kr36"))
    assert article.title == "大厂技术大牛出走：阿里副总裁金榕、京东副总裁于建强、字节智能语音负责人梅晓离职"
    # the post holds RSS's "Thu, 19 May 2022 10:06:03 GMT": the same instant, shown in Beijing time
    assert article.published == datetime(2022, 5, 19, 10, 6, 3, tzinfo=UTC)
    assert article.published.utcoffset() == timedelta(hours=8) and article.published.hour == 18
    assert article.categories == ["新媒体", "36kr", "资讯"]
    assert article.url == "" and article.guid == f"posts:{rel}"  # the Hexo post never held its link
    assert article.author == "36kr" and article.summary == ""
    assert article.image == "https://img.36krcdn.com/20220519/v2_96946e80d3d745f6ac86dc6c79184ac9_img_000"
    assert article.content_html.startswith("<div>") and 'referrerpolicy="no-referrer"' in article.content_html

    clean = prepare(article)
    assert clean.summary.startswith("阿里副总裁、达摩院副院长金榕离职")
    assert "语音识别" in html_text(clean.content_html)
    # the same file read again is the same article
    assert next(iter_post_folder(blog / "source" / "_posts", "kr36")).guid == article.guid


def html_text(html: str) -> str:
    return re.sub(r"<[^>]+>", "", html)


def _squash(html: str) -> str:
    return "".join(html_text(html).split())


ROUND_TRIP = [
    Article(
        source="emnews",
        url="https://finance.eastmoney.com/a/202201051111111111.html",
        title="标题里有\"引号\"：还有冒号 # 和 '单引号'",
        summary="一句摘要。",
        published="2022-01-05 15:11:39",
        content_html="<p>第一段 {{ site.title }} 和 {% raw %} 留着。</p><h2>小标题</h2><ul><li>甲</li><li>乙</li></ul>",
    ),
    Article(
        source="kr36",
        url="https://36kr.com/p/1750000000000001",
        title="大厂技术大牛出走",
        published="Thu, 19 May 2022 10:06:03 GMT",
        content_html='<p>正文 <a href="https://36kr.com/x">链接</a> {a: 1}</p><p><img src="https://img.36krcdn.com/a.jpg"></p>',
    ),
    Article(source="emnews", url="https://e.cn/a/3", title="---", published="2021-12-31 23:59:59", content_html="x"),
]


@pytest.mark.parametrize(
    ("fmt", "body"), [("jekyll", "markdown"), ("jekyll", "html"), ("hexo", "markdown"), ("hexo", "html")]
)
def test_round_trip_through_finews_exports(tmp_path, archive, fmt, body):
    archive.save([prepare(Article(**{**a.__dict__, "categories": []})) for a in ROUND_TRIP])
    originals = {a.url: a for a in archive.iter_articles()}
    config = make_config(
        tmp_path,
        [
            {"name": "emnews", "title": "东财滚动", "url": "x", "tags": ["东财滚动新闻"]},
            {"name": "kr36", "title": "36kr", "url": "x", "hexo_categories": ["新媒体", "36kr", "资讯"]},
        ],
    )
    out = tmp_path / "out"
    export_posts(archive.iter_articles(), fmt, out, config, body=body)
    assert detect_format(out) == fmt

    problems: list = []
    back = list(iter_post_folder(out, "imported", problems=problems))
    assert problems == [] and len(back) == len(ROUND_TRIP)
    by_title = {a.title: a for a in back}
    for original in originals.values():
        imported = by_title[original.title]
        assert imported.published == original.published
        assert imported.published.utcoffset() == timedelta(hours=8)
        if fmt == "jekyll":
            assert imported.url == original.url  # the <url> line
            assert imported.summary == original.summary
        else:
            assert imported.url == ""  # finews' Hexo posts do not write the link; the path names the post
            assert imported.guid.startswith("posts:新媒体/36kr/资讯/" if original.source == "kr36" else "posts:")
        again = prepare(imported)
        assert _squash(again.content_html) == _squash(original.content_html)
    assert "{{ site.title }}" in by_title[ROUND_TRIP[0].title].content_html  # template guards undone
    assert "{a: 1}" in by_title["大厂技术大牛出走"].content_html


def test_hugo_yaml_toml_and_json(tmp_path):
    content = tmp_path / "hugo" / "content"
    _write(
        content / "posts" / "a.md",
        "---\ntitle: 央行降准\ndate: 2022-01-05T15:11:39+08:00\ncategories: [宏观]\ntags: 货币政策\n"
        "link: https://e.cn/a\n---\n\n# 标题\n\n正文 **加粗**，[链接](https://e.cn/x)。\n",
    )
    _write(
        content / "posts" / "b" / "index.md",
        '+++\ntitle = "TOML 文章"\ndate = 2022-05-19T10:06:03Z\ncategories = ["科技", "芯片"]\n'
        'description = "一句话。"\nurl = "/b/"\n+++\n\n| a | b |\n|---|---|\n| 1 | 2 |\n',
    )
    _write(content / "posts" / "c.md", '{\n  "title": "JSON 文章",\n  "date": "2022-03-01"\n}\n\n正文\n')
    _write(content / "posts" / "draft.md", "---\ntitle: 草稿\ndraft: true\n---\n正文\n")
    _write(content / "posts" / "_index.md", "---\ntitle: 文章\n---\n")
    _write(tmp_path / "hugo" / "hugo.toml", 'title = "site"\n')
    assert detect_format(tmp_path / "hugo") == "hugo" and detect_format(content) == "hugo"

    reader = PostFolderReader(tmp_path / "hugo", "blog")
    got = {a.title: a for a in reader}
    assert sorted(got) == ["JSON 文章", "TOML 文章", "央行降准"]
    assert reader.drafts == 1 and reader.problems == []

    a, b, c = got["央行降准"], got["TOML 文章"], got["JSON 文章"]
    assert a.url == "https://e.cn/a" and a.categories == ["宏观", "货币政策"]
    assert a.published == datetime(2022, 1, 5, 15, 11, 39, tzinfo=CST)
    assert "<h1>标题</h1>" in a.content_html and "<strong>加粗</strong>" in a.content_html
    assert b.url == "" and b.guid == "posts:posts/b/index.md"  # a site-relative url is not the story's link
    assert b.published == datetime(2022, 5, 19, 18, 6, 3, tzinfo=CST) and b.published.utcoffset() == timedelta(hours=8)
    assert b.categories == ["科技", "芯片"] and b.summary == "一句话。" and "<table>" in b.content_html
    assert c.published == datetime(2022, 3, 1, tzinfo=CST)


def test_bad_files_are_skipped_and_reported(tmp_path):
    posts = tmp_path / "site" / "_posts"
    good = "---\ntitle: 好文章\ndate: 2022-01-05 15:11:39 +0800\ncategories: a b\n---\n正文\n"
    _write(posts / "2022-01-05-good.md", good)
    # the eastmoney script wrote titles by concatenation; an inner quote must not lose the post
    _write(posts / "2022-01-06-quote.md", '---\nlayout: post\ntitle: "阿里"达摩院"负责人离职"\n---\n正文\n')
    _write(posts / "2022-01-07-no-date.md", "---\ntitle:\n---\n正文\n")
    bad = {
        "2022-01-08-yaml.md": "---\ntitle: [unclosed\ndate: 2022-01-08\n---\n正文\n",
        "2022-01-09-open.md": "---\ntitle: 没有结束\n正文\n",
        "2022-01-10-list.md": "---\n- a\n- b\n---\n正文\n",
        "2022-01-11-binary.md": b"---\ntitle: x\n---\n\x00\x01\x02\xff" * 10,
        "2022-01-12-gbk.md": "---\ntitle: 国标编码\n---\n正文\n".encode("gbk"),
        "2022-01-13-plain.md": "没有 front matter 的文件\n",
    }
    for name, data in bad.items():
        _write(posts / name, data)
    _write(posts / "notes.txt", "not a post")

    reader = PostFolderReader(tmp_path / "site", "old")
    got = {a.title: a for a in reader}
    assert sorted(got) == ["no date", "好文章", '阿里"达摩院"负责人离职']
    assert got["好文章"].categories == ["a", "b"]
    assert got["no date"].published == datetime(2022, 1, 7, tzinfo=CST)  # from the file name, midnight local
    reasons = {path.name: reason for path, reason in reader.problems}
    assert sorted(reasons) == sorted(bad)
    assert "YAML" in reasons["2022-01-08-yaml.md"]
    assert "never closed" in reasons["2022-01-09-open.md"]
    assert "not a mapping" in reasons["2022-01-10-list.md"]
    assert "binary" in reasons["2022-01-11-binary.md"]
    assert "UTF-8" in reasons["2022-01-12-gbk.md"]
    assert "no front matter" in reasons["2022-01-13-plain.md"]

    with pytest.raises(Exception, match="cannot tell the post format"):
        detect_format(_write(tmp_path / "empty" / "x.txt", "x").parent)


DIGEST = """
# 2021-1-10

### [第一条](https://e.cn/1)

 <div class="md"><p>正文一</p></div>

### [跨行
的标题 - DEV](https://dev.to/a-(b)-c)

[]

## [Objective_sC之父Brad J_d Cox去世_d2](https://e.cn/2)

> 作者： 机器之心  拉取时间： 2021-01-09 21:43:36

 [无链接的标题

 [第一条](https://e.cn/1)

> 作者： null  拉取时间： 2021-01-09 05:00:00
"""


def test_digest_entries(tmp_path):
    _write(tmp_path / "feed" / "2021" / "1-10.md", DIGEST)
    _write(tmp_path / "feed" / "list.txt", "https://e.cn/rss\n")
    assert detect_format(tmp_path / "feed") == "digest"
    reader = PostFolderReader(tmp_path / "feed", "digest")
    got = list(reader)
    assert reader.entries == 5 and reader.repeats == 1 and reader.problems == []
    first, wrapped, coded, unlinked = got
    assert (first.title, first.url) == ("第一条", "https://e.cn/1")
    assert first.published == datetime(2021, 1, 10, tzinfo=CST) and "<p>正文一</p>" in first.content_html
    assert (wrapped.title, wrapped.url, wrapped.content_html) == ("跨行 的标题 - DEV", "https://dev.to/a-(b)-c", "")
    assert coded.title == "Objective-C之父Brad J. Cox去世?" and coded.author == "机器之心"
    assert coded.published == datetime(2021, 1, 9, 21, 43, 36, tzinfo=CST)
    assert unlinked.title == "无链接的标题" and unlinked.url == "" and unlinked.guid == "2021/1-10.md#4"


def test_posts_source_registered_and_not_modified(tmp_path):
    assert SOURCE_TYPES["posts"] is PostFolderSource
    _write(tmp_path / "old" / "_posts" / "2022-01-05-a.md", "---\ntitle: 甲\ndate: 2022-01-05\n---\n正文\n")
    config = make_config(tmp_path, [{"name": "old", "type": "posts", "url": "old", "posts": {"format": "auto"}}])
    source = PostFolderSource(config.sources[0])
    with Fetcher(config.fetch, base_dir=tmp_path) as fetcher:
        state = SourceState("old")
        first = source.collect(fetcher, state)
        assert [a.title for a in first.articles] == ["甲"] and first.etag
        state.etag = first.etag
        assert source.collect(fetcher, state).not_modified
        _write(tmp_path / "old" / "_posts" / "2022-01-06-b.md", "---\ntitle: 乙\n---\n正文\n")
        assert [a.title for a in source.collect(fetcher, state).articles] == ["甲", "乙"]


_ENTRY_LINE = re.compile(r"^(?:### |## | )\[", re.M)
_H3_LINE = re.compile(r"^### \[", re.M)
_CLOSING_LINK = re.compile(r"\]\((\S+)\)\s*$", re.M)


def test_digest_corpus_into_archive(corpora, archive):
    root = need_dir(corpora / "digests" / "flaging-feed")
    # independent of the importer: count heading lines and collect the links closing each heading
    h3 = entries = 0
    links: set[str] = set()
    for path in root.rglob("*.md"):
        text = path.read_text(encoding="utf-8")
        h3 += len(_H3_LINE.findall(text))
        entries += len(_ENTRY_LINE.findall(text))
        links.update(m for m in _CLOSING_LINK.findall(text))

    reader = PostFolderReader(root, "flaging")
    assert reader.format == "digest"
    started = time.perf_counter()
    stored = ingest_articles(reader, archive)
    seconds = time.perf_counter() - started
    print(f"\ndigest import: {reader.files} files, {reader.entries} entries ({h3} '### ['), ", end="")
    print(f"{reader.repeats} repeats, {archive.count()} archived, {len(links)} distinct links, {seconds:.1f} s")

    assert reader.problems == []
    assert h3 == 13_937 and reader.entries == entries == 131_796  # ### is one of the aggregator's three styles
    assert stored == archive.count() == reader.entries - reader.repeats
    # three headings never close with (link): kept too, named by their file and position
    assert len(links) == 42_008 and archive.count() == len(links) + 3


def need_dir(path: Path) -> Path:
    if not path.is_dir():
        unavailable(f"real data not available: {path}")
    return path
