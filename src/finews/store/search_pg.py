"""PostgreSQL backend of :mod:`.search`: the SQLite backend's terms, phrases and BM25, in a tsvector.

Matching: the terms of :mod:`.search_terms` (exactly the tokens FTS5 holds) are the lexemes of one
GIN-indexed ``tsvector`` with positions, title terms weighted A, body terms B; a gap term is no
lexeme, only a position left out, and two positions separate title from body so no phrase spans
both. A query phrase is a ``<->`` tsquery built from the terms (``<2>`` across a gap, ``:*`` for a
prefix term). The text never goes through PostgreSQL's own parser (``to_tsvector``), which cuts text
its own way, so each backend matches the same articles. pg_trgm is not used: trigrams cannot match
two-character strings.

Ranking: FTS5's ``bm25()`` is recomputed, phrase for phrase (k1 = 1.2, b = 0.75; a phrase's
frequency is its weighted count, title 5, body 1; the row's length in terms, gaps included, against
the archive's average; idf from how many rows hold the phrase). Per row, ``tokens`` is its length
and ``freq`` the weighted counts of its terms that are not 1 (a term once in the body, most of them,
is left out: every match holds each one-term phrase, so a missing one counts 1); a longer phrase is
counted from the positions of the rows being scored. ``search_stats`` keeps the archive's row and
term totals and ``search_df`` each term's row count, so a one-term phrase costs no count of rows.
PostgreSQL keeps at most 256 positions per lexeme (a term more frequent than that in one article has
its later phrases uncounted) and none past 16383 (:data:`.search_terms.MAX_TERMS` keeps under it).
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Sequence
from typing import TypedDict

from sqlalchemy import text
from sqlalchemy.engine import Connection

from ..model import Article
from .search import WEIGHTS, SearchFilters, day_of, filter_clauses, indexed_text, window
from .search_terms import GAP, Phrase, Query, indexed_terms

K1, B = 1.2, 0.75  # FTS5's bm25 constants
MAX_LEXEME_BYTES = 2046  # PostgreSQL's longest lexeme
MAX_POSITIONS = 256  # PostgreSQL's most positions per lexeme
_LETTERS = "AB"  # tsvector weights of title, body

CREATE = (
    # tokens: the row's length in terms (FTS5's column sizes); title_tokens: the title's, so a position says its
    # field; freq: term → weighted count, for bm25
    "CREATE TABLE IF NOT EXISTS search_docs (id INTEGER PRIMARY KEY, source TEXT NOT NULL,"
    " day DOUBLE PRECISION, visible INTEGER NOT NULL, tokens INTEGER NOT NULL, title_tokens INTEGER NOT NULL,"
    " doc TSVECTOR NOT NULL, freq JSONB NOT NULL)",
    "CREATE INDEX IF NOT EXISTS ix_search_docs_doc ON search_docs USING GIN (doc)",
    "CREATE TABLE IF NOT EXISTS search_stats (id INTEGER PRIMARY KEY, docs BIGINT NOT NULL, tokens BIGINT NOT NULL)",
    "INSERT INTO search_stats (id, docs, tokens) VALUES (1, 0, 0) ON CONFLICT (id) DO NOTHING",
    # how many rows hold each term: FTS5 counts a term's rows for its idf; counting them here per query
    # would visit every row of a common term
    "CREATE TABLE IF NOT EXISTS search_df (token TEXT PRIMARY KEY, docs INTEGER NOT NULL)",
)
DROP = ("DROP TABLE IF EXISTS search_docs", "DROP TABLE IF EXISTS search_stats", "DROP TABLE IF EXISTS search_df")


def _quote(lexeme: str) -> str:
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


def _storable(term: str) -> bool:
    return term != GAP and len(term.encode("utf-8")) <= MAX_LEXEME_BYTES


class IndexRow(TypedDict):
    """One article's row of search_docs, and the lexemes it holds (for the document frequencies)."""

    id: int | None
    source: str
    day: float | None
    visible: int
    tokens: int
    title_tokens: int
    doc: str
    freq: str
    lexemes: list[str]


