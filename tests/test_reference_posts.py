"""Golden tests: the two real posts' original fields, through finews, give posts those sites accept."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import yaml

from finews.extract import prepare
from finews.model import Article
from finews.publish import export_posts
from finews.sources.feed import parse_xml_feed

from .conftest import make_config


def _split(post: str) -> tuple[dict, str, str]:
    _, front, body = post.split("---\n", 2)
    return yaml.safe_load(front), front, body


def _only_file(root: Path) -> Path:
    files = [p for p in root.rglob("*.md")]
    assert len(files) == 1, files
    return files[0]


def test_eastmoney_jekyll_post(reference, tmp_path, archive):
    original = (reference / "jekyll-eastmoney-post.md").read_text(encoding="utf-8")
    ref_meta, ref_front, ref_body = _split(original)
    digest = ref_body.split("\n", 1)[0].removeprefix("> ")
    content = ref_body.split("\n\n", 1)[1].split("\n\n<http", 1)[0]
    url = re.search(r"<(http[^>]+)>", ref_body).group(1)
    # the fields the eastmoney APIs gave: title, digest (with its 【…】 lead), showtime, url_w, content
    raw = Article(
        source="emnews",
        url=url,
        title=ref_meta["title"],
        summary=digest,
        published="2022-01-05 15:11:39",
        content_html=content,
    )
    archive.save([prepare(raw)])
    config = make_config(
        tmp_path,
        [
            {
                "name": "emnews",
                "title": "东财滚动",
                "url": "x",
                "category_name": "东财滚动新闻",
                "tags": ["东财滚动新闻"],
            }
        ],
        export={"site_url": "//finews.withounder.com"},
    )
    export_posts(archive.iter_articles(), "jekyll", tmp_path / "site", config)
    post_path = _only_file(tmp_path / "site")
    assert post_path.parent.name == "_posts" and post_path.name == "2022-01-05-202201052237118816.md"
    post = post_path.read_text(encoding="utf-8")
    meta, front, body = _split(post)

    assert front == ref_front  # byte-identical front matter
    assert meta == ref_meta
    assert body.startswith(f"> {digest}\n\n")
    assert body.rstrip().endswith(ref_body.rstrip().rsplit("\n", 1)[-1])  # the back-link line
    assert f"<{url}>" in body
    for junk in ("EM_StockImg", "display:none", "data-code", "keytip", "<span", "K图"):
        assert junk not in body
    assert "在清洁机器人领域创业" in body
    assert "2021年8月，字节跳动AI Lab总监李磊离职" in body
    assert datetime.strptime(str(meta["date"]), "%Y-%m-%d %H:%M:%S %z").isoformat() == "2022-01-05T15:11:39+08:00"


def test_36kr_hexo_post(reference, tmp_path, archive):
    original = (reference / "hexo-36kr-post.md").read_text(encoding="utf-8")
    ref_meta, _, ref_body = _split(original)
    description = ref_body.strip().removeprefix("<div>").replace("&#123;", "{").replace("&#125;", "}")
    # the RSSHub item as it came: title, description HTML, pubDate, link
    feed = f"""<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>36kr</title>
    <link>https://36kr.com/</link><description>资讯</description><item>
    <title><![CDATA[{ref_meta["title"]}]]></title><link>https://36kr.com/p/1750000000000001</link>
    <pubDate>{ref_meta["date"]}</pubDate><description><![CDATA[{description}]]></description>
    </item></channel></rss>"""
    archive.save([prepare(a) for a in parse_xml_feed(feed, "kr36")])
    config = make_config(
        tmp_path, [{"name": "kr36", "title": "36kr", "url": "x", "hexo_categories": ["新媒体", "36kr", "资讯"]}]
    )
    for body_kind in ("markdown", "html"):
        out = tmp_path / body_kind
        export_posts(archive.iter_articles(), "hexo", out, config, body=body_kind)
        post_path = _only_file(out)
        assert post_path.relative_to(out).parts[:5] == ("source", "_posts", "新媒体", "36kr", "资讯")
        meta, _, body = _split(post_path.read_text(encoding="utf-8"))
        for key in ("title", "categories", "headimg", "author", "comments", "thumbnail"):
            assert meta[key] == ref_meta[key], key
        # the reference wrote RSS's GMT string; finews writes the same instant as an ISO timestamp
        assert isinstance(meta["date"], datetime) and meta["date"].utcoffset() == timedelta(hours=8)
        assert meta["date"].astimezone(UTC) == datetime(2022, 5, 19, 10, 6, 3, tzinfo=UTC)
        assert "语音识别" in body and "project-link" not in body and "data-name" not in body
        if body_kind == "html":
            assert body.lstrip().startswith("<div>") and 'referrerpolicy="no-referrer"' in body
