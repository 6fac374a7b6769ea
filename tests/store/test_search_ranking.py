"""Ranking a reader trusts, on every real cnBeta, 知乎, InfoQ and news-daily item, judged by reading.

``tests/data/search_judged.jsonl`` grades the pooled top 10 of realistic queries (2 about the
subject, 1 a relevant mention, 0 passing); its held-out queries were never used to choose the
ranking. A headline about the query outranks a newer article that only mentions it.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from finews.extract import prepare
from finews.model import Article
from finews.sources.feed import article_from_item
from finews.store import open_archive
from finews.store.search import search

from ..conftest import CORPORA, need

JUDGED = Path(__file__).resolve().parents[1] / "data/search_judged.jsonl"
SOURCES = ("cnbeta", "zhihu", "infoq", "news-daily")
NOW = datetime(2026, 9, 1, tzinfo=UTC)  # days after the newest item, as in bench/search_ranking.py
HELD_OUT_P5 = 0.95  # measured 1.00 (before the title tiers: 0.89)


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    items: list[Article] = []
    for name in SOURCES:
        path = need(CORPORA / f"feeds/niles/items_{name}.jsonl")
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                try:
                    items.append(prepare(article_from_item(json.loads(line), name)))
                except Exception:  # an item the cleaner rejects: the benchmark leaves it out too
                    continue
    archive = open_archive(tmp_path_factory.mktemp("ranking") / "a.db")
    archive.save(items)
    yield archive
    archive.close()


def _judged(split: str) -> dict[str, dict[str, int]]:
    grades: dict[str, dict[str, int]] = defaultdict(dict)
    for line in JUDGED.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if row["split"] == split:
            grades[row["query"]][row["url"]] = row["grade"]
    return grades


def test_the_judged_set_is_realistic_and_mostly_tuned_on():
    tune, held_out = _judged("tune"), _judged("held-out")
    assert len(tune) + len(held_out) >= 40 and 0.25 <= len(held_out) / (len(tune) + len(held_out)) <= 0.4
    assert all(len(grades) >= 8 for grades in {**tune, **held_out}.values())  # a pool of two top 10s


def test_held_out_queries_find_relevant_articles_in_the_first_five(archive):
    precision = {}
    for query, grades in _judged("held-out").items():
        hits = search(archive.engine, query, limit=5, now=NOW).hits
        precision[query] = sum(grades.get(h.article.canonical_url or h.article.url, 0) >= 1 for h in hits) / 5
    mean = sum(precision.values()) / len(precision)
    assert mean >= HELD_OUT_P5, sorted(precision.items(), key=lambda kv: kv[1])[:5]


def test_an_older_headline_outranks_a_recent_passing_mention(tmp_path):
    archive = open_archive(tmp_path / "a.db")
    old = Article(source="t", url="https://example.com/old", title="英伟达发布新一代芯片",
                  summary="英伟达今天发布了新一代芯片。", published=NOW - timedelta(days=300))  # fmt: skip
    recent = Article(source="t", url="https://example.com/new", title="手机市场季度报告",
                     summary="英伟达 英伟达 英伟达，手机出货量增长。", published=NOW - timedelta(days=1))  # fmt: skip
    archive.save([old, recent])
    hits = search(archive.engine, "英伟达", now=NOW).hits
    assert [h.article.url for h in hits] == [old.url, recent.url]
    scattered = Article(source="t", url="https://example.com/words", title="芯片 供应 与 英伟达 无关",
                        summary="英伟达 和 芯片。", published=NOW)  # fmt: skip
    exact = Article(source="t", url="https://example.com/phrase", title="英伟达芯片出货",
                    summary="英伟达芯片。", published=NOW - timedelta(days=200))  # fmt: skip
    archive.save([scattered, exact])
    assert search(archive.engine, "英伟达 芯片", now=NOW).hits[0].article.url == exact.url
    archive.close()
