"""Scale benchmark: N synthetic-from-real articles through `finews worker` into PostgreSQL with 1, 2, 4 workers.

The real items of ``../shared/corpora/feeds/niles/items_*.jsonl`` are repeated with varied links,
titles and dates up to ``--articles`` (default 1,000,000) and served as RSS feeds of ``--per-feed``
items (default 100) from loopback HTTP servers on 127.0.0.1 … 127.0.0.8 (eight hosts, so the
per-host job locks leave work for four workers). For each worker count a fresh database gets one
job per feed, then that many ``finews worker --until-idle`` processes drain the queue.

Printed per worker count: wall time, the workers' start-up (a worker on an empty queue), items/s
and jobs/s after start-up. The per-job overhead is measured with jobs whose feed is empty (queue
round trips, the fetch, the source's health saved). Then search p95 on the N articles, on the
PostgreSQL archive the 4-worker run filled and on an SQLite archive holding the same articles.

On a 2-core machine PostgreSQL, the feed servers and the workers share the cores: more workers
show contention, not scale. Understanding (near-duplicates, stories, entities) is off unless
``--understand``: each worker keeps its own index, and synthetic repeats are near-duplicates by design.

    python bench/scale.py [--articles 1000000] [--per-feed 100] [--workers 1,2,4] [--pg URL]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import replace
from datetime import timedelta
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from xml.sax.saxutils import escape

import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # tests.pgserver: the same throwaway PostgreSQL the test suites use
sys.path.insert(0, str(Path(__file__).resolve().parent))  # search.py's queries

from search import MULTI, RARE, TWO_CHARS  # noqa: E402

from finews.config import load_config  # noqa: E402
from finews.queue import Dispatcher, build_app, ensure_schema, queue_conninfo  # noqa: E402
from finews.store import open_archive, open_configured  # noqa: E402

CORPUS = ROOT.parent / "shared/corpora/feeds/niles"
HOSTS = [f"127.0.0.{n}" for n in range(1, 9)]


def load_base() -> list[dict]:
    items = []
    for jsonl in sorted(CORPUS.glob("items_*.jsonl")):
        for line in jsonl.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            item = json.loads(line)
            if item.get("link") and item.get("title"):
                items.append(item)
    return items


class Feeds:
    """Feed ``s`` holds articles s*per_feed … s*per_feed+per_feed-1; the empty feeds hold none."""

    def __init__(self, base: list[dict], total: int, per_feed: int) -> None:
        self.base, self.total, self.per_feed = base, total, per_feed

    def item(self, number: int) -> str:
        original = self.base[number % len(self.base)]
        round_ = number // len(self.base)
        title = original["title"] if round_ == 0 else f"{original['title']}（{round_}）"
        link = f"{original['link']}{'&' if '?' in original['link'] else '?'}v={number}"
        try:
            when = format_datetime(parsedate_to_datetime(original["pubDate"]) - timedelta(days=7 * round_))
        except (KeyError, TypeError, ValueError):
            when = ""
        description = escape(str(original.get("description") or ""))
        return (
            f"<item><title>{escape(title)}</title><link>{escape(link)}</link><guid>{escape(link)}</guid>"
            f"<pubDate>{when}</pubDate><description>{description}</description></item>"
        )

    def rss(self, path: str) -> bytes | None:
        name = path.rsplit("/", 1)[-1].removesuffix(".xml")
        if path.startswith("/empty/"):
            numbers: range = range(0)
        elif path.startswith("/feed/") and name.isdigit():
            start = int(name) * self.per_feed
            numbers = range(start, min(start + self.per_feed, self.total))
        else:
            return None
        items = "".join(self.item(n) for n in numbers)
        head = f"<title>bench {name}</title><link>https://bench.example/</link><description>b</description>"
        return (
            f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>{head}{items}</channel></rss>'.encode()
        )


@contextmanager
def serving(feeds: Feeds) -> Iterator[dict[str, int]]:
    """One HTTP server per loopback host; yields host → port."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            body = feeds.rss(self.path)
            self.send_response(200 if body is not None else 404)
            self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
            self.send_header("Content-Length", str(len(body or b"")))
            self.end_headers()
            self.wfile.write(body or b"")

        def log_message(self, *args: object) -> None:
            pass

    servers = [ThreadingHTTPServer((host, 0), Handler) for host in HOSTS]
    for server in servers:
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield {host: server.server_address[1] for host, server in zip(HOSTS, servers, strict=True)}
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()


def fresh_database(admin: str, name: str) -> str:
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    return f"{admin.rsplit('/', 1)[0]}/{name}"


def write_config(folder: Path, db: str, paths: list[str], ports: dict[str, int], understand: bool) -> Path:
    lines = [
        "[storage]",
        f'url = "{db}"',
        "[fetch]",
        "allow_private = true",
        "host_interval = 0",
        "[understand]",
        f"enabled = {'true' if understand else 'false'}",
        "[run]",
        "site = false",
    ]
    for index, path in enumerate(paths):
        host = HOSTS[index % len(HOSTS)]
        lines += ["[[sources]]", f'name = "s{index}"', f'url = "http://{host}:{ports[host]}{path}"']
    config = folder / f"{Path(db).name}.toml"
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return config


def enqueue(config_path: Path) -> int:
    config = load_config(config_path)
    ensure_schema(queue_conninfo(config))
    archive = open_configured(config)
    app = build_app(config)

    async def one_round() -> int:
        async with app.open_async():
            return len((await Dispatcher(config, archive, app).round()).enqueued)

    try:
        return asyncio.run(one_round())
    finally:
        archive.close()


