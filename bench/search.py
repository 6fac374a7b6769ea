"""Search benchmark: p95 latency of 2-character and multi-word Chinese queries on 100k articles.

The archive is built from every real item in ``../shared/corpora/feeds/niles/items_*.jsonl``
(cnBeta, 知乎, InfoQ …), repeated with varied URLs, titles and dates up to ``--articles``
(default 100,000), cleaned once per original item and saved through the archive (so the FTS index
is built the way ingest builds it). ``--keep PATH`` reuses an archive from an earlier run.
Target: p95 < 20 ms for 2-character and multi-word queries.

``--postgres URL`` (an empty database; ``auto`` starts a throwaway PostgreSQL server on
127.0.0.1, as the tests do) builds the same archive on PostgreSQL as well and prints both
backends' figures side by side, e.g. ``--articles 20000 --postgres auto``.

    python bench/search.py [--articles 100000] [--keep /tmp/search-bench.db] [--postgres URL|auto]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from finews.extract import prepare
from finews.sources.feed import article_from_item
from finews.store import SQLArchive, open_archive, open_database

CORPUS = Path(__file__).resolve().parents[2] / "shared/corpora/feeds/niles"
TWO_CHARS = ["离职", "茅台", "苹果", "华为", "芯片", "特斯拉", "小米", "电池", "游戏", "微软"]
MULTI = ["苹果 发布", "英伟达 芯片", "特斯拉 电动车", "微软 Windows 更新", "OpenAI GPT", "小米 汽车 发布会"]
RARE = ["量子计算机", "达摩院"]


def build(opener: Callable[[], SQLArchive], target: int) -> int:
    items = []
    for jsonl in sorted(CORPUS.glob("items_*.jsonl")):
        items += [json.loads(line) for line in jsonl.read_text(encoding="utf-8").splitlines() if line.strip()]
    base = []
    for item in items:
        try:
            base.append(prepare(article_from_item(item, jsonl_name(item))))
        except Exception:  # an item the cleaner rejects is not what this benchmark measures
            continue
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
    print(f"built {count} articles from {len(base)} real items in {time.perf_counter() - started:.0f} s")
    return count


def jsonl_name(item: dict) -> str:
    link = str(item.get("link", ""))
    return "cnbeta" if "cnbeta" in link else "zhihu" if "zhihu" in link else "other"


def measure(opener: Callable[[], SQLArchive], queries: list[str], runs: int) -> list[float]:
    timings = []
    with opener() as archive:
        for query in queries:
            archive.search(query)  # warm the page cache once per query
            for _ in range(runs):
                started = time.perf_counter()
                archive.search(query, limit=20)
                timings.append((time.perf_counter() - started) * 1000)
    return timings


def report(label: str, timings: list[float]) -> float:
    timings = sorted(timings)
    p95 = timings[int(len(timings) * 0.95) - 1]
    print(f"{label:22} p50 {statistics.median(timings):6.2f} ms   p95 {p95:6.2f} ms   max {timings[-1]:6.2f} ms")
    return p95


def run(label: str, opener: Callable[[], SQLArchive], runs: int) -> float:
    print(f"-- {label}")
    with opener() as archive:
        for query in (*TWO_CHARS[:3], MULTI[0]):
            print(f"  {query!r}: {archive.search(query).total} matches")
    two = report("2-character queries", measure(opener, TWO_CHARS, runs))
    multi = report("multi-word queries", measure(opener, MULTI, runs))
    report("rare words", measure(opener, RARE, runs))
    return max(two, multi)


@contextlib.contextmanager
def postgres(url: str | None) -> Iterator[str | None]:
    """The database to build in: the one given, or a new one on a throwaway server (``auto``)."""
    if url != "auto":
        yield url
        return
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from sqlalchemy import create_engine, text

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
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--postgres", metavar="URL", help="also build and measure on this empty PostgreSQL database")
    args = parser.parse_args()
    if not CORPUS.exists():
        print(f"missing corpus: {CORPUS}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp, postgres(args.postgres) as pg_url:
        path = args.keep or Path(tmp) / "search.db"
        if not path.exists():
            build(lambda: open_archive(path), args.articles)
        with open_archive(path) as archive:
            print(f"SQLite archive: {archive.count()} articles, {path.stat().st_size / 1e6:.0f} MB")
        worst = {"SQLite": run("SQLite", lambda: open_archive(path), args.runs)}
        if pg_url:
            with open_database(pg_url) as archive:
                if archive.count() == 0:
                    build(lambda: open_database(pg_url), args.articles)
            worst["PostgreSQL"] = run("PostgreSQL", lambda: open_database(pg_url), args.runs)
    for label, p95 in worst.items():
        print(f"{label}: worst p95 {p95:.2f} ms, target p95 < 20 ms: {'met' if p95 < 20 else 'NOT met'}")
    return 0 if max(worst.values()) < 20 else 1


if __name__ == "__main__":
    sys.exit(main())
