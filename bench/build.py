"""Site build benchmark: finews against Jekyll, Hugo and Hexo on the same posts, full and incremental.

The archive is made as ``bench/search.py`` makes it: every real item of the niles corpus
(cnBeta, 知乎, InfoQ …), repeated with varied URLs, titles and dates up to ``--articles``
(default 10,000). finews builds its site from it; the same articles are exported with finews'
Jekyll exporter into a Jekyll site and a Hugo site (minimal layouts written here: a page per
post plus an index of the newest), and with its Hexo exporter into a Hexo site (see
``hexo_site.py``: Hexo is installed from npm once into ~/.cache/finews-bench/hexo; skipped, with
the reason, when npm or its registry is not there). Then 100 new articles are added and each
tool builds again: finews incrementally, ``jekyll build --incremental``, Hugo (which always
builds in full) and ``hexo generate`` (which reuses its db.json). Last, on an archive of
``--large`` articles (default 100,000), one new article is published. The builds run offline
(Debian's /usr/bin/jekyll and /usr/bin/hugo, Hexo from the cache).

Like for like: finews' full build makes a Pagefind search index, which Hugo does not. So finews
also builds its pages alone (``search=False``, a second site) against Hugo alone, and finews with
search is set against "Hugo + Pagefind": Hugo's build, then the same Pagefind binary finews runs,
run as a Hugo site runs it (``pagefind --site public``), indexing the post pages (their
``data-pagefind-body``) as Chinese (``lang="zh-CN"``), as finews' pages are.

Targets: a full build of 10k articles ≥ 5× faster than Jekyll and within 2× of Hugo (checked as
finews against Hugo + Pagefind and finews' pages against Hugo's); one new article published in
< 2 s on a 100k archive.

    python bench/build.py [--articles 10000] [--large 100000] [--large-archive /tmp/100k.db] [--skip-large]
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
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import hexo_site
from search import CORPUS, base_articles
from search import build as save_copies

from finews.config import config_from_dict
from finews.model import Article
from finews.publish import export_posts
from finews.publish.reading import build_from_archive
from finews.publish.search import executable as pagefind_binary
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
<body><main data-pagefind-body><h1>{{ .Title }}</h1>
<p>{{ .Date.Format "2006-01-02 15:04" }} · <span data-pagefind-filter="分类">{{ .Params.categories }}</span></p>
{{ .Content }}</main></body></html>
"""
HUGO_LIST = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{{ .Title }}</title></head><body><ul>
{{ range first 20 .Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end }}
</ul></body></html>
"""


def config_for(folder: Path, site: str = "site") -> object:
    return config_from_dict({"sources": SOURCES, "site": {"output": str(folder / site)}}, base_dir=folder)


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


def finews_build(path: Path, folder: Path, *, full: bool, search: bool = True, site: str = "site") -> str:
    config = config_for(folder, site)
    with open_archive(path) as archive:
        report = build_from_archive(config, archive, folder / site, full=full, search=search)  # type: ignore[arg-type]
    return (f"{report.pages} pages, {report.written} written, {report.unchanged} unchanged, "
            f"{report.rendered} rendered, index {'rebuilt' if report.indexed else 'kept'}"
            f"{f' ({report.search_seconds:.2f} s of it Pagefind)' if search else ''}")  # fmt: skip


def export(path: Path, folder: Path, fmt: str = "jekyll") -> str:
    config = config_for(folder)
    with open_archive(path) as archive:
        report = export_posts(archive.iter_articles(), fmt, folder / fmt, config)  # type: ignore[arg-type]
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


def pagefind_hugo(folder: Path) -> str:
    """Pagefind over Hugo's output as a Hugo site runs it: ``pagefind --site public``, with its summary."""
    done = subprocess.run([str(pagefind_binary()), "--site", "public"], cwd=folder / "hugo", capture_output=True,
                          text=True, check=False)  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"pagefind --site public failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    entry = json.loads((folder / "hugo/public/pagefind/pagefind-entry.json").read_text(encoding="utf-8"))
    languages = {name: lang.get("page_count", 0) for name, lang in entry.get("languages", {}).items()}
    return f"pages indexed by language: {languages}"