def drain(config_path: Path, workers: int) -> float:
    """Seconds until ``workers`` processes of ``finews worker --until-idle`` have all exited."""
    command = [sys.executable, "-m", "finews.cli", "worker", "--until-idle", "-c", str(config_path)]
    started = time.perf_counter()
    processes = [
        subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(workers)
    ]
    codes = [process.wait() for process in processes]
    if any(codes):
        raise SystemExit(f"a worker failed (exit codes {codes}); run one by hand to see why")
    return time.perf_counter() - started


def trial(
    label: str, admin: str, folder: Path, paths: list[str], ports: dict[str, int], workers: int, understand: bool
):
    db = fresh_database(admin, f"scale_{label}")
    config_path = write_config(folder, db, paths, ports, understand)
    jobs = enqueue(config_path)
    return config_path, jobs, drain(config_path, workers)


def p95(timings: list[float]) -> tuple[float, float]:
    ordered = sorted(timings)
    return statistics.median(ordered), ordered[max(0, math.ceil(len(ordered) * 0.95) - 1)]


def search_timings(archive, runs: int) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {}
    for label, queries in (("2-character", TWO_CHARS), ("multi-word", MULTI), ("rare", RARE)):
        timings = []
        for query in queries:
            archive.search(query, limit=20)  # warm caches once per query
            for _ in range(runs):
                started = time.perf_counter()
                archive.search(query, limit=20)
                timings.append((time.perf_counter() - started) * 1000)
        out[label] = timings
    return out


def copy_to_sqlite(source_archive, path: Path) -> int:
    with open_archive(path) as target:
        batch = []
        for article in source_archive.iter_articles(linked=True):
            batch.append(replace(article, id=None, slug=None, duplicate_of=None, story_id=None))
            if len(batch) >= 1000:
                target.save(batch)
                batch = []
        if batch:
            target.save(batch)
        return target.count()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=1_000_000)
    parser.add_argument("--per-feed", type=int, default=100, help="items per feed, so articles/per-feed jobs")
    parser.add_argument("--workers", default="1,2,4", help="worker counts to try, comma-separated")
    parser.add_argument("--empty-jobs", type=int, default=400, help="jobs of an empty feed for the per-job overhead")
    parser.add_argument("--runs", type=int, default=10, help="timed runs of each search query")
    parser.add_argument("--understand", action="store_true", help="near-duplicates, stories, entities on")
    parser.add_argument(
        "--pg", help="postgresql://… of a server to create the bench databases on (default: a throwaway one)"
    )
    args = parser.parse_args()
    if not CORPUS.exists():
        print(f"missing corpus: {CORPUS}", file=sys.stderr)
        return 2
    base = load_base()
    counts = [int(n) for n in args.workers.split(",")]
    feeds = Feeds(base, args.articles, args.per_feed)
    paths = [f"/feed/{n}.xml" for n in range(-(-args.articles // args.per_feed))]
    load = os.getloadavg()[0]
    print(f"N = {args.articles:,} articles from {len(base):,} real items, {len(paths):,} jobs of {args.per_feed} items")
    print(
        f"{os.cpu_count()} cores, load average {load:.1f} at start; understanding {'on' if args.understand else 'off'}"
    )
    with ExitStack() as stack, tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        if args.pg:
            admin = args.pg.replace("postgresql+psycopg://", "postgresql://")
        else:
            from tests.pgserver import postgres_server

            admin = stack.enter_context(postgres_server()).replace("postgresql+psycopg://", "postgresql://")
            print("PostgreSQL: throwaway server, fsync=off, synchronous_commit=off")
        ports = stack.enter_context(serving(feeds))

        _, _, startup = trial("idle", admin, folder, [], ports, 1, args.understand)
        print(f"worker start-up (empty queue): {startup:.2f} s")
        empties = [f"/empty/{n}.xml" for n in range(args.empty_jobs)]
        _, jobs, seconds = trial("empty", admin, folder, empties, ports, 1, args.understand)
        overhead = (seconds - startup) / jobs
        print(f"per-job overhead: {overhead * 1000:.1f} ms ({jobs} empty-feed jobs, 1 worker, {seconds:.1f} s)")

        last_config = None
        for workers in counts:
            config_path, jobs, seconds = trial(f"w{workers}", admin, folder, paths, ports, workers, args.understand)
            busy = max(seconds - startup, 1e-9)
            with open_configured(load_config(config_path)) as archive:
                stored = archive.count()
            print(
                f"{workers} worker{'s' if workers > 1 else ' '}: {stored:,} stored in {seconds:.1f} s; "
                f"{stored / busy:,.0f} items/s, {jobs / busy:.1f} jobs/s after start-up "
                f"({busy / jobs * 1000:.0f} ms a job of {args.per_feed}; overhead {overhead / (busy / jobs):.0%}; "
                f"load average {os.getloadavg()[0]:.1f})"
            )
            last_config = config_path

        if last_config is None:
            return 0
        with open_configured(load_config(last_config)) as archive:
            postgres = search_timings(archive, args.runs)
            started = time.perf_counter()
            copied = copy_to_sqlite(archive, folder / "search.db")
        print(f"SQLite copy of the same {copied:,} articles built in {time.perf_counter() - started:.0f} s")
        with open_archive(folder / "search.db") as archive:
            sqlite = search_timings(archive, args.runs)
        for label in postgres:
            pg50, pg95 = p95(postgres[label])
            lite50, lite95 = p95(sqlite[label])
            print(
                f"search {label:12} PostgreSQL p50 {pg50:7.2f} ms  p95 {pg95:7.2f} ms   "
                f"SQLite p50 {lite50:7.2f} ms  p95 {lite95:7.2f} ms"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
