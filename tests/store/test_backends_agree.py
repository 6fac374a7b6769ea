"""One ingest of real items written to SQLite and PostgreSQL at once: the same rows, search results and site.

The items (cnBeta and 知乎 from ../shared/corpora, a few re-published under another source with
another URL so they get linked as "also reported by", and a few retitled so they get updated) go
through the pipeline once, with stories, entities and moves; every write reaches both archives.
"""

from __future__ import annotations

import copy
import json
import math
from collections.abc import Sequence
from dataclasses import asdict
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from finews.model import Article, SaveResult
from finews.pipeline import ingest_articles, open_understanding
from finews.publish.outputs import publish_all
from finews.sources.feed import article_from_item
from finews.store import SQLArchive, open_archive, open_database, queries
from finews.store.findings import Findings
from finews.store.search import SearchFilters, search

from ..conftest import CORPORA, make_config, need
from .test_postgres import assert_search_totals_add_up

BJ = timezone(timedelta(hours=8))
NOW = datetime(2026, 11, 1, tzinfo=UTC)  # the corpus's newest items are from 2025; ranking by age needs one clock
CNBETA, ZHIHU, MIRRORED, RETITLED = 180, 60, 12, 8


class BothArchives:
    """Every write goes to both archives (a copy of each batch to the second); reads come from the first."""

    def __init__(self, first: SQLArchive, second: SQLArchive) -> None:
        self.first, self.second = first, second

    def save(self, batch: Sequence[Article]) -> SaveResult:
        twin = copy.deepcopy(list(batch))
        one, two = self.first.save(batch), self.second.save(twin)
        counts = ("added", "updated", "unchanged", "duplicates", "linked")
        assert [getattr(one, c) for c in counts] == [getattr(two, c) for c in counts]
        assert [(a.id, a.slug, a.duplicate_of) for a in batch] == [(a.id, a.slug, a.duplicate_of) for a in twin]
        return one

    def save_findings(self, batch: Sequence[Findings]) -> None:
        self.first.save_findings(batch)
        self.second.save_findings(batch)

    def __getattr__(self, name: str):
        return getattr(self.first, name)


def _items(name: str, count: int) -> list[dict]:
    path = need(CORPORA / f"feeds/niles/items_{name}.jsonl")
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()][:count]


@pytest.fixture(scope="module")
def both(tmp_path_factory, pg_module_database):
    cnbeta, zhihu = _items("cnbeta", CNBETA), _items("zhihu", ZHIHU)
    root = tmp_path_factory.mktemp("both")
    sqlite, postgres = open_archive(root / "a.db"), open_database(pg_module_database)
    tee = BothArchives(sqlite, postgres)
    config = make_config(root)
    understanding = open_understanding(config, tee, NOW)
    articles = [article_from_item(i, "cnbeta") for i in cnbeta] + [article_from_item(i, "zhihu") for i in zhihu]
    ingest_articles(iter(articles), tee, understanding=understanding)
    # other outlets carrying cnBeta's text under their own links, and cnBeta retitling a few stories
    mirrors = [article_from_item({**i, "link": f"{i['link']}?mirror=1"}, "mirror") for i in cnbeta[:MIRRORED]]
    retitled = [article_from_item({**i, "title": f"{i['title']}（更新）"}, "cnbeta") for i in cnbeta[-RETITLED:]]
    ingest_articles(iter(mirrors + retitled), tee, understanding=understanding)
    yield sqlite, postgres
    sqlite.close()
    postgres.close()


def _rows(archive: SQLArchive) -> list[dict]:
    return [asdict(a) for a in archive.iter_articles(linked=True)]


def test_both_archives_hold_the_same_rows_links_and_findings(both):
    sqlite, postgres = both
    assert sqlite.count() == postgres.count() == CNBETA + ZHIHU + MIRRORED
    assert _rows(sqlite) == _rows(postgres)
    linked = sqlite.also_reported()
    assert sum(len(v) for v in linked.values()) == MIRRORED and linked.keys() == postgres.also_reported().keys()
    assert sqlite.moves() == postgres.moves()
    assert_search_totals_add_up(postgres)  # after inserts, updates and links
    for read in (
        lambda e: queries.page_entities(e, limit=500, offset=0).items,
        lambda e: queries.page_stories(e, limit=500, offset=0).items,
        queries.confident_mentions,
        queries.source_counts,
    ):
        assert read(sqlite.engine) == read(postgres.engine)


QUERIES = [
    ("离职", None),  # two characters, inside longer words
    ("手机", None),
    ("模型", None),
    ("AI", None),  # 48 matches: more than one page
    ("英伟达 芯片", None),  # every word must match
    ("人工智能 模型", None),
    ("SpaceX", SearchFilters(source="cnbeta")),
    ("发布", SearchFilters(source="zhihu")),
    ("人工智能", SearchFilters(since=datetime(2026, 2, 5, tzinfo=BJ))),
    ("手机", SearchFilters(until=datetime(2026, 2, 5, tzinfo=BJ))),
    ("发布", SearchFilters(ticker="AAPL")),
    ("公司", SearchFilters(person="马斯克")),
    ("2.0", None),  # a phrase: unicode61 cuts it in two tokens
    ("C++", None),
    ("茅台", None),  # not in these items
]


def test_the_same_queries_find_the_same_articles_in_the_same_order(both):
    sqlite, postgres = both
    matched = 0
    for query, filters in QUERIES:
        one = search(sqlite.engine, query, filters, limit=200, now=NOW)
        two = search(postgres.engine, query, filters, limit=200, now=NOW)
        assert one.total == two.total, query
        assert [h.article.id for h in one.hits] == [h.article.id for h in two.hits], query
        for a, b in zip(one.hits, two.hits, strict=True):
            assert math.isclose(a.score, b.score, rel_tol=1e-9), (query, a.article.id, a.score, b.score)
            assert a.snippet == b.snippet
        matched += one.total > 0
    assert matched == len(QUERIES) - 1  # the set really exercises matching, not empty pages


def test_site_and_jekyll_posts_from_either_archive_are_the_same_files(both, tmp_path):
    trees = []
    for archive, name in zip(both, ("sqlite", "postgresql"), strict=True):
        root = tmp_path / name
        config = make_config(root, run={"site": True, "exports": [{"format": "jekyll", "directory": "posts"}]})
        report = publish_all(config, archive, now=NOW)
        assert report.site is not None and report.site.articles == CNBETA + ZHIHU
        files = (p for p in sorted(root.rglob("*")) if p.is_file() and not _built_by_pagefind(p.relative_to(root)))
        trees.append({p.relative_to(root): p.read_bytes() for p in files})
    assert len(trees[0]) > CNBETA + ZHIHU
    assert trees[0].keys() == trees[1].keys()
    assert [p for p in trees[0] if trees[0][p] != trees[1][p]] == []


def _built_by_pagefind(path: Path) -> bool:
    """Pagefind's index (and the build state listing its files) differs between two builds of one archive."""
    return path.parts[:2] == ("site", "pagefind") or path.name == ".finews-state.db"
