"""SQLite backend of :mod:`.search`: FTS5 over the terms of :mod:`.search_terms`.

The FTS5 table has two columns, title and body, each holding its terms joined by spaces. The terms
are already cut and folded as unicode61 would (:mod:`.unicode61`), so the table reads them back with
the ``ascii`` tokenizer, which splits at the spaces alone and folds nothing more: the same terms, for
a tenth less work on every insert than unicode61 splitting them again. A query is FTS5 phrases built
from its terms, each quoted, so nothing the user typed is FTS5 syntax. The newest matches are read
straight off the index in arrival order, which FTS5 streams and stops early, with their ``bm25()``.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import text
from sqlalchemy.engine import Connection

from ..model import Article
from .search import WEIGHTS, SearchFilters, day_of, filter_clauses, indexed_text
from .search_terms import Phrase, Query, indexed_terms

TOKENIZE = "unicode61 remove_diacritics 2"  # how the terms are cut (:mod:`.unicode61` mirrors it)
TERMS_TOKENIZE = "ascii"  # how the table reads the terms back: at the spaces between them, as they are
CREATE = (
    f'CREATE VIRTUAL TABLE IF NOT EXISTS articles_fts USING fts5(title, body, tokenize="{TERMS_TOKENIZE}")',
    "CREATE TABLE IF NOT EXISTS search_docs (id INTEGER PRIMARY KEY, source TEXT NOT NULL, day REAL,"
    " visible INTEGER NOT NULL)",
)
DROP = ("DROP TABLE IF EXISTS articles_fts", "DROP TABLE IF EXISTS search_docs")


def index_row(article: Article) -> dict[str, object]:
    title, body = indexed_terms(*indexed_text(article))
    return {"rowid": article.id, "title": " ".join(title), "body": " ".join(body)}


def update_index(conn: Connection, batch: Sequence[Article]) -> None:
    latest = {a.id: a for a in batch if a.id is not None}  # an article saved twice in one batch: its last state
    if not latest:
        return
    rows = [index_row(a) for a in latest.values()]
    conn.execute(text("DELETE FROM articles_fts WHERE rowid = :rowid"), [{"rowid": r["rowid"]} for r in rows])
    conn.execute(text("INSERT INTO articles_fts (rowid, title, body) VALUES (:rowid, :title, :body)"), rows)
    docs = [
        {"id": a.id, "source": a.source, "day": day_of(a), "visible": int(a.duplicate_of is None)}
        for a in latest.values()
    ]
    conn.execute(text("INSERT OR REPLACE INTO search_docs VALUES (:id, :source, :day, :visible)"), docs)


def _phrase(phrase: Phrase) -> str:
    return '"' + " ".join(phrase.terms) + '"' + (" *" if phrase.prefix else "")


def match_expression(query: Query) -> str | None:
    """The FTS5 MATCH for a parsed query: every phrase; the exact phrase too, which implies them, for ranking."""
    if not query.phrases:
        return None
    every = " AND ".join(_phrase(p) for p in query.phrases)
    return f"({every}) OR {_phrase(query.boost)}" if query.boost else every


def _category(param: str) -> str:
    return f"EXISTS (SELECT 1 FROM articles a, json_each(a.categories) c WHERE a.id = d.id AND c.value = {param})"


class Matches:
    def __init__(self, conn: Connection, query: Query, filters: SearchFilters) -> None:
        self.conn = conn
        where, self.params = filter_clauses(filters, _category)
        self.params["match"] = match_expression(query)
        self.base = (
            "FROM articles_fts f JOIN search_docs d ON d.id = f.rowid"
            f" WHERE articles_fts MATCH :match AND d.visible{where}"
        )

    def total(self) -> int:
        return int(self.conn.execute(text(f"SELECT count(*) {self.base}"), self.params).scalar_one())

    def newest(self, count: int, skip: int) -> list[tuple[int, float, float | None]]:
        weights = ", ".join(str(w) for w in WEIGHTS)
        rows = self.conn.execute(
            text(f"SELECT f.rowid AS id, bm25(articles_fts, {weights}) AS bm25, d.day {self.base}"
                 " ORDER BY f.rowid DESC LIMIT :count OFFSET :skip"),
            {**self.params, "count": count, "skip": skip},
        ).all()  # fmt: skip
        return [(r.id, -r.bm25, r.day) for r in rows]


def matches(conn: Connection, query: Query, filters: SearchFilters) -> Matches:
    return Matches(conn, query, filters)
