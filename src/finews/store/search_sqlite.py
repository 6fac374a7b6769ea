"""SQLite backend of :mod:`.search`: FTS5 over jieba-cut words.

Words are joined by an invisible separator that FTS5's unicode61 tokenizer splits on, so a
snippet turns back into the original text. The newest ``CANDIDATES`` matches are read straight
off the index in arrival order, which FTS5 streams and stops early; only they are scored.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import select, text
from sqlalchemy.engine import Connection, Engine

from ..model import Article
from .rows import article_from_row
from .schema import articles
from .search import (
    CANDIDATES,
    SEPARATOR,
    WEIGHTS,
    SearchFilters,
    SearchResults,
    blended,
    day_number,
    day_of,
    filter_clauses,
    hits,
    indexed_text,
    query_words,
    segment,
    sub_words,
)

TOKENIZE = f"unicode61 separators '{SEPARATOR}' remove_diacritics 2"
CREATE = (
    f'CREATE VIRTUAL TABLE IF NOT EXISTS articles_fts USING fts5(title, body, terms, tokenize="{TOKENIZE}")',
    "CREATE TABLE IF NOT EXISTS search_docs (id INTEGER PRIMARY KEY, source TEXT NOT NULL, day REAL,"
    " visible INTEGER NOT NULL)",
)


def index_row(article: Article) -> dict[str, object]:
    title, body = indexed_text(article)
    return {"rowid": article.id, "title": segment(title), "body": segment(body), "terms": sub_words(f"{title}\n{body}")}


def update_index(conn: Connection, batch: Sequence[Article]) -> None:
    rows = [index_row(a) for a in batch if a.id is not None]
    if not rows:
        return
    conn.execute(text("DELETE FROM articles_fts WHERE rowid = :rowid"), [{"rowid": r["rowid"]} for r in rows])
    conn.execute(
        text("INSERT INTO articles_fts (rowid, title, body, terms) VALUES (:rowid, :title, :body, :terms)"), rows
    )
    docs = [
        {"id": a.id, "source": a.source, "day": day_of(a), "visible": int(a.duplicate_of is None)}
        for a in batch
        if a.id is not None
    ]
    conn.execute(text("INSERT OR REPLACE INTO search_docs VALUES (:id, :source, :day, :visible)"), docs)


def match_expression(query: str) -> str | None:
    """A safe FTS5 MATCH for what the user typed: every word must appear; nothing is FTS syntax.

    ``"``, ``*``, ``AND``, ``NEAR(``, unbalanced parentheses … are words or nothing here.
    """
    words = ['"' + word.replace('"', '""') + '"' for word in query_words(query)]
    return " AND ".join(words) or None


def _category(param: str) -> str:
    return f"EXISTS (SELECT 1 FROM articles a, json_each(a.categories) c WHERE a.id = d.id AND c.value = {param})"


def search(
    engine: Engine, query: str, filters: SearchFilters, *, limit: int, offset: int, now: datetime | None
) -> SearchResults:
    match = match_expression(query)
    if match is None:
        return SearchResults(query, 0)
    where, params = filter_clauses(filters, _category)
    params["match"] = match
    base = (
        f"FROM articles_fts f JOIN search_docs d ON d.id = f.rowid WHERE articles_fts MATCH :match AND d.visible{where}"
    )
    weights = ", ".join(str(w) for w in WEIGHTS)
    window = max(CANDIDATES, offset + limit)
    today = day_number(now or datetime.now(UTC))
    with engine.connect() as conn:
        total = conn.execute(text(f"SELECT count(*) {base}"), params).scalar_one()
        if not total or offset >= total:
            return SearchResults(query, int(total))
        candidates = conn.execute(
            text(f"SELECT f.rowid AS id, bm25(articles_fts, {weights}) AS bm25, d.day {base}"
                 " ORDER BY f.rowid DESC LIMIT :window"),
            {**params, "window": window},
        ).all()  # fmt: skip
        scored = sorted(((blended(-r.bm25, r.day, today), r.id) for r in candidates), reverse=True)
        scored = scored[offset : offset + limit]
        ids = [article_id for _, article_id in scored]
        found = {r.id: article_from_row(r) for r in conn.execute(select(articles).where(articles.c.id.in_(ids)))}
    return SearchResults(query, int(total), hits(query, scored, found))
