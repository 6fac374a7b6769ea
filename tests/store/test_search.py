"""Chinese full-text search: short queries, ranking, snippets, filters, hostile queries."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from finews.extract import prepare
from finews.model import Article
from finews.store.search import SearchFilters
from finews.store.search_sqlite import match_expression
from finews.store.search_terms import parse

BJ = timezone(timedelta(hours=8))
NOW = datetime(2022, 6, 1, tzinfo=BJ)


def _article(n: int, title: str, body: str, *, source: str = "em", days_ago: int = 1, cats=()) -> Article:
    return prepare(
        Article(
            source=source,
            url=f"https://news.example.cn/a/{n}.html",
            title=title,
            content_html=f"<p>{body}</p>",
            published=NOW - timedelta(days=days_ago),
            categories=list(cats),
        )
    )


@pytest.fixture
def filled(archive):
    archive.save(
        [
            _article(1, "贵州茅台发布年报", "贵州茅台股份有限公司今日发布年度报告，营业收入增长。", cats=["证券时报"]),
            _article(2, "阿里副总裁王刚离职创业", "阿里巴巴副总裁王刚已离职，将在清洁机器人领域创业。"),
            _article(3, "京东副总裁于建强离职", "京东集团副总裁于建强离职，此前负责京东云。", source="kr", days_ago=30),
            _article(4, "离职潮来袭", "多位高管离职。", source="kr", days_ago=400),
            _article(5, "Apple releases iOS 16", "Apple announced iOS 16 at WWDC with a new lock screen."),
        ]
    )
    return archive


def test_two_character_queries_match_inside_longer_words(filled):
    assert {h.article.title for h in filled.search("茅台").hits} == {"贵州茅台发布年报"}
    titles = [h.article.title for h in filled.search("离职").hits]
    assert set(titles) == {"阿里副总裁王刚离职创业", "京东副总裁于建强离职", "离职潮来袭"}
    assert filled.search("离职").total == 3


def test_title_matches_rank_first_and_age_only_breaks_near_ties(filled):
    titles = [h.article.title for h in filled.search("离职").hits]
    assert titles[0] == "离职潮来袭"  # a year older than the others, but the headline most about 离职


def test_multi_word_queries_need_every_word(filled):
    assert [h.article.title for h in filled.search("阿里 离职").hits] == ["阿里副总裁王刚离职创业"]
    assert filled.search("茅台 离职").total == 0
    assert [h.article.title for h in filled.search("iOS lock screen").hits] == ["Apple releases iOS 16"]


def test_snippets_are_highlighted_original_text(filled):
    hit = filled.search("机器人").hits[0]
    assert "<mark>机器人</mark>" in hit.snippet and "\u2063" not in hit.snippet
    assert "清洁<mark>机器人</mark>领域" in hit.snippet


def test_filters(filled):
    assert filled.search("离职", SearchFilters(source="kr")).total == 2
    assert filled.search("年报", SearchFilters(category="证券时报")).total == 1
    since = NOW - timedelta(days=60)
    assert filled.search("离职", SearchFilters(since=since)).total == 2
    assert filled.search("离职", SearchFilters(until=since)).total == 1


HOSTILE = ['"', '"离职', "*", "离*", "AND", "离职 AND", "OR OR", "NOT 离职", "(离职", "离职)", "NEAR(a b)",
           "title:离职", "^", "-", "''", "\x00", "离职" * 500, "   ", "😀", "a <-> b", "'离职'", "离职 & !x",
           "\\"]  # fmt: skip


def test_query_syntax_in_queries_never_errors(filled):
    # one archive for all of them: a search writes nothing
    for query in HOSTILE:
        assert filled.search(query).total >= 0, query
    assert filled.search("离职 AND").total == 0  # "AND" is a word, and no article holds it
    assert filled.search("'离职'").total == 3  # quotes are not syntax on either backend


def test_huge_page_numbers_are_empty_pages(filled):
    assert filled.search("离职", offset=10**12).hits == []
    assert filled.search("离职", limit=10**9).total == 3


def test_updates_and_reopen_keep_the_index_current(open_store):
    with open_store() as archive:
        archive.save([_article(1, "旧标题", "旧的正文内容。")])
        archive.save([_article(1, "新标题", "更新后的正文内容。")])
        assert archive.search("旧标题").total == 0 and archive.search("新标题").total == 1
    with open_store() as archive:
        assert archive.search("更新").total == 1


def test_match_expression_quotes_everything():
    assert match_expression(parse('离职 "AND" *')) == '("离职" AND "and") OR "离职 职 \ue000 and"'
    assert match_expression(parse("  ")) is None


def test_postgres_tokens_are_the_tokens_fts5_makes():
    """The PostgreSQL index relies on splitting text exactly as SQLite's unicode61 does (see store/unicode61.py)."""
    import sqlite3

    from finews.store.search_sqlite import TOKENIZE
    from finews.store.unicode61 import tokens

    sample = "".join(chr(c) for c in range(0x80, 0x30000, 89) if not 0xD800 <= c <= 0xDFFF)
    texts = [
        "Crème Brûlée ÆON ø Straße ﬁ ①② İstanbul e\u0301té 3.5% C++ a_b ΑΒΓ Ｆｕｌｌ 🦞龙虾 😀 x🟠y 𠀀字 ℃ Ⅻ ²",
        "贵州茅台\u2063发布\u2063iPhone 16\u2063年报，A股“涨停”——5.5%",
        " ".join(f"q{c}q" for c in sample),
    ]
    db = sqlite3.connect(":memory:")
    db.execute(f'CREATE VIRTUAL TABLE f USING fts5(a, tokenize="{TOKENIZE}")')
    db.execute("CREATE VIRTUAL TABLE v USING fts5vocab(f, 'instance')")
    for n, text in enumerate(texts, 1):
        db.execute("INSERT INTO f (rowid, a) VALUES (?, ?)", (n, text))
        fts5 = [row[0] for row in db.execute("SELECT term FROM v WHERE doc = ? ORDER BY offset", (n,))]
        assert tokens(text) == fts5


