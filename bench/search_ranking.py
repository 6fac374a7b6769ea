"""Search ranking benchmark: precision@5 and nDCG@10 of the archive search on judged queries.

The archive is every real item in ``../shared/corpora/feeds/niles/items_*.jsonl`` (cnBeta, 知乎,
InfoQ, news-daily), cleaned and saved through the archive once, as ingest saves them. The queries
and their judgements are ``tests/data/search_judged.jsonl``: for each query, the articles of the
pooled top 10 of the rankings compared, by canonical URL, graded by reading them: 2 the article is
about the query's subject, 1 it is a relevant mention, 0 a passing or irrelevant one. An article
not judged counts 0. ``split`` is ``tune`` (used to choose the ranking) or ``held-out`` (never).

Printed per split: mean precision@5 (a hit graded 1 or more) and nDCG@10 (gain 2^grade − 1, the
ideal order being every judged article of the query by grade). Target: precision@5 ≥ 0.85.

    python bench/search_ranking.py [--keep /tmp/search-ranking.db] [--show]
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from finews.extract import prepare
from finews.model import Article
from finews.sources.feed import article_from_item
from finews.store import SQLArchive, open_archive
from finews.store.search import search

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared/corpora/feeds/niles"
JUDGED = ROOT / "tests/data/search_judged.jsonl"
SOURCES = ("cnbeta", "zhihu", "infoq", "news-daily")
NOW = datetime(2026, 9, 1, tzinfo=UTC)  # days after the newest item: ages as a reader saw them then
TARGET = 0.85


def corpus_articles(corpus: Path = CORPUS) -> list[Article]:
    out = []
    for name in SOURCES:
        lines = (corpus / f"items_{name}.jsonl").read_text(encoding="utf-8").splitlines()
        for line in lines:
            if line.strip():
                try:
                    out.append(prepare(article_from_item(json.loads(line), name)))
                except Exception:  # an item the cleaner rejects is not what is measured here
                    continue
    return out


def build(archive: SQLArchive, corpus: Path = CORPUS) -> None:
    """Save every corpus item, in the corpus's order, unless the archive holds them already."""
    if not archive.count():
        archive.save(corpus_articles(corpus))


@dataclass
class Judged:
    grades: dict[str, dict[str, int]]  # query → canonical URL → grade
    split: dict[str, str]  # query → tune | held-out


def load_judged(path: Path = JUDGED) -> Judged:
    grades: dict[str, dict[str, int]] = defaultdict(dict)
    split: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            grades[row["query"]][row["url"]] = int(row["grade"])
            split[row["query"]] = row["split"]
    return Judged(dict(grades), split)


def ranked_urls(archive: SQLArchive, query: str, count: int = 10) -> list[str]:
    hits = search(archive.engine, query, limit=count, now=NOW).hits
    return [h.article.canonical_url or h.article.url for h in hits]


def precision_at(grades: dict[str, int], urls: list[str], k: int = 5) -> float:
    return sum(1 for u in urls[:k] if grades.get(u, 0) >= 1) / k


def ndcg_at(grades: dict[str, int], urls: list[str], k: int = 10) -> float:
    def dcg(values: list[int]) -> float:
        return sum((2**g - 1) / math.log2(rank + 2) for rank, g in enumerate(values[:k]))

    ideal = dcg(sorted(grades.values(), reverse=True))
    return dcg([grades.get(u, 0) for u in urls]) / ideal if ideal else 0.0


def scores(archive: SQLArchive, judged: Judged) -> dict[str, dict[str, float]]:
    """Mean P@5 and nDCG@10 per split, and per query (``query`` keys, for --show)."""
    sums: dict[str, list[tuple[float, float]]] = defaultdict(list)
    per_query = {}
    for query, grades in judged.grades.items():
        urls = ranked_urls(archive, query)
        pair = (precision_at(grades, urls), ndcg_at(grades, urls))
        sums[judged.split[query]].append(pair)
        per_query[query] = {"p5": pair[0], "ndcg10": pair[1]}
    out: dict[str, dict[str, float]] = {
        split: {"queries": len(v), "p5": sum(p for p, _ in v) / len(v), "ndcg10": sum(n for _, n in v) / len(v)}
        for split, v in sorted(sums.items())
    }
    out["query"] = per_query  # type: ignore[assignment]
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--keep", type=Path, help="build the archive here, or reuse the one built here before")
    parser.add_argument("--show", action="store_true", help="print each query's scores")
    args = parser.parse_args()
    judged = load_judged()
    with tempfile.TemporaryDirectory() as tmp:
        archive = open_archive(args.keep or Path(tmp) / "ranking.db")
        build(archive)
        result = scores(archive, judged)
        archive.close()
    per_query = result.pop("query")
    if args.show:
        for query, s in per_query.items():  # type: ignore[union-attr]
            print(f"{judged.split[query]:9} P@5 {s['p5']:.2f} nDCG@10 {s['ndcg10']:.2f}  {query}")
    for split, s in result.items():
        print(f"{split:9} {int(s['queries']):3} queries  P@5 {s['p5']:.3f}  nDCG@10 {s['ndcg10']:.3f}")
    return 0 if all(s["p5"] >= TARGET for s in result.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
