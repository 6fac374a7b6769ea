"""Search benchmark: recall and precision against Ctrl+F, latency, index size and indexing cost, on 100k articles.

The archive is built from every real item in ``../shared/corpora/feeds/niles/items_*.jsonl``
(cnBeta, 知乎, InfoQ …), repeated with varied URLs, titles and dates up to ``--articles``
(default 100,000), cleaned once per original item and saved through the archive (so the index is
built the way ingest builds it). ``--keep PATH`` reuses an archive from an earlier run.

Queries are sampled from the items' own text (``--per-kind`` of each kind, fixed seed): whole
jieba words, parts of longer words, CJK strings of 2, 3, 4 and 6 characters from anywhere (most
cross a word boundary), Latin tokens, Latin beside CJK (``M4芯片``, ``A股``), and two words with
a space. The truth is Ctrl+F over every visible article's title and plain text, both folded
(full width → ASCII, lower case, Traditional → Simplified; computed here, not by the code
measured); a Latin end of the query must sit on a token boundary (``5G`` is not in ``25Gbps``);
a query with a space needs each word. Every page of each result set is read (200 per page), so
recall counts only what paging reaches, and an article served twice counts once.

Printed per kind: recall, precision, p50/p95 of the first page (20 hits). Then the index's size
(SQLite: FTS5 tables and search_docs; PostgreSQL: the search tables with their indexes) and what
indexing costs per article (the index update alone, timed on 2,000 articles and rolled back).
Targets: recall ≥ 0.99 and precision ≥ 0.99 for every kind; p95 < 20 ms on SQLite, < 50 ms on
PostgreSQL.

``--postgres URL`` (an empty database; ``auto`` starts a throwaway PostgreSQL server on
127.0.0.1, as the tests do) builds the same archive on PostgreSQL and measures it too.

    python bench/search.py [--articles 100000] [--keep /tmp/search-bench.db] [--postgres URL|auto]
"""

from __future__ import annotations

import argparse
import bisect
import contextlib
import json
import random
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import opencc
import rjieba
from sqlalchemy import select, text

from finews.extract import prepare
from finews.extract.clean import html_to_text
from finews.model import Article
from finews.sources.feed import article_from_item
from finews.store import SQLArchive, open_archive, open_database
from finews.store import search as search_module
from finews.store.schema import articles

CORPUS = Path(__file__).resolve().parents[2] / "shared/corpora/feeds/niles"
HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_T2S = opencc.OpenCC("t2s")
_WIDTH = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
LATIN_START, LATIN_END = f"(?<![^\\W_{HAN}])", f"(?![^\\W_{HAN}])"
PAGE = 200
TARGET_MS = {"SQLite": 20.0, "PostgreSQL": 50.0}


def fold(value: str) -> str:
    """Ctrl+F's view of text: full width → ASCII, lower case, Traditional → Simplified."""
    return _T2S.convert(value.translate(_WIDTH).lower())


def base_articles() -> list[Article]:
    items = []
    for jsonl in sorted(CORPUS.glob("items_*.jsonl")):
        items += [json.loads(line) for line in jsonl.read_text(encoding="utf-8").splitlines() if line.strip()]
    base = []
    for item in items:
        try:
            base.append(prepare(article_from_item(item, jsonl_name(item))))
        except Exception:  # an item the cleaner rejects is not what this benchmark measures
            continue
    return base


