"""Characters no writer takes (NUL, lone surrogates, noncharacters) are dropped where articles come in."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from finews.extract import prepare
from finews.model import Article
from finews.publish import build_site
from finews.store import open_archive

from ..conftest import make_config

BAD = "\x00\ud800\udfff\ufffe\x85\x1b"


def test_an_article_full_of_forbidden_characters_is_stored_and_published(tmp_path: Path) -> None:
    article = prepare(
        Article(
            source="s",
            url=f"https://e.cn/a{BAD}",
            guid=f"g{BAD}",
            title=f"标题{BAD}结束",
            author=f"作者{BAD}",
            summary=f"摘要{BAD}",
            content_html=f"<p>正文{BAD}内容</p><p><a href='https://e.cn/{BAD}'>链接{BAD}</a></p>",
            categories=[f"类{BAD}"],
            image=f"https://e.cn/i{BAD}.png",
            published=datetime(2026, 3, 1, tzinfo=UTC),
        )
    )
    fields = [article.url, article.guid, article.title, article.author, article.summary, article.content_html]
    assert not any(char in value for value in fields + article.categories for char in BAD)
    assert article.title == "标题结束" and "正文内容" in article.content_html
    with open_archive(tmp_path / "a.db") as archive:
        archive.save([article])
        (stored,) = archive.iter_articles()
    report = build_site(
        [stored], make_config(tmp_path, site={"base_url": "https://news.example.cn"}), tmp_path / "site"
    )
    assert report.articles == 1
    for feed in ("atom.xml", "rss.xml"):
        assert "\x00" not in (tmp_path / "site" / feed).read_text(encoding="utf-8")