def compare(path: Path, folder: Path) -> tuple[dict[str, float], str | None]:
    """Each tool's build times by name; and why Hexo was left out, if it was."""
    skeletons(folder)
    hexo_skipped = hexo_site.install()
    if hexo_skipped:
        print(f"  Hexo skipped: {hexo_skipped}", flush=True)
    else:
        hexo_site.skeleton(folder / "hexo")
    timed("export to Jekyll posts", lambda: export(path, folder))
    sync_hugo(folder)
    if not hexo_skipped:
        timed("export to Hexo posts", lambda: export(path, folder, "hexo"))
    results = {}
    results["finews full"] = timed("finews full build", lambda: finews_build(path, folder, full=True))
    results["finews pages full"] = timed("finews full build, pages only (no search)", lambda: finews_build(
        path, folder, full=True, search=False, site="pages"))  # fmt: skip
    results["jekyll full"] = timed("jekyll build (full)", lambda: run(
        ["/usr/bin/jekyll", "build", "--incremental", "--quiet"], folder / "jekyll"))  # fmt: skip
    results["hugo full"] = timed("hugo (full)", lambda: run(["/usr/bin/hugo", "--quiet"], folder / "hugo"))
    results["pagefind on hugo full"] = timed("pagefind --site public (Hugo's)", lambda: pagefind_hugo(folder))
    if not hexo_skipped:
        results["hexo full"] = timed("hexo generate (full)", lambda: hexo_site.generate(folder / "hexo"))
    timed("add 100 articles to the archive", lambda: add_articles(path, 100, "plus"))
    timed("export the new posts", lambda: export(path, folder))
    if not hexo_skipped:
        timed("export the new Hexo posts", lambda: export(path, folder, "hexo"))
    results["finews +100"] = timed("finews incremental build", lambda: finews_build(path, folder, full=False))
    results["finews pages +100"] = timed("finews incremental build, pages only", lambda: finews_build(
        path, folder, full=False, search=False, site="pages"))  # fmt: skip
    results["jekyll +100"] = timed("jekyll build --incremental", lambda: run(
        ["/usr/bin/jekyll", "build", "--incremental", "--quiet"], folder / "jekyll"))  # fmt: skip
    results["hugo +100"] = timed("hugo (full again)", lambda: run(["/usr/bin/hugo", "--quiet"], folder / "hugo"))
    results["pagefind on hugo +100"] = timed("pagefind --site public (all again)", lambda: pagefind_hugo(folder))
    if not hexo_skipped:
        results["hexo +100"] = timed("hexo generate (db.json kept)", lambda: hexo_site.generate(folder / "hexo"))
    for when in ("full", "+100"):
        results[f"hugo + pagefind {when}"] = results[f"hugo {when}"] + results[f"pagefind on hugo {when}"]
    return results, hexo_skipped


ROWS = [("finews", "finews", "pages and feeds, and its Pagefind index (sharded)"),
        ("finews pages", "finews pages", "the same, no search index"),
        ("jekyll", "Jekyll", "no search index"), ("hugo", "Hugo", "no search index"),
        ("hugo + pagefind", "Hugo + Pagefind", "then pagefind --site public, one process"),
        ("hexo", "Hexo", "no search index")]  # fmt: skip


def summary(r: dict[str, float], hexo_skipped: str | None) -> bool:
    """The table and the ratios against the targets; whether the build targets are met."""
    print(f"\n{'':18}{'full build':>12}{'+100 articles':>16}")
    for key, name, note in ROWS:
        if f"{key} full" in r:
            print(f"{name:18}{r[f'{key} full']:>10.1f} s{r[f'{key} +100']:>14.1f} s   {note}")
        else:
            print(f"{name:18}{'skipped':>12}{'':16}   {hexo_skipped}")
    faster = r["jekyll full"] / r["finews full"]
    with_search = r["finews full"] / r["hugo + pagefind full"]
    pages_only = r["finews pages full"] / r["hugo full"]
    print(f"finews (with search) vs Jekyll (none): {faster:.1f}× faster (target ≥ 5×)")
    print(f"finews vs Hugo + Pagefind, both with search: {with_search:.2f}× its time (target ≤ 2×)")
    print(f"finews pages only vs Hugo, neither with search: {pages_only:.2f}× its time (target ≤ 2×)")
    print(f"finews with search vs Hugo without (not like for like): {r['finews full'] / r['hugo full']:.2f}× its time")
    print(f"+100 articles: finews {r['finews +100']:.1f} s vs Hugo + Pagefind {r['hugo + pagefind +100']:.1f} s "
          f"({r['finews +100'] / r['hugo + pagefind +100']:.2f}×); pages only {r['finews pages +100']:.1f} s vs "
          f"Hugo {r['hugo +100']:.1f} s ({r['finews pages +100'] / r['hugo +100']:.2f}×)")  # fmt: skip
    if "hexo full" in r:
        print(f"Hexo (no search) takes {r['hexo full'] / r['finews full']:.2f}× the time of finews with search, "
              f"{r['hexo full'] / r['finews pages full']:.1f}× that of finews' pages only; +100 articles: "
              f"{r['hexo +100'] / r['finews +100']:.1f}× finews' time")  # fmt: skip
    return faster >= 5 and with_search <= 2 and pages_only <= 2


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
            print(f"== {args.articles} articles: finews, Jekyll, Hugo and Hexo on the same posts")
            small = work / "small.db"
            if not small.exists():
                save_copies(lambda: open_archive(small), base_articles(), args.articles)
            results, hexo_skipped = compare(small, work / "small")
            met = summary(results, hexo_skipped)
        if not args.skip_large:
            print(f"\n== one new article on {args.large} articles")
            large = work / "large.db"
            if args.large_archive and not (args.reuse and large.exists()):
                shutil.copyfile(args.large_archive, large)
            elif not large.exists():
                save_copies(lambda: open_archive(large), base_articles(), args.large)
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