def build(opener: Callable[[], SQLArchive], base: list[Article], target: int) -> float:
    """Seconds to save ``target`` articles (ingest's store step, index included)."""
    started = time.perf_counter()
    with opener() as archive:
        batch, made = [], 0
        while made < target:
            round_ = made // len(base)
            for article in base:
                if made >= target:
                    break
                copy = replace(
                    article,
                    url=f"{article.url}#v{round_}",
                    canonical_url=f"{article.canonical_url}?v={made}",  # the corpus repeats a few links
                    guid=f"{article.guid}#v{made}" if article.guid else None,
                    title=article.title if round_ == 0 else f"{article.title}（{round_}）",
                    published=(article.published - timedelta(days=7 * round_)) if article.published else None,
                    annotations=[],
                )
                batch.append(copy)
                made += 1
                if len(batch) >= 1000:
                    archive.save(batch)
                    batch = []
        if batch:
            archive.save(batch)
        count = archive.count()
    seconds = time.perf_counter() - started
    print(
        f"built {count} articles from {len(base)} real items in {seconds:.0f} s ({seconds / count * 1e3:.2f} ms each)"
    )
    return seconds


def jsonl_name(item: dict) -> str:
    link = str(item.get("link", ""))
    return "cnbeta" if "cnbeta" in link else "zhihu" if "zhihu" in link else "other"


def plain(article: Article) -> str:
    return (html_to_text(article.content_html) if article.content_html else "") or article.summary


def sample_queries(base: list[Article], per_kind: int, seed: int = 7) -> dict[str, list[str]]:
    rng = random.Random(seed)
    texts = [f"{a.title}\n{plain(a)}" for a in base]
    kinds: dict[str, list[str]] = {k: [] for k in ("word", "part", "cjk2", "cjk3", "cjk4", "cjk6", "latin", "mixed")}
    kinds["words"] = []
    han_run = re.compile(f"[{HAN}]+")
    latin = re.compile(r"(?<![A-Za-z0-9])[A-Za-z][A-Za-z0-9]{1,11}(?![A-Za-z0-9])|(?<![A-Za-z0-9.])\d+[A-Za-z]+\b")
    mixed = re.compile(
        f"(?<![A-Za-z0-9])[A-Za-z0-9]{{1,8}}[{HAN}]{{1,2}}|[{HAN}]{{2}}[A-Za-z0-9]{{1,8}}(?![A-Za-z0-9])"
    )
    for _ in range(200_000):
        if all(len(v) >= per_kind for v in kinds.values()):
            break
        body = rng.choice(texts)
        kind = rng.choice(list(kinds))
        if len(kinds[kind]) >= per_kind:
            continue
        found = None
        if kind in ("word", "part", "words"):
            words = [w for w in rjieba.cut(body[:2000]) if han_run.fullmatch(w)]
            if kind == "word":
                found = next(iter(rng.sample([w for w in words if 2 <= len(w) <= 4] or [""], 1)), None)
            elif kind == "part":
                longer = [w for w in words if len(w) >= 3]
                if longer:
                    word = rng.choice(longer)
                    size = rng.randint(2, len(word) - 1)
                    start = rng.randint(0, len(word) - size)
                    found = word[start : start + size]
            else:
                pair = [w for w in words if len(w) >= 2]
                if len(pair) >= 2:
                    found = " ".join(rng.sample(pair, 2))
        elif kind.startswith("cjk"):
            size = int(kind[3:])
            runs = [r for r in han_run.findall(body) if len(r) >= size]
            if runs:
                run = rng.choice(runs)
                start = rng.randint(0, len(run) - size)
                found = run[start : start + size]
        else:
            options = (latin if kind == "latin" else mixed).findall(body)
            found = rng.choice(options) if options else None
        if found and found not in kinds[kind]:
            kinds[kind].append(found)
    return kinds


