"""Archive search that finds what Ctrl+F finds: one interface, a SQLite and a PostgreSQL implementation.

Matching. Text and query are folded alike (full width, case, Traditional → Simplified) and cut into
the terms of :mod:`.search_terms`: overlapping CJK character bigrams (as Lucene's CJKBigramFilter),
whole Latin tokens, and a gap term where punctuation or space separates two terms. A query part
without spaces is one phrase of those terms, so 英伟达 matches exactly the texts holding 英伟达,
where a word segmenter (jieba cut 对英/伟达, and 阿里巴巴 never holds 里巴) decides nothing. Words
of a query separated by spaces must all appear. Word-segmented columns were dropped from the index:
a bigram phrase already tells a whole-word mention from nothing, and keeping both would double the
index and put a segmenter back on the write path of every article.

Ranking is in tiers by what the title holds (:func:`title_tier`: the query as typed, each word, some
words, none), so a headline about the subject outranks any body that only mentions it; within a tier
by BM25 of the query's phrases (title terms weigh 5, body terms 1; with several words, the words side
by side are one more phrase, so the exact phrase ranks above scattered mentions), with at most
``FRESHNESS`` added for a new article: freshness breaks near-ties and never lifts a passing mention
over a better match. Both backends hand over the same BM25 and the tiers are computed here from the
titles, so they rank alike. To stay fast on common strings (芯片 matches tens of thousands of articles), only the newest
``CANDIDATES`` matches (``PHRASE_CANDIDATES`` when a phrase has several terms, whose frequencies
PostgreSQL counts from positions) are ranked by score; they come first and every older match follows, newest
first. That order does not depend on the page asked for, so paging through a result set returns
every match exactly once. A narrow ``search_docs`` table carries what filters and ranking need, so
no wide article row is touched until the page itself is loaded.

:mod:`.search_sqlite` keeps the terms in an FTS5 table; :mod:`.search_pg` keeps the same terms in a
GIN-indexed tsvector with positions and recomputes FTS5's BM25, so both backends return the same
articles in the same order with the same scores.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import escape
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.engine import Connection, Engine

from ..extract.clean import html_to_text
from ..model import Article
from .rows import article_from_row, naive_utc
from .schema import articles
from .search_terms import Query, fold, parse, pattern

BODY_CHARS = 15_000  # what is indexed of a body: any news story; at most one term per character, so it fits a tsvector
WEIGHTS = (5.0, 1.0)  # title, body
FRESHNESS = 0.1  # the most a new article's text score gains from its age: enough to break a near-tie, no more
FRESHNESS_DAYS = 365.0  # the gain falls to nothing at this age
CANDIDATES = 300  # newest matches ranked by score; older ones follow, newest first
PHRASE_CANDIDATES = 100  # as many, for a query with a phrase of several terms: each is counted from positions


def window(query: Query) -> int:
    """How many of the newest matches are ranked by score."""
    several = any(len(p.terms) > 1 or p.prefix for p in query.phrases) or query.boost is not None
    return PHRASE_CANDIDATES if several else CANDIDATES


def day_of(article: Article) -> float | None:
    when = naive_utc(article.published or article.fetched_at)
    return day_number(when) if when else None


def day_number(when: datetime) -> float:
    """Days since year 1 as a float: what ``search_docs.day`` holds and filters compare."""
    utc = naive_utc(when)
    assert utc is not None
    return utc.toordinal() + (utc.hour * 3600 + utc.minute * 60 + utc.second) / 86400


def indexed_text(article: Article) -> tuple[str, str]:
    """The title and the (bounded) plain body that get indexed."""
    body = (html_to_text(article.content_html) if article.content_html else "") or article.summary
    return article.title, body[:BODY_CHARS]


def title_tier(query: Query, title: str) -> int:
    """How much of the query the title holds: 3 all of it as typed, 2 each word apart, 1 some words, 0 none."""
    folded = fold(title)
    held = sum(1 for p in query.phrases if re.search(pattern(p), folded))
    if query.boost is None or re.search(pattern(query.boost), folded):
        return 3 if held == len(query.phrases) else 1 if held else 0
    return 2 if held == len(query.phrases) else 1 if held else 0


def blended(text_score: float, day: float | None, today: float, tier: int = 0) -> float:
    """The title tier, then the text score with a small bonus for freshness, squeezed below the next tier.

    The integer part is :func:`title_tier`, so a headline about the query outranks any body that only
    mentions it, however new; within a tier BM25 decides, and freshness adds at most ``FRESHNESS``
    of it, which reorders only near-ties.
    """
    age = max(0.0, today - (day or today))
    fresh = text_score * (1.0 + FRESHNESS * max(0.0, 1.0 - age / FRESHNESS_DAYS))
    return tier + fresh / (1.0 + fresh)


@dataclass
class SearchFilters:
    source: str | None = None
    category: str | None = None  # matches the article's categories (e.g. the outlet of an API source)
    since: datetime | None = None
    until: datetime | None = None
    ticker: str | None = None  # mentions.key of a company: 600519.SH, 00700.HK, BABA
    person: str | None = None


@dataclass
class SearchHit:
    article: Article
    score: float
    snippet: str  # HTML-safe text with <mark> around the matched words


@dataclass
class SearchResults:
    query: str
    total: int
    hits: list[SearchHit] = field(default_factory=list)
    reason: str = ""  # why nothing was searched for (a query too short, or without letters)


class Matches(Protocol):
    """One query's matches on one backend, in one connection."""

    def total(self) -> int: ...

    def newest(self, count: int, skip: int) -> list[tuple[int, float, float | None]]:
        """``count`` matches (id, BM25, day), newest first, after the ``skip`` newest."""
        ...