def index_row(article: Article) -> IndexRow:
    fields = indexed_terms(*indexed_text(article))
    positions: dict[str, list[str]] = {}
    freq: dict[str, float] = {}
    position = 0
    for field_terms, letter, weight in zip(fields, _LETTERS, WEIGHTS, strict=True):
        for term in field_terms:
            position += 1
            if not _storable(term):
                continue
            freq[term] = freq.get(term, 0.0) + weight
            where = positions.setdefault(term, [])
            if len(where) < MAX_POSITIONS:
                where.append(f"{position}{letter}")
        position += 2  # no phrase runs from the title into the body, not even one across a gap
    lexemes = (_quote(term) + ":" + ",".join(at) for term, at in positions.items())
    return {
        "id": article.id,
        "source": article.source,
        "day": day_of(article),
        "visible": int(article.duplicate_of is None),
        "tokens": sum(len(f) for f in fields),
        "title_tokens": len(fields[0]),
        "doc": " ".join(lexemes),
        "freq": json.dumps({t: f for t, f in freq.items() if f != 1.0}, ensure_ascii=False),
        "lexemes": list(positions),
    }


def update_index(conn: Connection, batch: Sequence[Article]) -> None:
    latest = {a.id: a for a in batch if a.id is not None}  # an article saved twice in one batch: its last state
    if not latest:
        return
    rows = [index_row(a) for a in latest.values()]
    removed = conn.execute(
        text("DELETE FROM search_docs WHERE id = ANY(:ids) RETURNING tokens, tsvector_to_array(doc) AS lexemes"),
        {"ids": list(latest)},
    ).all()
    conn.execute(
        text(
            "INSERT INTO search_docs (id, source, day, visible, tokens, title_tokens, doc, freq) VALUES"
            " (:id, :source, :day, :visible, :tokens, :title_tokens, CAST(:doc AS tsvector), CAST(:freq AS jsonb))"
        ),
        rows,
    )
    # relative updates: concurrent writers each add their own change to the one totals row
    conn.execute(
        text("UPDATE search_stats SET docs = docs + :docs, tokens = tokens + :tokens WHERE id = 1"),
        {"docs": len(rows) - len(removed), "tokens": sum(r["tokens"] for r in rows) - sum(r.tokens for r in removed)},
    )
    df: Counter[str] = Counter()
    for row in rows:
        df.update(row["lexemes"])
    for old in removed:
        df.subtract(old.lexemes)
    changed = sorted(token for token, n in df.items() if n)
    if changed:
        conn.execute(
            text(
                "INSERT INTO search_df (token, docs)"
                " SELECT * FROM unnest(CAST(:tokens AS text[]), CAST(:docs AS int[]))"
                " ON CONFLICT (token) DO UPDATE SET docs = search_df.docs + EXCLUDED.docs"
            ),
            {"tokens": changed, "docs": [df[token] for token in changed]},
        )


def _offsets(phrase: Phrase) -> list[tuple[int, str]]:
    """Each term of the phrase (gaps left out) with its distance from the first."""
    return [(k, term) for k, term in enumerate(phrase.terms) if term != GAP]


def tsquery(phrase: Phrase) -> str:
    """The phrase as a tsquery: ``<->`` between neighbours, ``<2>`` across a gap, ``:*`` on a prefix term."""
    out, last = "", 0
    for k, term in _offsets(phrase):
        if out:
            out += " <-> " if k - last == 1 else f" <{k - last}> "
        out += _quote(term)
        last = k
    return out + (":*" if phrase.prefix else "")


def _single(phrase: Phrase) -> bool:
    """A phrase of one term, whose count and frequency are kept per term."""
    return len(phrase.terms) == 1 and not phrase.prefix


def _category(param: str) -> str:
    return (
        "EXISTS (SELECT 1 FROM articles a, json_array_elements_text(CAST(a.categories AS json)) c"
        f" WHERE a.id = d.id AND c = {param})"
    )