class Truth:
    """Ctrl+F over the archive's visible articles, folded (titles and distinct bodies searched once each)."""

    def __init__(self, archive: SQLArchive) -> None:
        columns = (articles.c.id, articles.c.title, articles.c.content_html, articles.c.summary)
        by_body: dict[str, list[int]] = {}
        titles: list[tuple[int, str]] = []
        with archive.engine.connect() as conn:
            rows = conn.execute(select(*columns).where(articles.c.duplicate_of.is_(None))).all()
        bodies_plain: dict[tuple[str, str], str] = {}
        for row in rows:
            key = (row.content_html, row.summary)
            if key not in bodies_plain:
                bodies_plain[key] = fold(
                    plain(Article(source="", url="", title="", content_html=key[0], summary=key[1]))
                )
            by_body.setdefault(bodies_plain[key], []).append(row.id)
            titles.append((row.id, fold(row.title)))
        self.title_ids, self.titles, self.title_starts = self._join(titles)
        bodies = list(by_body.items())
        self.body_ids = [ids for _, ids in bodies]
        self.bodies, self.body_starts = self._join([(0, b) for b, _ in bodies])[1:]

    @staticmethod
    def _join(pairs: list[tuple[int, str]]) -> tuple[list[int], str, list[int]]:
        starts, at = [], 0
        for _, value in pairs:
            starts.append(at)
            at += len(value) + 1
        return [i for i, _ in pairs], "\n".join(v.replace("\n", " ") for _, v in pairs), starts

    def holding(self, query: str) -> set[int]:
        parts = fold(query).split()
        found: set[int] | None = None
        for part in parts:
            ids = self._holding_one(part)
            found = ids if found is None else found & ids
        return found or set()

    def _holding_one(self, part: str) -> set[int]:
        start = LATIN_START if not re.match(f"[{HAN}]", part[:1]) else ""
        end = LATIN_END if not re.match(f"[{HAN}]", part[-1:]) else ""
        pattern = re.compile(start + re.escape(part) + end)
        ids = {
            self.title_ids[bisect.bisect_right(self.title_starts, m.start()) - 1] for m in pattern.finditer(self.titles)
        }
        for m in pattern.finditer(self.bodies):
            ids.update(self.body_ids[bisect.bisect_right(self.body_starts, m.start()) - 1])
        return ids


def every_page(archive: SQLArchive, query: str) -> list[int]:
    ids: list[int] = []
    first = archive.search(query, limit=PAGE)
    ids += [h.article.id for h in first.hits]
    for offset in range(PAGE, first.total, PAGE):
        ids += [h.article.id for h in archive.search(query, limit=PAGE, offset=offset).hits]
    return ids


def quality(opener: Callable[[], SQLArchive], truth: Truth, kinds: dict[str, list[str]], runs: int) -> dict:
    results = {}
    with opener() as archive:
        for kind, queries in kinds.items():
            found = relevant = served = repeated = 0
            timings = []
            for query in queries:
                expected = truth.holding(query)
                paged = every_page(archive, query)
                got = set(paged)
                repeated += len(paged) - len(got)
                found += len(got & expected)
                relevant += len(expected)
                served += len(got)
                for _ in range(runs):
                    started = time.perf_counter()
                    archive.search(query, limit=20)
                    timings.append((time.perf_counter() - started) * 1000)
            timings.sort()
            results[kind] = {
                "queries": len(queries),
                "recall": found / relevant if relevant else 1.0,
                "precision": found / served if served else 1.0,
                "repeated": repeated,
                "p50": statistics.median(timings),
                "p95": timings[max(0, int(len(timings) * 0.95) - 1)],
            }
    return results


def index_bytes(archive: SQLArchive) -> int:
    with archive.engine.connect() as conn:
        if archive.engine.dialect.name == "postgresql":
            tables = [t for t in ("search_docs", "search_df", "search_stats")]
            return sum(
                int(conn.execute(text("SELECT pg_total_relation_size(CAST(:t AS regclass))"), {"t": t}).scalar_one())
                for t in tables
            )
        sizes = conn.execute(
            text("SELECT sum(pgsize) FROM dbstat WHERE name LIKE 'articles_fts%' OR name = 'search_docs'")
        )
        return int(sizes.scalar_one() or 0)