def test_odd_queries_get_an_answer_with_a_reason(filled):
    for query in ("离", "股", "，。！", '"*()', "\ufffd", "\udcff", "😀😀", "离职 职"):
        found = filled.search(query)
        assert found.total == 0 and found.hits == [] and found.reason, query
    assert "UTF-8" in filled.search("\udcff\udcfe").reason
    long = filled.search("离职" * 500)  # read up to its first 200 characters: a phrase no article holds
    assert long.total == 0 and not long.reason
    assert filled.search("离职😀").total == 3  # the emoji is a separator at the end of the word
    assert filled.search("iOS").total == 1 and filled.search("i").total == 0  # a lone letter is a whole token


def test_the_api_answers_bytes_that_are_not_utf8_with_a_reason(tmp_path):
    from fastapi.testclient import TestClient

    from finews.web import create_app

    from ..conftest import make_config

    with TestClient(create_app(make_config(tmp_path))) as client:
        for raw in ("%FF", "%C3%28", "%ED%A0%80"):
            response = client.get(f"/api/search?q={raw}")
            assert response.status_code == 200, raw
            assert response.json()["total"] == 0 and "UTF-8" in response.json()["reason"], raw
        short = client.get("/api/search", params={"q": "股"}).json()
        assert short["total"] == 0 and "2 characters" in short["reason"]


def test_fts5_reads_the_indexed_terms_back_as_they_are():
    """SQLite gets the terms joined by spaces, PostgreSQL the terms themselves: both must hold the same terms."""
    import sqlite3

    from finews.store.search_sqlite import TERMS_TOKENIZE
    from finews.store.search_terms import terms

    sample = "".join(chr(c) for c in range(0x80, 0x30000, 37) if not 0xD800 <= c <= 0xDFFF)
    texts = [
        "Crème Brûlée ÆON ø Straße ﬁ ①② İstanbul e\u0301té 3.5% C++ a_b ΑΒΓ Ｆｕｌｌ 🦞龙虾 😀 x🟠y 𠀀字 ℃ Ⅻ ²",
        "華為發佈iPhone 17，A股“涨停”——5.5%　ｉＰｈｏｎｅ\x00\ue000\ue001 ｶﾀｶﾅ カタカナ한국어",
        sample,
        " ".join(f"q{c}q" for c in sample),
    ]
    db = sqlite3.connect(":memory:")
    db.execute(f'CREATE VIRTUAL TABLE f USING fts5(a, tokenize="{TERMS_TOKENIZE}")')
    db.execute("CREATE VIRTUAL TABLE v USING fts5vocab(f, 'instance')")
    for n, value in enumerate(texts, 1):
        expected = terms(value)
        db.execute("INSERT INTO f (rowid, a) VALUES (?, ?)", (n, " ".join(expected)))
        assert [row[0] for row in db.execute("SELECT term FROM v WHERE doc = ? ORDER BY offset", (n,))] == expected


def test_an_archive_indexed_by_words_is_reindexed_by_the_upgrade(tmp_path):
    from alembic import command
    from alembic.config import Config as AlembicConfig
    from sqlalchemy import create_engine

    import finews.store.sql as sql
    from finews.store import open_archive

    path = tmp_path / "old.db"
    engine = create_engine(f"sqlite:///{path}")
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(Path(sql.__file__).parent / "migrations"))
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "0006")
        # the previous release's index: jieba's words, separated by U+2063, and their sub-words
        connection.exec_driver_sql("DROP TABLE articles_fts")
        connection.exec_driver_sql(
            "CREATE VIRTUAL TABLE articles_fts USING fts5(title, body, terms,"
            " tokenize=\"unicode61 separators '\u2063' remove_diacritics 2\")"
        )
        connection.exec_driver_sql(
            "INSERT INTO articles (slug, source, url, title, summary, content_html, content_markdown, categories,"
            " annotations, fetched_at, changed_at, sort_at, content_hash) VALUES ('1', 'old', 'https://o.cn/1',"
            " '華為發佈新機', '', '<p>消息称对英伟达的芯片需求旺盛。</p>', '', '[]', '[]', '2022-01-01 00:00:00',"
            " '2022-01-01 00:00:00', '2022-01-01 00:00:00', 'h')"
        )
        connection.exec_driver_sql("INSERT INTO articles_fts (rowid, title, body, terms) VALUES (1, '華為', '', '')")
    engine.dispose()
    with open_archive(path) as archive:
        assert archive.search("英伟达").total == 1 and archive.search("华为").total == 1
        assert archive.search("对英").total == 1  # across jieba's words
