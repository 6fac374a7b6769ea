"""Full-text extraction benchmark: finews against bare trafilatura on aeb and cwced, in one run.

Reads ``../shared/corpora/extraction/{aeb,cwced}`` (no network). For each corpus prints docs/s and
precision, recall and F1 (finews.extract.evaluate: aeb = 4-word shingles as in
scrapinghub/article-extraction-benchmark, cwced = 4-character shingles). "trafilatura" is the default
``trafilatura.extract(html)`` call on the same decoded pages. Targets: finews F1 ≥ 0.95 (aeb), ≥ 0.90 (cwced).

    python bench/extract.py [--corpora PATH]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import trafilatura

from finews.extract.evaluate import Doc, Score, aeb_score, cwced_score, load_aeb, load_cwced
from finews.extract.fulltext import extract_article

DEFAULT = Path(__file__).resolve().parents[2] / "shared/corpora/extraction"
TARGETS = {"aeb": 0.95, "cwced": 0.90}


def run(docs: list[Doc], extract: Callable[[Doc], str | None], scorer: Callable) -> tuple[Score, float]:
    start = time.perf_counter()
    predictions = [extract(doc) for doc in docs]
    seconds = time.perf_counter() - start
    return scorer(zip((d.truth for d in docs), predictions, strict=True)), len(docs) / seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpora", type=Path, default=Path(os.environ.get("FINEWS_EXTRACTION", DEFAULT)))
    args = parser.parse_args()
    if not (args.corpora / "aeb").exists() or not (args.corpora / "cwced").exists():
        print(f"missing corpus: {args.corpora}/{{aeb,cwced}}", file=sys.stderr)
        return 2
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core: numbers comparable between runs

    met = True
    print(f"{'corpus':<7}{'extractor':<13}{'docs':>5}{'docs/s':>9}{'P':>8}{'R':>8}{'F1':>8}")
    for name, loader, scorer in (("aeb", load_aeb, aeb_score), ("cwced", load_cwced, cwced_score)):
        docs = loader(args.corpora / name)
        used: Counter[str] = Counter()

        def finews(doc: Doc, used: Counter[str] = used) -> str | None:
            result = extract_article(doc.html, doc.url)
            used[result.extractor if result else "none"] += 1
            return result.text if result else None

        for label, extract in (("finews", finews), ("trafilatura", lambda d: trafilatura.extract(d.html))):
            score, rate = run(docs, extract, scorer)
            print(
                f"{name:<7}{label:<13}{len(docs):>5}{rate:>9.1f}"
                f"{score.precision:>8.3f}{score.recall:>8.3f}{score.f1:>8.3f}"
            )
            if label == "finews":
                met &= score.f1 >= TARGETS[name]
        print(f"{'':<7}finews chose {dict(used)}")
    print(f"targets (aeb ≥ {TARGETS['aeb']}, cwced ≥ {TARGETS['cwced']})  {'met' if met else 'NOT met'}")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
