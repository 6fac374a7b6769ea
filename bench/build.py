"""Site build benchmark: finews against Jekyll and Hugo on the same posts, full and incremental.

The archive is made as ``bench/search.py`` makes it: every real item of the niles corpus
(cnBeta, 知乎, InfoQ …), repeated with varied URLs, titles and dates up to ``--articles``
(default 10,000). finews builds its site from it; the same articles are exported with finews'
Jekyll exporter into a Jekyll site and a Hugo site (minimal layouts written here: a page per
post plus an index of the newest). Then 100 new articles are added and each tool builds again:
finews incrementally, ``jekyll build --incremental``, and Hugo (which always builds in full).
Last, on an archive of ``--large`` articles (default 100,000), one new article is published.
Everything runs offline (Debian's /usr/bin/jekyll and /usr/bin/hugo).

Targets: a full build of 10k articles ≥ 5× faster than Jekyll and within 2× of Hugo; one new
article published in < 2 s on a 100k archive.

    python bench/build.py [--articles 10000] [--large 100000] [--large-archive /tmp/100k.db] [--skip-large]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from search import CORPUS
from search import build as make_archive

from finews.config import config_from_dict
from finews.model import Article
from finews.publish import export_posts
from finews.publish.reading import build_from_archive
from finews.store import open_archive

SOURCES = [
    {"name": "cnbeta", "title": "cnBeta", "url": "x", "category": "cnbeta", "category_name": "cnBeta"},
    {"name": "zhihu", "title": "知乎", "url": "y", "category": "zhihu", "category_name": "知乎日报"},
    {"name": "other", "title": "其他", "url": "z", "category": "other", "category_name": "其他"},
]
JEKYLL_LAYOUT = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{{ page.title }}</title></head>
<body><h1>{{ page.title }}</h1><p>{{ page.date | date: "%Y-%m-%d %H:%M" }} · {{ page.categories | join: " " }}</p>
{{ content }}</body></html>
"""
JEKYLL_INDEX = """---
layout: null
---
<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{{ site.title }}</title></head><body><ul>
{% for post in site.posts limit:20 %}<li><a href="{{ post.url | relative_url }}">{{ post.title }}</a></li>{% endfor %}
</ul></body></html>
"""
HUGO_CONFIG = """baseURL = "http://example.invalid/"
languageCode = "zh-CN"
title = "bench"
[markup.goldmark.renderer]
unsafe = true
"""
HUGO_SINGLE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{{ .Title }}</title></head>
<body><h1>{{ .Title }}</h1><p>{{ .Date.Format "2006-01-02 15:04" }}</p>{{ .Content }}</body></html>
"""
HUGO_LIST = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{{ .Title }}</title></head><body><ul>
{{ range first 20 .Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end }}
</ul></body></html>
"""


def config_for(folder: Path) -> object:
    return config_from_dict({"sources": SOURCES, "site": {"output": str(folder / "site")}}, base_dir=folder)


def add_articles(path: Path, count: int, tag: str) -> None:
    """``count`` new articles, newer than any in the archive, made from its newest ones."""
    with open_archive(path) as archive:
        newest = list(_take(archive.iter_articles(), count))
        fresh = [_fresh(a, f"{tag}{i}") for i, a in enumerate(newest)]
        archive.save(fresh)


def _fresh(a: Article, tag: str) -> Article:
    return replace(a, id=None, slug=None, url=f"{a.url}#{tag}", canonical_url=f"{a.canonical_url}?{tag}",
                   guid=f"{a.guid}#{tag}" if a.guid else None, title=f"{a.title}（{tag}）",
                   published=a.published + timedelta(days=30) if a.published else None, annotations=[],
                   story_id=None, duplicate_of=None)  # fmt: skip


def _take(iterable, count):  # type: ignore[no-untyped-def]
    for i, item in enumerate(iterable):
        if i >= count:
            return
        yield item


def timed(label: str, action) -> float:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    result = action()
    elapsed = time.perf_counter() - started
    print(f"  {label:44} {elapsed:8.2f} s  {result or ''}", flush=True)
    return elapsed


def finews_build(path: Path, folder: Path, *, full: bool, search: bool = True) -> str:
    config = config_for(folder)
    with open_archive(path) as archive:
        report = build_from_archive(config, archive, folder / "site", full=full, search=search)  # type: ignore[arg-type]
    return (f"{report.pages} pages, {report.written} written, {report.unchanged} unchanged, "
            f"{report.rendered} rendered, index {'rebuilt' if report.indexed else 'kept'}"
            f"{f' ({report.search_seconds:.2f} s of it Pagefind)' if search else ''}")  # fmt: skip


def export(path: Path, folder: Path) -> str:
    config = config_for(folder)
    with open_archive(path) as archive:
        report = export_posts(archive.iter_articles(), "jekyll", folder / "jekyll", config)  # type: ignore[arg-type]
    return f"{report.written} posts written, {report.unchanged} unchanged"