def indexing_ms(archive: SQLArchive, count: int = 2000) -> tuple[float, float]:
    """Milliseconds per article of the index update alone, rolled back: elapsed, and CPU in this process."""
    with archive.engine.connect() as conn:
        rows = conn.execute(select(articles).order_by(articles.c.id).limit(count)).all()
    from finews.store.rows import article_from_row

    batch = [article_from_row(r) for r in rows]
    with archive.engine.connect() as conn:
        transaction = conn.begin()
        started, cpu = time.perf_counter(), time.process_time()
        for start in range(0, len(batch), 500):
            search_module.update_index(conn, batch[start : start + 500])
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        transaction.rollback()
    return seconds / len(batch) * 1000, cpu / len(batch) * 1000


def run(label: str, opener: Callable[[], SQLArchive], kinds: dict[str, list[str]], runs: int) -> bool:
    print(f"-- {label}")
    with opener() as archive:
        truth = Truth(archive)
        size, cost = index_bytes(archive), indexing_ms(archive)
        count = archive.count()
    results = quality(opener, truth, kinds, runs)
    met = True
    print(f"{'kind':8} {'queries':>7} {'recall':>7} {'precision':>9} {'repeated':>8} {'p50 ms':>7} {'p95 ms':>7}")
    for kind, r in results.items():
        print(f"{kind:8} {r['queries']:7} {r['recall']:7.3f} {r['precision']:9.3f} {r['repeated']:8}"
              f" {r['p50']:7.2f} {r['p95']:7.2f}")  # fmt: skip
        met = met and r["recall"] >= 0.99 and r["precision"] >= 0.99 and r["p95"] < TARGET_MS[label]
    print(f"index: {size / 1e6:.1f} MB for {count} articles ({size / count / 1e3:.2f} kB each);"
          f" indexing {cost[0]:.3f} ms per article ({cost[1]:.3f} ms CPU here)")  # fmt: skip
    print(
        f"{label}: targets (recall, precision >= 0.99, p95 < {TARGET_MS[label]:.0f} ms) {'met' if met else 'NOT met'}"
    )
    return met


def settle(archive: SQLArchive) -> None:
    """What autovacuum does soon after a bulk load on a live server: the GIN index's pending list merged
    and statistics taken, so the queries measured are those of a settled archive, not of its backlog."""
    from sqlalchemy import text

    started = time.perf_counter()
    with archive.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
    print(f"VACUUM ANALYZE after the bulk load (autovacuum's work): {time.perf_counter() - started:.1f} s")


@contextlib.contextmanager
def postgres(url: str | None) -> Iterator[str | None]:
    """The database to build in: the one given, or a new one on a throwaway server (``auto``)."""
    if url != "auto":
        yield url
        return
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from sqlalchemy import create_engine

    from tests.pgserver import postgres_server

    with postgres_server() as server:
        admin = create_engine(server, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text("CREATE DATABASE search_bench"))
        admin.dispose()
        yield server.rsplit("/", 1)[0] + "/search_bench"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--keep", type=Path, help="archive to build once and reuse")
    parser.add_argument("--runs", type=int, default=3, help="timed first pages per query")
    parser.add_argument("--per-kind", type=int, default=40, help="queries sampled of each kind")
    parser.add_argument("--postgres", metavar="URL", help="also build and measure on this empty PostgreSQL database")
    args = parser.parse_args()
    if not CORPUS.exists():
        print(f"missing corpus: {CORPUS}", file=sys.stderr)
        return 2
    base = base_articles()
    kinds = sample_queries(base, args.per_kind)
    print("queries: " + "; ".join(f"{k} {v[:3]}" for k, v in kinds.items()))
    with tempfile.TemporaryDirectory() as tmp, postgres(args.postgres) as pg_url:
        path = args.keep or Path(tmp) / "search.db"
        if not path.exists():
            build(lambda: open_archive(path), base, args.articles)
        met = run("SQLite", lambda: open_archive(path), kinds, args.runs)
        if pg_url:
            with open_database(pg_url) as archive:
                if archive.count() == 0:
                    build(lambda: open_database(pg_url), base, args.articles)
                    settle(archive)
            met = run("PostgreSQL", lambda: open_database(pg_url), kinds, args.runs) and met
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
