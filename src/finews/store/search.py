"""Chinese full-text search over the archive: one interface, a SQLite and a PostgreSQL implementation.

Neither database's own tokenizer can read Chinese (SQLite's unicode61 and PostgreSQL's parser take
a whole run of Han characters as one token; trigrams need three characters, so 茅台 or 离职 would
never match). Text is therefore cut into words by rjieba (jieba's dictionary, in Rust, ~5M
chars/s) before it is indexed. A third field holds the sub-words of longer words (贵州茅台 → 贵州,
茅台) and the two-character pieces of long Han words, so short queries find words the segmenter
kept whole. Every word of a query must appear; user input is never query syntax.

Ranking is BM25 (title weighted above body) damped by age. To stay fast on common words (苹果
matches tens of thousands of articles), only the newest ``CANDIDATES`` matches are scored. A narrow
``search_docs`` table carries what filters and ranking need, so no wide article row is touched
until the page itself is loaded.

:mod:`.search_sqlite` keeps the words in an FTS5 table; :mod:`.search_pg` keeps the same words,
tokenized the same way, in a GIN-indexed tsvector and computes the same BM25, so both backends
return the same articles in the same order.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from html import escape

import rjieba
from sqlalchemy.engine import Connection, Engine

from ..extract.clean import html_to_text
from ..model import Article
from .rows import naive_utc

SEPARATOR = "\u2063"  # INVISIBLE SEPARATOR: FTS5 splits on it, readers never see it
_HAN_WORD = re.compile(r"^[\u3400-\u9fff\uf900-\ufaff]{3,}$")
_WORD = re.compile(r"\w", re.UNICODE)
BODY_CHARS = 20_000  # what is indexed of one body: enough for any news story, bounded for 1 MB pages
WEIGHTS = (5.0, 1.0, 0.5)  # title, body, sub-words
AGE_SCALE_DAYS = 180.0  # an article this old ranks at half its text score
CANDIDATES = 300  # newest matches scored per query; deeper pages widen the window
QUERY_CHARS = 200  # what is read of a query


def segment(value: str) -> str:
    """``value`` cut into words, joined by the invisible separator (so it reads as the original)."""
    return SEPARATOR.join(rjieba.cut(value)) if value else ""


def sub_words(value: str) -> str:
    """Sub-words of compound words and 2-character pieces of long Han words, for short queries."""
    extra: set[str] = set()
    for word in rjieba.cut(value):
        if _HAN_WORD.match(word):
            extra.update(rjieba.cut_for_search(word))
            extra.update(word[i : i + 2] for i in range(len(word) - 1))
            extra.discard(word)
    return " ".join(sorted(extra))


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


def query_words(query: str) -> list[str]:
    """The query's words in order, once each (punctuation and spaces dropped): each must match."""
    words = (word.strip() for word in rjieba.cut(query[:QUERY_CHARS]))
    return list(dict.fromkeys(word for word in words if word and _WORD.search(word)))


def blended(text_score: float, day: float | None, today: float) -> float:
    """The text score damped by age: an article ``AGE_SCALE_DAYS`` old counts half."""
    return text_score / (1.0 + max(0.0, today - (day or today)) / AGE_SCALE_DAYS)


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


def update_index(conn: Connection, batch: Sequence[Article]) -> None:
    """(Re)index saved articles in the caller's transaction, so the index never lags the archive."""
    if conn.dialect.name == "postgresql":
        from . import search_pg as backend
    else:
        from . import search_sqlite as backend
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
    """Articles matching ``query`` (all its words), best first; never raises on odd input."""
    if engine.dialect.name == "postgresql":
        from . import search_pg as backend
    else:
        from . import search_sqlite as backend
    limit, offset = max(0, min(limit, 200)), max(0, offset)
    return backend.search(engine, query, filters or SearchFilters(), limit=limit, offset=offset, now=now)


def hits(query: str, scored: Sequence[tuple[float, int]], found: dict[int, Article]) -> list[SearchHit]:
    """The page's hits in score order, each with its highlighted snippet."""
    words = query_words(query)
    return [SearchHit(found[i], score, highlight(_plain(found[i]), words)) for score, i in scored if i in found]


def _plain(article: Article) -> str:
    body = html_to_text(article.content_html) if article.content_html else ""
    return " ".join((body or article.summary or article.title).split())


def highlight(plain: str, words: Sequence[str], width: int = 120) -> str:
    """A window of ``plain`` around the first matched word, HTML-escaped, each match in ``<mark>``."""
    if not words:
        return escape(plain[:width])
    pattern = re.compile("|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)), re.I)
    first = pattern.search(plain)
    start = max(0, (first.start() if first else 0) - width // 3)
    piece = plain[start : start + width]
    marked = pattern.sub(lambda m: "\u0001" + m.group(0) + "\u0002", piece)
    prefix, suffix = ("…" if start else ""), ("…" if start + width < len(plain) else "")
    return escape(prefix + marked + suffix).replace("\u0001", "<mark>").replace("\u0002", "</mark>")


def filter_clauses(filters: SearchFilters, category: Callable[[str], str]) -> tuple[str, dict[str, object]]:
    """SQL conditions on ``search_docs d`` for the filters; ``category`` spells the JSON test in the dialect."""
    clauses, params = [], {}
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
                f" AND (m.key = :{kind} OR m.name = :{kind}) AND m.confidence >= 0.6)"
            )
            params[kind] = value
    return "".join(f" AND {c}" for c in clauses), params
