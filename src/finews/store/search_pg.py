"""PostgreSQL backend of :mod:`.search`: the SQLite backend's words, matches and BM25, in a tsvector.

Matching: the jieba-cut title, body and sub-words are split into tokens exactly as FTS5's unicode61
tokenizer splits them (:mod:`.unicode61`: its separators, lower case, accents removed) and stored
as the lexemes of one GIN-indexed ``tsvector``, with positions (title, then body, then sub-words,
a gap between fields so no phrase spans two) weighted A, B and C. The text never goes through
PostgreSQL's own parser (``to_tsvector``), which splits words its own way, and a query is built
from the same tokens, one lexeme per word or a ``<->`` phrase when unicode61 splits a word
(3.5 → 3 <-> 5), so each backend matches the same articles. pg_trgm is not used: trigrams cannot
match two-character words, which the sub-words already find.

Ranking: FTS5's ``bm25()`` is recomputed, term for term (k1 = 1.2, b = 0.75; a word's frequency is
its weighted count, title 5, body 1, sub-words 0.5; the row's length in tokens against the
archive's average; idf from how many rows hold the word). Per row, ``tokens`` is its length and
``freq`` the weighted counts that are not 1 (a word once in the body, most of them, is left out:
every candidate holds every query word, so a missing one counts 1); ``search_stats`` keeps the
archive's row and token totals and ``search_df`` each token's row count, so scoring the newest
``CANDIDATES`` matches reads no text and counts no rows. PostgreSQL keeps at most 256 positions
per lexeme and none past 16383, which only matters for phrases deep into very long bodies.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import select, text
from sqlalchemy.engine import Connection, Engine

from ..model import Article
from . import unicode61
from .rows import article_from_row
from .schema import articles
from .search import (
    CANDIDATES,
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

K1, B = 1.2, 0.75  # FTS5's bm25 constants
MAX_POSITION = 16383  # PostgreSQL's largest tsvector position
MAX_LEXEME_BYTES = 2046  # PostgreSQL's longest lexeme
_LETTERS = "ABC"  # tsvector weights of title, body, sub-words

CREATE = (
    # tokens: the row's length in tokens (FTS5's column size); freq: token → weighted count, for bm25
    "CREATE TABLE IF NOT EXISTS search_docs (id INTEGER PRIMARY KEY, source TEXT NOT NULL,"
    " day DOUBLE PRECISION, visible INTEGER NOT NULL, tokens INTEGER NOT NULL, doc TSVECTOR NOT NULL,"
    " freq JSONB NOT NULL)",
    "CREATE INDEX IF NOT EXISTS ix_search_docs_doc ON search_docs USING GIN (doc)",
    "CREATE TABLE IF NOT EXISTS search_stats (id INTEGER PRIMARY KEY, docs BIGINT NOT NULL, tokens BIGINT NOT NULL)",
    "INSERT INTO search_stats (id, docs, tokens) VALUES (1, 0, 0) ON CONFLICT (id) DO NOTHING",
    # how many rows hold each token: FTS5 counts a word's rows for its idf; counting them here per query
    # would visit every row of a common word
    "CREATE TABLE IF NOT EXISTS search_df (token TEXT PRIMARY KEY, docs INTEGER NOT NULL)",
)
DROP = ("DROP TABLE IF EXISTS search_docs", "DROP TABLE IF EXISTS search_stats", "DROP TABLE IF EXISTS search_df")


def tokens(value: str) -> list[str]:
    """``value`` split and folded exactly as FTS5's unicode61 tokenizer does (see :mod:`.unicode61`)."""
    return unicode61.tokens(value)


def word_tokens(value: str) -> list[str]:
    """Tokens of jieba's words, as FTS5 reads the separator-joined words (the separator is no token character)."""
    return tokens(segment(value))


def _quote(lexeme: str) -> str:
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