class Matches:
    def __init__(self, conn: Connection, query: Query, filters: SearchFilters) -> None:
        self.conn = conn
        self.phrases = [*query.phrases, *([query.boost] if query.boost else [])]  # FTS5's phrase order
        self.required = list(query.phrases)
        self.query = query
        self.window: list[int] = []  # the newest matches' ids, from the counting scan
        where, self.params = filter_clauses(filters, _category)
        self.params["q"] = " & ".join(f"({tsquery(p)})" for p in self.required)
        self.filtered = f"d.visible = 1{where}"
        self.base = f"FROM search_docs d WHERE d.doc @@ CAST(:q AS tsquery) AND {self.filtered}"
        self.rows_with: dict[int, int] = {}  # phrase → rows holding it, over the whole archive, for its idf
        # @@ on a sequential scan unpacks every row's tsvector (most are TOASTed), a cost the planner does not
        # count, so it picks that plan for common terms; through the GIN index no tsvector is unpacked
        conn.execute(text("SET LOCAL enable_seqscan = off"))
        if any(not _storable(term) for p in self.required for term in p.terms if term != GAP):
            self.params["q"] = ""  # a term longer than any lexeme (a 1,000-letter "word") is in no row

    def total(self) -> int:
        """The matches the filters keep; the same scan counts every row holding the query and gives the newest.

        The rows holding the exact phrase are counted apart, through the index: testing it on every match
        would unpack each one's tsvector a second time, and where the parts are CJK side by side the phrase
        has a bigram of its own (苹果 发布 → 果发) that few rows hold.
        """
        if not self.params["q"]:
            return 0
        row = self.conn.execute(
            text(
                f"WITH m AS MATERIALIZED (SELECT d.id, ({self.filtered}) AS ok"
                " FROM search_docs d WHERE d.doc @@ CAST(:q AS tsquery))"
                " SELECT count(*) FILTER (WHERE ok) AS total, count(*) AS everywhere,"
                " (SELECT array_agg(id ORDER BY id DESC) FROM"
                "   (SELECT id FROM m WHERE ok ORDER BY id DESC LIMIT :window) w) AS newest FROM m"
            ),
            {**self.params, "window": window(self.query)},
        ).one()
        if len(self.required) == 1:
            self.rows_with[0] = int(row.everywhere)
        self.window = list(row.newest or [])
        return int(row.total)

    def newest(self, count: int, skip: int) -> list[tuple[int, float, float | None]]:
        if skip + count <= len(self.window) or len(self.window) < window(self.query):  # the scan gave them all
            ids = self.window[skip : skip + count]
        else:  # past the window: "id + 0", since walking the primary key backwards unpacks every row's tsvector
            ids = list(
                self.conn.execute(
                    text(f"SELECT d.id {self.base} ORDER BY d.id + 0 DESC LIMIT :count OFFSET :skip"),
                    {**self.params, "count": count, "skip": skip},
                ).scalars()
            )
        if not ids:
            return []
        single = {i: p.terms[0] for i, p in enumerate(self.phrases) if _single(p)}
        freq_columns = "".join(f", (d.freq ->> :t{i}) AS f{i}" for i in single)  # absent: once in the body
        rows = self.conn.execute(
            text(f"SELECT d.id, d.day, d.tokens{freq_columns} FROM search_docs d WHERE d.id = ANY(:ids)"
                 " ORDER BY d.id DESC"),
            {"ids": ids, **{f"t{i}": t for i, t in single.items()}},
        ).all()  # fmt: skip
        freqs = [[float(getattr(r, f"f{i}") or 1.0) if i in single else 0.0 for i in range(len(self.phrases))]
                 for r in rows]  # fmt: skip
        for i, phrase in enumerate(self.phrases):
            if i not in single:
                counts = _phrase_counts(self.conn, phrase, [r.id for r in rows])
                for row, f in zip(rows, freqs, strict=True):
                    f[i] = counts.get(row.id, 0.0)
        idf, avgdl = self._statistics()
        return [(r.id, _bm25(idf, f, float(r.tokens), avgdl), r.day) for r, f in zip(rows, freqs, strict=True)]

    def _statistics(self) -> tuple[list[float], float]:
        """Each phrase's idf over every row, whatever the filters (as FTS5 counts it), and the average length."""
        params: dict[str, object] = {}
        counts = ""
        for i, phrase in enumerate(self.phrases):
            if i in self.rows_with:
                continue
            if _single(phrase):
                counts += f", (SELECT coalesce(max(docs), 0) FROM search_df WHERE token = :p{i}) AS n{i}"
                params[f"p{i}"] = phrase.terms[0]
            else:
                counts += f", (SELECT count(*) FROM search_docs WHERE doc @@ CAST(:p{i} AS tsquery)) AS n{i}"
                params[f"p{i}"] = tsquery(phrase)
        row = self.conn.execute(text(f"SELECT s.docs, s.tokens{counts} FROM search_stats s WHERE s.id = 1"), params)
        stats = row.one()
        for i in range(len(self.phrases)):
            if i not in self.rows_with:
                self.rows_with[i] = int(getattr(stats, f"n{i}"))
        idf = []
        for i in range(len(self.phrases)):
            value = math.log((stats.docs - self.rows_with[i] + 0.5) / (self.rows_with[i] + 0.5))
            idf.append(value if value > 0.0 else 1e-6)
        return idf, float(stats.tokens) / float(stats.docs)


