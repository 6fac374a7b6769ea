"""Site search benchmark: recall and precision of the built site's search against Ctrl+F, its size and cost.

The real items of ``../shared/corpora/feeds/niles/items_*.jsonl`` (cnBeta, 知乎, InfoQ …), cleaned
as ingest cleans them, are saved in an archive (``--articles``, default all of them, each once) and
``finews build`` makes the site with its search index. Queries are sampled from the items' text as
``bench/search.py`` samples them (``--per-kind`` each, fixed seed: jieba words, parts of longer
words, CJK strings of 2, 3, 4 and 6 characters from anywhere, Latin tokens, Latin beside CJK, two
words with a space), plus 特斯拉, 英伟达, 技术包. The truth is ``bench/search.py``'s: Ctrl+F over each
visible article's title and plain text, both folded (full width → ASCII, lower case, Traditional →
Simplified), a Latin end of the query on a token boundary, every word of a query with spaces.

The search is the search page's own: Node runs the site's ``static/pagefind.js`` (Pagefind's
``pagefind.js`` and WebAssembly underneath) over the built site, through
``tests/publish/pagefind_search.mjs``. Printed per kind: recall, precision; then the named queries,
the build's time and the time Pagefind took in it, the index's size (every bundle: files and bytes),
and the search's time per query in Node (with every result's data loaded, as the harness does).
Targets: recall ≥ 0.99 and precision ≥ 0.99 for every kind.

    python bench/site_search.py [--articles N] [--per-kind 15] [--work DIR]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from search import CORPUS, Truth, base_articles, sample_queries

from finews.config import config_from_dict
from finews.publish.reading import build_from_archive
from finews.store import open_archive

HARNESS = Path(__file__).resolve().parents[1] / "tests/publish/pagefind_search.mjs"
NAMED = ["特斯拉", "英伟达", "技术包"]
SOURCES = [
    {"name": "cnbeta", "title": "cnBeta", "url": "x", "category": "cnbeta", "category_name": "cnBeta"},
    {"name": "zhihu", "title": "知乎", "url": "y", "category": "zhihu", "category_name": "知乎日报"},
    {"name": "other", "title": "其他", "url": "z", "category": "other", "category_name": "其他"},
]


def bundles_of(site: Path) -> list[str]:
    """The bundles the search page loads, in its order."""
    page = (site / "search.html").read_text(encoding="utf-8")
    merge = page.split('data-merge="', 1)[1].split('"', 1)[0].split() if "data-merge" in page else []
    return ["pagefind", *(m.rstrip("/") for m in merge)]


def site_search(site: Path, queries: list[str]) -> tuple[dict[str, list[str]], float]:
    """Each query's result pages, as the search page finds them; and the seconds Node took."""
    started = time.perf_counter()
    done = subprocess.run(["node", str(HARNESS), str(site), ",".join(bundles_of(site)), "-"],
                          input="\n".join(queries), capture_output=True, text=True, check=True)  # fmt: skip
    return json.loads(done.stdout), time.perf_counter() - started


def index_size(site: Path) -> tuple[int, int]:
    files = [p for b in bundles_of(site) for p in (site / b).rglob("*") if p.is_file()]
    return len(files), sum(p.stat().st_size for p in files)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=0, help="how many real items (default: all)")
    parser.add_argument("--per-kind", type=int, default=15)
    parser.add_argument("--work", type=Path, help="folder to work in (kept); default: a temporary one")
    args = parser.parse_args()
    if not CORPUS.exists() or shutil.which("node") is None:
        print(f"needs the corpus ({CORPUS}) and node", file=sys.stderr)
        return 2
    base = base_articles()
    base = base[: args.articles] if args.articles else base
    with tempfile.TemporaryDirectory(prefix="finews-site-search-") as tmp:
        work = args.work or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        with open_archive(work / "site-search.db") as archive:
            archive.save([replace(a, annotations=[]) for a in base])
            truth = Truth(archive)
            config = config_from_dict({"sources": SOURCES, "site": {"output": str(work / "site")}}, base_dir=work)
            started = time.perf_counter()
            report = build_from_archive(config, archive, work / "site", full=True)  # type: ignore[arg-type]
            seconds = time.perf_counter() - started
            slugs = {f"a/{a.slug}.html": a.id for a in archive.iter_articles() if a.duplicate_of is None}
        site = work / "site"
        kinds = sample_queries(base, args.per_kind)
        kinds["named"] = NAMED
        queries = [q for qs in kinds.values() for q in qs]
        found, node_seconds = site_search(site, queries)
        met = True
        print(f"{len(slugs)} article pages from {len(base)} real items")
        print(f"{'kind':8} {'queries':>7} {'recall':>7} {'precision':>9}")
        for kind, listed in kinds.items():
            hit = relevant = served = 0
            for query in listed:
                expected = truth.holding(query)
                got = {slugs.get(page) for page in found[query]}
                hit, relevant, served = hit + len(got & expected), relevant + len(expected), served + len(got)
                if kind == "named" or got != expected:
                    print(
                        f"  {query!r}: {len(expected)} hold it, {len(got)} found, {len(got & expected)} of them hold it"
                    )
            recall, precision = hit / relevant if relevant else 1.0, hit / served if served else 1.0
            print(f"{kind:8} {len(listed):7} {recall:7.3f} {precision:9.3f}")
            met = met and recall >= 0.99 and precision >= 0.99
        files, size = index_size(site)
        print(f"build: {seconds:.1f} s, {report.search_seconds:.1f} s of it the search index")
        print(f"index: {files} files, {size / 1e6:.1f} MB ({size / len(slugs) / 1e3:.1f} kB per article page)")
        print(f"search in Node: {node_seconds / len(queries) * 1000:.0f} ms per query, results' data loaded")
        print(f"targets (recall, precision >= 0.99 for every kind): {'met' if met else 'NOT met'}")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