def index_row(article: Article) -> dict[str, object]:
    title, body = indexed_text(article)
    fields = (word_tokens(title), word_tokens(body), tokens(sub_words(f"{title}\n{body}")))
    positions: dict[str, list[str]] = {}
    freq: dict[str, float] = {}
    position = 0
    for field_tokens, letter, weight in zip(fields, _LETTERS, WEIGHTS, strict=True):
        for token in field_tokens:
            position += 1
            freq[token] = freq.get(token, 0.0) + weight
            where = positions.setdefault(token, [])
            if position <= MAX_POSITION and len(where) < 256:
                where.append(f"{position}{letter}")
        position += 1  # a gap: a phrase never runs from the title into the body
    kept = [token for token in positions if len(token.encode("utf-8")) <= MAX_LEXEME_BYTES]
    lexemes = (_quote(token) + (":" + ",".join(positions[token]) if positions[token] else "") for token in kept)
    return {
        "id": article.id,
        "source": article.source,
        "day": day_of(article),
        "visible": int(article.duplicate_of is None),
        "tokens": sum(len(f) for f in fields),
        "doc": " ".join(lexemes),
        "freq": json.dumps({t: f for t, f in freq.items() if f != 1.0}, ensure_ascii=False),
        "lexemes": kept,
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
            "INSERT INTO search_docs (id, source, day, visible, tokens, doc, freq) VALUES"
            " (:id, :source, :day, :visible, :tokens, CAST(:doc AS tsvector), CAST(:freq AS jsonb))"
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
    for row in removed:
        df.subtract(row.lexemes)
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


def _phrases(query: str) -> list[list[str]]:
    """One token list per query word, as FTS5 reads the quoted word (a list of several is a phrase)."""
    return [[t for t in tokens(word) if len(t.encode("utf-8")) <= MAX_LEXEME_BYTES] for word in query_words(query)]


def _tsquery(phrase: Sequence[str]) -> str:
    return " <-> ".join(_quote(t) for t in phrase)


def _category(param: str) -> str:
    return (
        "EXISTS (SELECT 1 FROM articles a, json_array_elements_text(CAST(a.categories AS json)) c"
        f" WHERE a.id = d.id AND c = {param})"
    )


def search(
    engine: Engine, query: str, filters: SearchFilters, *, limit: int, offset: int, now: datetime | None
) -> SearchResults:
    phrases = _phrases(query)
    if not phrases:
        return SearchResults(query, 0)
    if not all(phrases):  # a word with no token (only "_") matches nothing, as in FTS5
        return SearchResults(query, 0)
    where, params = filter_clauses(filters, _category)
    params["q"] = " & ".join(f"({_tsquery(p)})" for p in phrases)
    base = f"FROM search_docs d WHERE d.doc @@ CAST(:q AS tsquery) AND d.visible = 1{where}"
    window = max(CANDIDATES, offset + limit)
    today = day_number(now or datetime.now(UTC))
    single = {i: p[0] for i, p in enumerate(phrases) if len(p) == 1}
    # several words read one unpacked copy of the row's freq: each ->> on the stored column unpacks it again
    several = len(single) > 1
    unpacked = " CROSS JOIN LATERAL (SELECT d.freq || '{}'::jsonb AS freq OFFSET 0) x" if several else ""
    freq = "x.freq" if several else "d.freq"
    freq_columns = "".join(f", ({freq} ->> :t{i}) AS f{i}" for i in single)  # absent: once in the body
    with engine.connect() as conn:
        # @@ on a sequential scan unpacks every row's tsvector (most are TOASTed), a cost the planner does not
        # count, so it picks that plan for common words; through the GIN index no tsvector is unpacked
        conn.execute(text("SET LOCAL enable_seqscan = off"))
        total = conn.execute(text(f"SELECT count(*) {base}"), params).scalar_one()
        if not total or offset >= total:
            return SearchResults(query, int(total))
        # the newest matches first, then their frequencies: no row outside the window has its freq read.
        # "id + 0": walking the primary key backwards would unpack each row's tsvector to test it; the GIN
        # index finds every match without that, and sorting a few thousand ids is cheap
        candidates = conn.execute(
            text(
                f"WITH c AS (SELECT d.id {base} ORDER BY d.id + 0 DESC LIMIT :window)"
                f" SELECT d.id, d.day, d.tokens{freq_columns} FROM c JOIN search_docs d ON d.id = c.id{unpacked}"
            ),
            {**params, "window": window, **{f"t{i}": token for i, token in single.items()}},
        ).all()
        freqs = [[float(getattr(r, f"f{i}") or 1.0) if i in single else 0.0 for i in range(len(phrases))]
                 for r in candidates]  # fmt: skip
        for i, phrase in enumerate(phrases):
            if i not in single:
                counts = _phrase_counts(conn, phrase, [r.id for r in candidates])
                for row, f in zip(candidates, freqs, strict=True):
                    f[i] = counts.get(row.id, 0.0)
        idf, avgdl = _statistics(conn, phrases)
        scores = (_bm25(idf, f, float(r.tokens), avgdl) for r, f in zip(candidates, freqs, strict=True))
        scored = sorted(
            ((blended(score, r.day, today), r.id) for r, score in zip(candidates, scores, strict=True)), reverse=True
        )[offset : offset + limit]
        ids = [article_id for _, article_id in scored]
        found = {r.id: article_from_row(r) for r in conn.execute(select(articles).where(articles.c.id.in_(ids)))}
    return SearchResults(query, int(total), hits(query, scored, found))


def _bm25(idf: Sequence[float], freq: Sequence[float], length: float, avgdl: float) -> float:
    """FTS5's fts5Bm25Function, in the same order of operations (so the same doubles come out)."""
    score = 0.0
    for weight, f in zip(idf, freq, strict=True):
        score += weight * ((f * (K1 + 1.0)) / (f + K1 * (1 - B + B * length / avgdl)))
    return score


def _statistics(conn: Connection, phrases: Sequence[Sequence[str]]) -> tuple[list[float], float]:
    """Each word's idf over every indexed row, whatever the filters (as FTS5 counts it), and the average length."""
    # a phrase (rare: "3.5") is counted; a single token is looked up
    counts = "".join(
        f", (SELECT count(*) FROM search_docs WHERE doc @@ CAST(:p{i} AS tsquery)) AS n{i}"
        if len(phrase) > 1
        else f", (SELECT coalesce(max(docs), 0) FROM search_df WHERE token = :p{i}) AS n{i}"
        for i, phrase in enumerate(phrases)
    )
    row = conn.execute(
        text(f"SELECT s.docs, s.tokens{counts} FROM search_stats s WHERE s.id = 1"),
        {f"p{i}": _tsquery(phrase) if len(phrase) > 1 else phrase[0] for i, phrase in enumerate(phrases)},
    ).one()
    idf = []
    for i in range(len(phrases)):
        hits_ = getattr(row, f"n{i}")
        value = math.log((row.docs - hits_ + 0.5) / (hits_ + 0.5))
        idf.append(value if value > 0.0 else 1e-6)
    return idf, float(row.tokens) / float(row.docs)


def _phrase_counts(conn: Connection, phrase: Sequence[str], ids: Sequence[int]) -> dict[int, float]:
    """Weighted count of a phrase's occurrences in each row, from the positions of its tokens."""
    rows = conn.execute(
        text(
            "SELECT d.id, u.lexeme, u.positions, u.weights FROM search_docs d, unnest(d.doc) u"
            " WHERE d.id = ANY(:ids) AND u.lexeme = ANY(:lexemes)"
        ),
        {"ids": list(ids), "lexemes": list(set(phrase))},
    ).all()
    where: dict[int, dict[str, dict[int, str]]] = {}
    for row in rows:
        where.setdefault(row.id, {})[row.lexeme] = dict(zip(row.positions, row.weights, strict=True))
    weight_of = dict(zip(_LETTERS, WEIGHTS, strict=True))
    counts: dict[int, float] = {}
    for doc_id, at in where.items():
        if not all(t in at for t in phrase):
            continue
        total = 0.0
        for start, letter in at[phrase[0]].items():
            if all(start + k in at[t] for k, t in enumerate(phrase)):
                total += weight_of[letter]
        counts[doc_id] = total
    return counts
