"""Entities and executive-move benchmark: docs/s for each, and P/R on the hand-labeled move set.

``run(items)`` takes feed items as in ``../shared/corpora/feeds/niles/items_*.jsonl`` (dicts with
guid, link, title, description …), prepares them once (not timed), then times
``extract_mentions`` and ``extract_moves`` over all of them and scores ``tests/data/exec_moves.jsonl``
(tuning and held-out parts apart). Standalone it runs on every item of the four niles files, pinned to
one core (the ingest budget is per core):

    python bench/understand_entities.py [--limit N] [--cores 0]

``both_docs_per_s`` is what ingest pays: entities then events on each article. The one-off jieba
dictionary load is reported as ``tagger_load_s`` and kept out of every docs/s figure.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("FINEWS_SHARED", ROOT.parent / "shared"))
NILES = SHARED / "corpora" / "feeds" / "niles"
sys.path.insert(0, str(ROOT))  # the labeled-set loader lives with the tests

from finews.enrich.entities import CONFIDENT, extract_mentions  # noqa: E402
from finews.enrich.events import extract_moves, merge_moves  # noqa: E402
from finews.enrich.tickers import company_index  # noqa: E402
from finews.extract import prepare  # noqa: E402
from finews.sources.feed import article_from_item  # noqa: E402


def run(items: list[dict], source: str = "bench") -> dict:
    """Time entity and move extraction over ``items``; score the labeled set when ../shared is there."""
    from finews.enrich.lexicon import lexicon

    start = time.perf_counter()
    lexicon()  # the dictionary load is a one-off cost, not per document
    company_index()
    load_s = time.perf_counter() - start
    articles = [prepare(article_from_item(item, item.get("_source", source))) for item in items]
    chars = sum(len(a.content_html) for a in articles)

    start = time.perf_counter()
    mentions = [extract_mentions(a) for a in articles]
    entities_s = time.perf_counter() - start

    start = time.perf_counter()
    moves = [m for a in articles for m in extract_moves(a)]
    events_s = time.perf_counter() - start
    merged = merge_moves(moves)

    start = time.perf_counter()
    for a in articles:
        extract_mentions(a)
        extract_moves(a)
    both_s = time.perf_counter() - start

    confident = [m for ms in mentions for m in ms if m.confidence >= CONFIDENT]
    result = {
        "docs": len(articles),
        "cpu_affinity": sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "tagger_load_s": round(load_s, 2),
        "both_docs_per_s": round(len(articles) / both_s, 1) if both_s else None,
        "html_chars": chars,
        "entities_docs_per_s": round(len(articles) / entities_s, 1) if entities_s else None,
        "events_docs_per_s": round(len(articles) / events_s, 1) if events_s else None,
        "mentions": sum(len(ms) for ms in mentions),
        "confident_companies": sum(m.kind == "company" for m in confident),
        "confident_people": sum(m.kind == "person" for m in confident),
        "moves": len(moves),
        "moves_merged": len(merged),
    }
    result.update(_labeled())
    print(
        f"entities: {result['entities_docs_per_s']} docs/s, events: {result['events_docs_per_s']} docs/s, "
        f"both: {result['both_docs_per_s']} docs/s over {len(articles)} docs (jieba load {load_s:.1f} s); "
        f"{result['moves']} moves ({len(merged)} after merging)"
    )
    for part in ("tuning", "heldout"):
        if f"{part}_precision" in result:
            print(
                f"labeled moves, {part}: P={result[f'{part}_precision']:.3f} R={result[f'{part}_recall']:.3f} "
                f"({result[f'{part}_tp']}/{result[f'{part}_predicted']} predicted, {result[f'{part}_gold']} labeled), "
                f"dates right {result[f'{part}_dates_right']}/{result[f'{part}_dated']}"
            )
    return result


def _labeled() -> dict:
    if not (SHARED / "reference").exists() or not NILES.exists():
        return {}
    from tests.enrich.labeled import labeled_articles, load_labels, score

    articles = labeled_articles(SHARED / "reference", SHARED / "corpora")
    out: dict = {}
    for part in ("tuning", "heldout"):
        s = score(load_labels(part), articles, extract_moves)
        out.update({
            f"{part}_precision": round(s.precision, 3),
            f"{part}_recall": round(s.recall, 3),
            f"{part}_tp": s.tp,
            f"{part}_predicted": s.predicted,
            f"{part}_gold": s.gold,
            f"{part}_dated": s.dated,
            f"{part}_dates_right": s.dated_right,
        })  # fmt: skip
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=int, default=0, help="only the first N items (0: all)")
    parser.add_argument("--cores", default="0", help="CPUs to pin to, comma separated ('' to leave as is)")
    args = parser.parse_args()
    if args.cores and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {int(c) for c in args.cores.split(",")})
    files = sorted(NILES.glob("items_*.jsonl"))
    if not files:
        print(f"missing corpus: {NILES}", file=sys.stderr)
        return 2
    items = []
    for path in files:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                item = json.loads(line)
                item["_source"] = path.stem.removeprefix("items_")
                items.append(item)
    if args.limit:
        items = items[: args.limit]
    print(json.dumps(run(items), ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
