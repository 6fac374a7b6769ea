"""Chinese full-text search over the archive: SQLite FTS5 on words cut by jieba.

SQLite's own tokenizers cannot read Chinese (unicode61 takes a whole run of Han characters as one
token; trigram needs three characters, so 茅台 or 离职 would never match). Text is therefore cut
into words by rjieba (jieba's dictionary, in Rust, ~5M chars/s) before it reaches FTS5, joined by
an invisible separator so a snippet turns back into the original text. A third, hidden column
holds the sub-words of longer words (贵州茅台 → 贵州, 茅台) and the two-character pieces of long
Han words, so short queries find words the segmenter kept whole. User input never reaches FTS5's
query syntax unquoted.

Ranking is BM25 (title weighted above body) damped by age. To stay fast on common words (苹果
matches tens of thousands of articles), the newest ``CANDIDATES`` matches are read straight off
the index in arrival order, which FTS5 streams and stops early; only they are scored. A narrow
``search_docs`` table carries what filters and ranking need, so no wide article row is touched
until the page itself is loaded.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import escape

import rjieba
from sqlalchemy import select, text
from sqlalchemy.engine import Connection, Engine

from ..extract.clean import html_to_text
from ..model import Article
from .rows import article_from_row, naive_utc
from .schema import articles

SEPARATOR = "\u2063"  # INVISIBLE SEPARATOR: FTS5 splits on it, readers never see it
TOKENIZE = f"unicode61 separators '{SEPARATOR}' remove_diacritics 2"
_HAN_WORD = re.compile(r"^[\u3400-\u9fff\uf900-\ufaff]{3,}$")
_WORD = re.compile(r"\w", re.UNICODE)
BODY_CHARS = 20_000  # what is indexed of one body: enough for any news story, bounded for 1 MB pages
WEIGHTS = (5.0, 1.0, 0.5)  # title, body, sub-words
AGE_SCALE_DAYS = 180.0  # an article this old ranks at half its text score

CANDIDATES = 300  # newest matches scored per query; deeper pages widen the window
CREATE = (
    f'CREATE VIRTUAL TABLE IF NOT EXISTS articles_fts USING fts5(title, body, terms, tokenize="{TOKENIZE}")',
    "CREATE TABLE IF NOT EXISTS search_docs (id INTEGER PRIMARY KEY, source TEXT NOT NULL, day REAL,"
    " visible INTEGER NOT NULL)",
)


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


def _day(article: Article) -> float | None:
    when = naive_utc(article.published or article.fetched_at)
    return when.toordinal() + (when.hour * 3600 + when.minute * 60 + when.second) / 86400 if when else None


def index_row(article: Article) -> dict[str, object]:
    body = (html_to_text(article.content_html) if article.content_html else "") or article.summary
    body = body[:BODY_CHARS]
    return {
        "rowid": article.id,
        "title": segment(article.title),
        "body": segment(body),
        "terms": sub_words(f"{article.title}\n{body}"),
    }


def update_index(conn: Connection, batch: Sequence[Article]) -> None:
    """(Re)index saved articles in the caller's transaction, so the index never lags the archive."""
    rows = [index_row(a) for a in batch if a.id is not None]
    if not rows:
        return
    conn.execute(text("DELETE FROM articles_fts WHERE rowid = :rowid"), [{"rowid": r["rowid"]} for r in rows])
    conn.execute(
        text("INSERT INTO articles_fts (rowid, title, body, terms) VALUES (:rowid, :title, :body, :terms)"), rows
    )
    docs = [
        {"id": a.id, "source": a.source, "day": _day(a), "visible": int(a.duplicate_of is None)}
        for a in batch
        if a.id is not None
    ]
    conn.execute(text("INSERT OR REPLACE INTO search_docs VALUES (:id, :source, :day, :visible)"), docs)


def match_expression(query: str) -> str | None:
    """A safe FTS5 MATCH for what the user typed: every word must appear; nothing is FTS syntax.

    ``"``, ``*``, ``AND``, ``NEAR(``, unbalanced parentheses … are words or nothing here.
    """
    words = []
    for word in rjieba.cut(query[:200]):
        word = word.strip()
        if not word or not _WORD.search(word):
            continue
        words.append('"' + word.replace('"', '""') + '"')
    return " AND ".join(dict.fromkeys(words)) or None


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
    match = match_expression(query)
    if match is None:
        return SearchResults(query, 0)
    limit, offset = max(0, min(limit, 200)), max(0, offset)
    where, params = _filters(filters or SearchFilters())
    params["match"] = match
    base = (
        f"FROM articles_fts f JOIN search_docs d ON d.id = f.rowid WHERE articles_fts MATCH :match AND d.visible{where}"
    )
    weights = ", ".join(str(w) for w in WEIGHTS)
    window = max(CANDIDATES, offset + limit)
    today = _day_number(now or datetime.now(UTC))
    with engine.connect() as conn:
        total = conn.execute(text(f"SELECT count(*) {base}"), params).scalar_one()
        if not total or offset >= total:
            return SearchResults(query, int(total))
        candidates = conn.execute(
            text(f"SELECT f.rowid AS id, bm25(articles_fts, {weights}) AS bm25, d.day {base}"
                 " ORDER BY f.rowid DESC LIMIT :window"),
            {**params, "window": window},
        ).all()  # fmt: skip
        scored = sorted(
            ((-r.bm25 / (1.0 + max(0.0, today - (r.day or today)) / AGE_SCALE_DAYS), r.id) for r in candidates),
            reverse=True,
        )[offset : offset + limit]
        ids = [article_id for _, article_id in scored]
        found = {r.id: article_from_row(r) for r in conn.execute(select(articles).where(articles.c.id.in_(ids)))}
    words = _query_words(query)
    hits = [SearchHit(found[i], score, highlight(_plain(found[i]), words)) for score, i in scored if i in found]
    return SearchResults(query, int(total), hits)


def _day_number(when: datetime) -> float:
    utc = naive_utc(when)
    assert utc is not None
    return utc.toordinal() + (utc.hour * 3600 + utc.minute * 60 + utc.second) / 86400


def _query_words(query: str) -> list[str]:
    return [w for w in {w.strip() for w in rjieba.cut(query[:200])} if w and _WORD.search(w)]


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


def _filters(filters: SearchFilters) -> tuple[str, dict[str, object]]:
    clauses, params = [], {}
    if filters.source:
        clauses.append("d.source = :source")
        params["source"] = filters.source
    if filters.category:
        clauses.append(
            "EXISTS (SELECT 1 FROM articles a, json_each(a.categories) c WHERE a.id = d.id AND c.value = :category)"
        )
        params["category"] = filters.category
    if filters.since:
        clauses.append("d.day >= :since")
        params["since"] = _day_number(filters.since)
    if filters.until:
        clauses.append("d.day < :until")
        params["until"] = _day_number(filters.until)
    for kind, value in (("company", filters.ticker), ("person", filters.person)):
        if value:
            clauses.append(
                f"EXISTS (SELECT 1 FROM mentions m WHERE m.article_id = d.id AND m.kind = '{kind}'"
                f" AND (m.key = :{kind} OR m.name = :{kind}) AND m.confidence >= 0.6)"
            )
            params[kind] = value
    return "".join(f" AND {c}" for c in clauses), params
