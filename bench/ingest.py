"""Ingest benchmark: the 4,552 real cnBeta items end to end, then export them.

Reads ``../shared/corpora/feeds/niles/items_cnbeta.jsonl`` (no network), runs every item through
extract (sanitize, Markdown, dates, canonical URL), enrich and store in a fresh SQLite archive,
then exports all as Jekyll and Hexo posts. Prints items/s per phase and peak memory.
Target: ≥ 200 items/s on one core for ingest. A third pass ingests the same items with
understanding (near-duplicates, stories, entities, executive moves) on, as ``finews fetch`` does.

    python bench/ingest.py [--jsonl PATH] [--repeat N]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from finews.config import config_from_dict
from finews.enrich.understand import Understanding
from finews.pipeline import ingest_articles
from finews.publish import export_posts
from finews.sources.feed import article_from_item
from finews.store import open_archive

DEFAULT = Path(__file__).resolve().parents[2] / "shared/corpora/feeds/niles/items_cnbeta.jsonl"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jsonl", type=Path, default=Path(os.environ.get("FINEWS_CNBETA", DEFAULT)))
    args = parser.parse_args()
    if not args.jsonl.exists():
        print(f"missing corpus: {args.jsonl}", file=sys.stderr)
        return 2
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core, as the target says

    items = [json.loads(line) for line in args.jsonl.read_text(encoding="utf-8").splitlines() if line.strip()]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        config = config_from_dict({"sources": [{"name": "cnbeta", "title": "cnBeta", "url": "x"}]}, base_dir=root)
        archive = open_archive(root / "bench.db")

        start = time.perf_counter()
        stored = ingest_articles((article_from_item(i, "cnbeta") for i in items), archive)
        ingest_s = time.perf_counter() - start

        start = time.perf_counter()
        again = ingest_articles((article_from_item(i, "cnbeta") for i in items), archive)
        second_s = time.perf_counter() - start

        # the same items into a fresh archive with understanding on, as `finews fetch` runs them
        understood = open_archive(root / "understood.db")
        start = time.perf_counter()
        understanding = Understanding.resume(understood, datetime.now(UTC))
        load_s = time.perf_counter() - start
        start = time.perf_counter()
        ingest_articles((article_from_item(i, "cnbeta") for i in items), understood, understanding=understanding)
        understood_s = time.perf_counter() - start
        linked = sum(len(group) for group in understood.also_reported().values())
        moves = len(understood.moves())
        understood.close()

        timings = {}
        for fmt in ("jekyll", "hexo"):
            start = time.perf_counter()
            report = export_posts(archive.iter_articles(), fmt, root / fmt, config)
            timings[fmt] = (time.perf_counter() - start, report.written)
        archive.close()

    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    n = len(items)
    print(f"items                  {n}")
    print(f"ingest (1st pass)      {ingest_s:7.2f} s  {n / ingest_s:8.0f} items/s  stored {stored}")
    print(f"ingest (2nd, no-op)    {second_s:7.2f} s  {n / second_s:8.0f} items/s  stored {again}")
    print(
        f"ingest + understanding {understood_s:7.2f} s  {n / understood_s:8.0f} items/s  "
        f"{linked} linked, {moves} executive moves (index resumed in {load_s:.1f} s)"
    )
    for fmt, (seconds, written) in timings.items():
        print(f"export {fmt:<16}{seconds:7.2f} s  {written / seconds:8.0f} posts/s  written {written}")
    print(f"peak RSS               {peak_mb:7.1f} MB")
    print(f"target ≥ 200 items/s   {'met' if n / ingest_s >= 200 else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