def matches(conn: Connection, query: Query, filters: SearchFilters) -> Matches:
    return Matches(conn, query, filters)


def _bm25(idf: Sequence[float], freq: Sequence[float], length: float, avgdl: float) -> float:
    """FTS5's fts5Bm25Function, in the same order of operations (so the same doubles come out)."""
    score = 0.0
    for weight, f in zip(idf, freq, strict=True):
        score += weight * ((f * (K1 + 1.0)) / (f + K1 * (1 - B + B * length / avgdl)))
    return score


def _phrase_counts(conn: Connection, phrase: Phrase, ids: Sequence[int]) -> dict[int, float]:
    """Weighted count of a phrase's occurrences in each row, from the positions of its terms."""
    offsets = _offsets(phrase)
    exact = sorted({t for _, t in offsets[:-1]} | ({offsets[-1][1]} if not phrase.prefix else set()))
    prefix = offsets[-1][1] if phrase.prefix else None
    if prefix is None:
        # only the phrase's lexemes, by weighting them A and keeping A: unnesting whole tsvectors costs 8 times more
        lexemes = "unnest(ts_filter(setweight(setweight(d.doc, 'D'), 'A', CAST(:lexemes AS text[])), '{a}'))"
        where = ""
    else:
        lexemes, where = "unnest(d.doc)", " AND (u.lexeme = ANY(:lexemes) OR starts_with(u.lexeme, :prefix))"
    rows = conn.execute(
        text(f"SELECT d.id, d.title_tokens, u.lexeme, u.positions FROM search_docs d, {lexemes} u"
             f" WHERE d.id = ANY(:ids){where}"),
        {"ids": list(ids), "lexemes": exact, "prefix": prefix},
    ).all()  # fmt: skip
    where_at: dict[int, dict[str, set[int]]] = {}
    title_ends: dict[int, int] = {}
    for row in rows:
        at = where_at.setdefault(row.id, {})
        title_ends[row.id] = row.title_tokens
        if row.lexeme in exact:
            at[row.lexeme] = set(row.positions)
        if prefix is not None and row.lexeme.startswith(prefix):
            at.setdefault("\x00prefix", set()).update(row.positions)
    keys = [t for _, t in offsets[:-1]] + [offsets[-1][1] if prefix is None else "\x00prefix"]
    title_weight, body_weight = WEIGHTS
    counts: dict[int, float] = {}
    for doc_id, at in where_at.items():
        if not all(key in at for key in keys):
            continue
        total = 0.0
        for start in sorted(at[keys[0]]):
            if all(start + k in at[key] for (k, _), key in zip(offsets, keys, strict=True)):
                total += title_weight if start <= title_ends[doc_id] else body_weight
        counts[doc_id] = total
    return counts