def skeletons(folder: Path) -> None:
    jekyll = folder / "jekyll"
    (jekyll / "_layouts").mkdir(parents=True, exist_ok=True)
    (jekyll / "_config.yml").write_text("title: bench\nmarkdown: kramdown\nexclude: [.jekyll-cache]\n")
    (jekyll / "_layouts/post.html").write_text(JEKYLL_LAYOUT, encoding="utf-8")
    (jekyll / "index.html").write_text(JEKYLL_INDEX, encoding="utf-8")
    hugo = folder / "hugo"
    (hugo / "layouts/_default").mkdir(parents=True, exist_ok=True)
    (hugo / "content").mkdir(parents=True, exist_ok=True)
    (hugo / "hugo.toml").write_text(HUGO_CONFIG, encoding="utf-8")
    (hugo / "layouts/_default/single.html").write_text(HUGO_SINGLE, encoding="utf-8")
    (hugo / "layouts/_default/list.html").write_text(HUGO_LIST, encoding="utf-8")
    (hugo / "layouts/index.html").write_text(HUGO_LIST, encoding="utf-8")


def sync_hugo(folder: Path) -> None:
    """Hugo reads the very files Jekyll reads (its front matter is the same YAML)."""
    posts = folder / "hugo/content/posts"
    if posts.is_symlink() or posts.exists():
        return
    posts.symlink_to(folder / "jekyll/_posts", target_is_directory=True)


def run(command: list[str], cwd: Path) -> str:
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    lines = [line.strip() for line in done.stdout.splitlines() if line.strip()]
    return lines[-1] if lines else ""


def compare(path: Path, folder: Path) -> dict[str, float]:
    skeletons(folder)
    timed("export to Jekyll posts", lambda: export(path, folder))
    sync_hugo(folder)
    results = {}
    results["finews full"] = timed("finews full build", lambda: finews_build(path, folder, full=True))
    results["jekyll full"] = timed("jekyll build (full)", lambda: run(
        ["/usr/bin/jekyll", "build", "--incremental", "--quiet"], folder / "jekyll"))  # fmt: skip
    results["hugo full"] = timed("hugo (full)", lambda: run(["/usr/bin/hugo", "--quiet"], folder / "hugo"))
    timed("add 100 articles to the archive", lambda: add_articles(path, 100, "plus"))
    timed("export the new posts", lambda: export(path, folder))
    results["finews +100"] = timed("finews incremental build", lambda: finews_build(path, folder, full=False))
    results["jekyll +100"] = timed("jekyll build --incremental", lambda: run(
        ["/usr/bin/jekyll", "build", "--incremental", "--quiet"], folder / "jekyll"))  # fmt: skip
    results["hugo +100"] = timed("hugo (full again)", lambda: run(["/usr/bin/hugo", "--quiet"], folder / "hugo"))
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--large", type=int, default=100_000)
    parser.add_argument("--large-archive", type=Path, help="a copy of an archive of --large articles to reuse")
    parser.add_argument("--skip-large", action="store_true", help="only the comparison with Jekyll and Hugo")
    parser.add_argument("--skip-compare", action="store_true", help="only the one-article test on --large")
    parser.add_argument("--reuse", action="store_true", help="keep the --large archive and site of an earlier --work")
    parser.add_argument("--large-no-search", action="store_true", help="on --large, pages and feeds only")
    parser.add_argument("--work", type=Path, help="folder to work in (kept); default: a temporary one")
    args = parser.parse_args()
    if not CORPUS.exists():
        print(f"missing corpus: {CORPUS}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="finews-build-bench-") as tmp:
        work = args.work or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        met = True
        if not args.skip_compare:
            print(f"== {args.articles} articles: finews, Jekyll and Hugo on the same posts")
            small = work / "small.db"
            if not small.exists():
                make_archive(lambda: open_archive(small), args.articles)
            r = compare(small, work / "small")
            print(f"\n{'':14}{'full build':>12}{'+100 articles':>16}")
            for tool in ("finews", "jekyll", "hugo"):
                print(f"{tool:14}{r[f'{tool} full']:>10.1f} s{r[f'{tool} +100']:>14.1f} s")
            faster = r["jekyll full"] / r["finews full"]
            versus_hugo = r["finews full"] / r["hugo full"]
            print(f"finews vs Jekyll: {faster:.1f}× faster (target ≥ 5×); vs Hugo: {versus_hugo:.1f}× its time "
                  f"(target ≤ 2×)")  # fmt: skip
            met = met and faster >= 5 and versus_hugo <= 2
        if not args.skip_large:
            print(f"\n== one new article on {args.large} articles")
            large = work / "large.db"
            if args.large_archive and not (args.reuse and large.exists()):
                shutil.copyfile(args.large_archive, large)
            elif not large.exists():
                make_archive(lambda: open_archive(large), args.large)
            folder = work / "large"
            folder.mkdir(exist_ok=True)
            search = not args.large_no_search
            if not (args.reuse and (folder / "site").is_dir()):
                timed("finews full build", lambda: finews_build(large, folder, full=True, search=search))
            timed("finews build, nothing new", lambda: finews_build(large, folder, full=False, search=search))
            timed("add 1 article to the archive", lambda: add_articles(large, 1, "one"))
            one = timed("finews build, one new article", lambda: finews_build(large, folder, full=False, search=search))
            print(f"one new article published in {one:.2f} s (target < 2 s)")
            met = met and one < 2
    print(f"targets: {'met' if met else 'NOT all met'}")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
