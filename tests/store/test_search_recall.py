"""Search finds what Ctrl+F finds, and nothing else, on real cnBeta, 知乎 and InfoQ items; paging is stable.

The truth is computed here, independently of the index: each visible article's title and plain text,
folded (full width → ASCII, lower case, Traditional → Simplified), holds the query; a Latin end of
the query must sit on a token boundary. Queries are sampled from the items' own text, with a fixed
seed: CJK strings of 2 to 6 characters from anywhere (most cross a word boundary), jieba words,
parts of longer words, Latin tokens, Latin beside CJK, two words with a space.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime

import pytest

from finews.extract import prepare
from finews.extract.clean import html_to_text
from finews.model import Article
from finews.sources.feed import article_from_item
from finews.store import SQLArchive, open_archive, open_database
from finews.store.search import BODY_CHARS, SearchFilters

from ..conftest import CORPORA, need
from ..ctrlf import fold, holding, sample_queries

PER_SOURCE = {"cnbeta": 300, "zhihu": 60, "infoq": 40}
COPIES = 3
NOW = datetime(2026, 11, 1, tzinfo=UTC)


_fold = fold


def _plain(article: Article) -> str:
    """The text searched: the plain body as far as the archive indexes it (BODY_CHARS, documented)."""
    return ((html_to_text(article.content_html) if article.content_html else "") or article.summary)[:BODY_CHARS]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def corpus(request, tmp_path_factory) -> Iterator[tuple[SQLArchive, list[Saved]]]:
    items: list[Article] = []
    for name, count in PER_SOURCE.items():
        path = need(CORPORA / f"feeds/niles/items_{name}.jsonl")
        lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()][:count]
        items += [prepare(article_from_item(json.loads(line), name)) for line in lines]
    if request.param == "sqlite":
        archive = open_archive(tmp_path_factory.mktemp("recall") / "a.db")
    else:
        archive = open_database(request.getfixturevalue("pg_module_database"))
    archive.save(items)
    for copy in range(1, COPIES):  # the same stories again under other links: result sets past one window
        again = [replace(a, url=f"{a.url}#{copy}", canonical_url=f"{a.canonical_url}#{copy}", guid=None,
                         title=f"{a.title}（{copy}）", id=None) for a in items]  # fmt: skip
        assert archive.save(again).added == len(again)
    saved = [Saved(a.id, _fold(a.title), _fold(_plain(a))) for a in archive.iter_articles() if a.duplicate_of is None]
    yield archive, saved
    archive.close()


@dataclass
class Saved:
    id: int | None
    title: str  # folded
    text: str


def _holding(saved: list[Saved], query: str) -> set[int]:
    return {i for i in holding({a.id: (a.title, a.text) for a in saved}, query) if i is not None}


def _samples(saved: list[Saved], per_kind: int = 12) -> dict[str, list[str]]:
    return sample_queries([f"{a.title}\n{a.text}" for a in saved[: len(saved) // COPIES]], seed=11, per_kind=per_kind)


def _every_page(archive: SQLArchive, query: str, size: int) -> list[int]:
    first = archive.search(query, limit=size)
    ids = [h.article.id for h in first.hits]
    for offset in range(size, first.total, size):
        ids += [h.article.id for h in archive.search(query, limit=size, offset=offset).hits]
    return ids


def test_every_article_holding_the_query_is_found_and_no_other(corpus):
    archive, saved = corpus
    wrong = {}
    for kind, queries in _samples(saved).items():
        for query in queries:
            expected = _holding(saved, query)
            found = _every_page(archive, query, 200)
            if set(found) != expected or len(found) != len(expected):
                wrong[(kind, query)] = (sorted(expected - set(found)), sorted(set(found) - expected))
    assert wrong == {}


def test_folded_forms_and_strings_across_word_boundaries(corpus):
    archive, saved = corpus
    for query, folded in (("英伟达", "英伟达"), ("華為", "华为"), ("ｉＰｈｏｎｅ", "iphone"), ("IPHONE", "iphone")):
        assert {h.article.id for h in archive.search(query, limit=200).hits} == _holding(saved, folded), query
        assert archive.search(query).total > 0, query
    assert archive.search("里巴").total == len(_holding(saved, "里巴")) > 0  # inside 阿里巴巴
    assert archive.search("5G").total == len(_holding(saved, "5G"))  # not inside 25Gbps


@pytest.mark.parametrize("query", ["公司", "发布", "AI", "阅读 全文"])
def test_paging_returns_every_match_once_in_one_order(corpus, query):
    archive, _ = corpus
    total = archive.search(query).total
    assert total > 300  # past the window ranked by score, into the matches that follow it
    orders = {size: _every_page(archive, query, size) for size in (7, 20, 200)}
    for size, ids in orders.items():
        assert len(ids) == len(set(ids)) == total, size
    assert orders[7] == orders[20] == orders[200]


def test_paging_with_a_filter_is_stable_too(corpus):
    archive, _ = corpus
    filters = SearchFilters(source="cnbeta")
    total = archive.search("公司", filters).total
    ids = []
    for offset in range(0, total, 33):
        ids += [h.article.id for h in archive.search("公司", filters, limit=33, offset=offset).hits]
    assert len(ids) == len(set(ids)) == total > 0