def update_index(conn: Connection, batch: Sequence[Article]) -> None:
    """(Re)index saved articles in the caller's transaction, so the index never lags the archive."""
    if conn.dialect.name == "postgresql":
        from . import search_pg as backend
    else:
        # the two backends are modules of one shape; the dialect picks which
        from . import search_sqlite as backend  # type: ignore[no-redef]
    backend.update_index(conn, batch)


def search(
    engine: Engine,
    query: str,
    filters: SearchFilters | None = None,
    *,
    limit: int = 20,
    offset: int = 0,
    now: datetime | None = None,
) -> SearchResults:
    """Articles holding ``query`` (each of its space-separated words), best first; never raises on odd input."""
    if engine.dialect.name == "postgresql":
        from . import search_pg as backend
    else:
        from . import search_sqlite as backend  # type: ignore[no-redef]  # one shape, picked by dialect
    limit, offset = max(0, min(limit, 200)), max(0, offset)
    parsed = parse(query)
    if parsed.reason:
        return SearchResults(query, 0, reason=parsed.reason)
    today = day_number(now or datetime.now(UTC))
    with engine.connect() as conn:
        matches = backend.matches(conn, parsed, filters or SearchFilters())
        total = matches.total()
        if not total or offset >= total or not limit:
            return SearchResults(query, total)
        page = ranked_page(matches, window(parsed), offset, limit, today, lambda ids: _tiers(conn, parsed, ids))
        ids = [article_id for _, article_id in page]
        found = {r.id: article_from_row(r) for r in conn.execute(select(articles).where(articles.c.id.in_(ids)))}
    return SearchResults(query, total, hits(parsed, page, found))


def _tiers(conn: Connection, query: Query, ids: Sequence[int]) -> dict[int, int]:
    rows = conn.execute(select(articles.c.id, articles.c.title).where(articles.c.id.in_(list(ids))))
    return {r.id: title_tier(query, r.title or "") for r in rows}


def ranked_page(
    matches: Matches,
    size: int,
    offset: int,
    limit: int,
    today: float,
    tiers: Callable[[Sequence[int]], dict[int, int]],
) -> list[tuple[float, int]]:
    """Positions ``offset`` to ``offset + limit`` of the one order: the ``size`` newest by score, then the rest."""
    newest = matches.newest(size, 0)
    tier = tiers([i for i, _, _ in newest])
    ranked = sorted(((blended(s, day, today, tier.get(i, 0)), i) for i, s, day in newest), reverse=True)
    page = ranked[offset : offset + limit]
    if offset + limit > len(newest) and len(newest) == size:
        start = max(offset, len(newest))
        older = matches.newest(offset + limit - start, start)
        tier = tiers([i for i, _, _ in older])
        page += [(blended(s, day, today, tier.get(i, 0)), i) for i, s, day in older]
    return page


def hits(query: Query, scored: Sequence[tuple[float, int]], found: dict[int, Article]) -> list[SearchHit]:
    """The page's hits in order, each with its highlighted snippet."""
    patterns = [pattern(p) for p in query.phrases]
    return [SearchHit(found[i], score, highlight(_plain(found[i]), patterns)) for score, i in scored if i in found]


def _plain(article: Article) -> str:
    body = html_to_text(article.content_html) if article.content_html else ""
    return " ".join((body or article.summary or article.title).split())


def highlight(plain: str, patterns: Sequence[str], width: int = 120) -> str:
    """A window of ``plain`` around the first match, HTML-escaped, each match in ``<mark>``.

    Matches are found in the folded text, which is as long as ``plain``, and marked in ``plain``.
    """
    if not patterns:
        return escape(plain[:width])
    found = re.compile("|".join(f"(?:{p})" for p in sorted(patterns, key=len, reverse=True)))
    folded = fold(plain)
    first = found.search(folded)
    start = max(0, (first.start() if first else 0) - width // 3)
    end = start + width
    out, at = [], start
    for match in found.finditer(folded, start, end):
        out += [escape(plain[at : match.start()]), "<mark>", escape(plain[match.start() : match.end()]), "</mark>"]
        at = match.end()
    out.append(escape(plain[at:end]))
    prefix, suffix = ("…" if start else ""), ("…" if end < len(plain) else "")
    return escape(prefix) + "".join(out) + escape(suffix)


def filter_clauses(filters: SearchFilters, category: Callable[[str], str]) -> tuple[str, dict[str, object]]:
    """SQL conditions on ``search_docs d`` for the filters; ``category`` spells the JSON test in the dialect."""
    clauses: list[str] = []
    params: dict[str, object] = {}
    if filters.source:
        clauses.append("d.source = :source")
        params["source"] = filters.source
    if filters.category:
        clauses.append(category(":category"))
        params["category"] = filters.category
    if filters.since:
        clauses.append("d.day >= :since")
        params["since"] = day_number(filters.since)
    if filters.until:
        clauses.append("d.day < :until")
        params["until"] = day_number(filters.until)
    for kind, value in (("company", filters.ticker), ("person", filters.person)):
        if value:
            clauses.append(
                f"EXISTS (SELECT 1 FROM mentions m WHERE m.article_id = d.id AND m.kind = '{kind}'"
                f" AND (m.key = :{kind} OR m.key = :{kind}_key OR m.name = :{kind}) AND m.confidence >= 0.6)"
            )
            params[kind] = value
            params[f"{kind}_key"] = company_key(value) if kind == "company" else value
    return "".join(f" AND {c}" for c in clauses), params


def company_key(value: str) -> str:
    """A company is stored under one key (its first ticker): 09988.HK and 阿里 find BABA's articles."""
    from ..enrich.tickers import company_index  # the dictionary loads only when a ticker is asked for

    return company_index().key_of(value)
