"""Memory benchmark: ingest N items (100,000 by default) generated from the corpora; print the peak RSS.

The items are the real cnBeta, 知乎, InfoQ and news-daily items of ``../shared/corpora/feeds/niles/``,
cycled: each cycle is filed under a source of its own with links, titles and dates of its own, so
every item is new to the archive (a copy of a story is linked as "also reported", never dropped).
They go through extract, enrich, understanding (near-duplicates, stories, entities) and store, as
``finews fetch`` runs them, in a child process; its peak resident memory (``VmHWM``, which the
child reads from /proc when it is done) must stay under 500 MB.

    python bench/memory.py [--items 100000] [--no-understand] [--json]
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

CORPUS = Path(os.environ.get("FINEWS_SHARED", Path(__file__).resolve().parents[2] / "shared")) / "corpora"
LIMIT_MB = 500
FILES = ("items_cnbeta.jsonl", "items_zhihu.jsonl", "items_infoq.jsonl", "items_news-daily.jsonl")


def generated(corpus: Path, count: int) -> Iterator[dict]:
    """``count`` distinct RSS-like items, streamed: the corpus is read again for each cycle, never held twice."""
    start = datetime(2024, 1, 1, tzinfo=UTC)
    made = 0
    for cycle in itertools.count():
        for name in FILES:
            with (corpus / "feeds/niles" / name).open(encoding="utf-8") as handle:
                for line in handle:
                    item = json.loads(line)
                    base = item.get("link") or item.get("guid") or f"https://news.example.com/{made}"
                    # a query parameter, not a fragment: canonical URLs drop fragments, and copies would merge
                    item["link"] = item["guid"] = f"{base}{'&' if '?' in base else '?'}copy={cycle}"
                    item["title"] = f"{item.get('title') or ''}（{cycle}）"
                    item["pubDate"] = (start + timedelta(minutes=made)).isoformat()
                    item["source"] = f"{name.split('_')[1].split('.')[0]}{cycle}"
                    yield item
                    made += 1
                    if made >= count:
                        return


def peak_resident_mb() -> float:
    """This program's peak resident memory (VmHWM). Not ru_maxrss: Linux carries the parent's peak
    over exec into a child started by vfork (as subprocess does), so a child of a big test process
    would report the parent's size."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # no /proc: the best there is


def child(count: int, understand: bool) -> None:
    """The measured process: stream ``count`` items into a fresh archive, in batches as fetch saves them."""
    from finews.allocator import keep_big_blocks_returnable
    from finews.enrich.understand import Understanding
    from finews.pipeline import ingest_articles
    from finews.sources.feed import article_from_item
    from finews.store import open_archive

    keep_big_blocks_returnable()  # as the finews command does first
    with tempfile.TemporaryDirectory() as tmp:
        archive = open_archive(Path(tmp) / "memory.db")
        understanding = Understanding.resume(archive, datetime.now(UTC)) if understand else None
        started = time.perf_counter()
        articles = (article_from_item(item, item["source"]) for item in generated(CORPUS, count))
        # the first few items load what every run loads (word lists, caches): growth is measured after them
        stored = ingest_articles(itertools.islice(articles, min(50, count)), archive, understanding=understanding)
        loaded_mb = peak_resident_mb()
        stored += ingest_articles(articles, archive, understanding=understanding)
        seconds = time.perf_counter() - started
        rows = archive.count()
        archive.close()
    result = {
        "items": count,
        "stored": stored,
        "rows": rows,
        "seconds": round(seconds, 1),
        "loaded_mb": round(loaded_mb, 1),
        "peak_mb": round(peak_resident_mb(), 1),
    }
    print(json.dumps(result), flush=True)


def measure(count: int, understand: bool = True) -> dict:
    """Run :func:`child` in a subprocess; its result with ``peak_mb``, its peak resident memory."""
    command = [sys.executable, __file__, "--child", "--items", str(count)] + ([] if understand else ["--no-understand"])
    proc = subprocess.run(command, stdout=subprocess.PIPE, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"memory child failed with exit code {proc.returncode}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--no-understand", action="store_true", help="skip near-duplicates, stories, entities")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--json", action="store_true", help="print the result as one JSON line")
    args = parser.parse_args()
    if not (CORPUS / "feeds/niles").exists():
        print(f"missing corpus: {CORPUS}/feeds/niles (set FINEWS_SHARED)", file=sys.stderr)
        return 2
    if args.child:
        child(args.items, not args.no_understand)
        return 0
    result = measure(args.items, not args.no_understand)
    if args.json:
        print(json.dumps(result))
    else:
        print(f"items ingested     {result['items']} ({result['rows']} archived) in {result['seconds']} s")
        print(f"peak RSS           {result['peak_mb']} MB (limit {LIMIT_MB} MB)")
        growth = result["peak_mb"] - result["loaded_mb"]
        print(f"after 50 items     {result['loaded_mb']} MB (growth after them: {growth:.1f} MB)")
    return 0 if result["peak_mb"] < LIMIT_MB else 1


if __name__ == "__main__":
    sys.exit(main())
