"""Hexo for bench/build.py: installed from npm once into a cache folder, then a minimal site built offline.

The packages are the ones a Hexo site made by ``hexo init`` builds with, less the server, the
stylesheet renderer and the tag pages (finews' Hexo posts carry categories, not tags): Hexo
itself (its ``hexo`` command comes with hexo-cli), Markdown through marked, EJS layouts, and the
index, archive and category pages. They go into ``~/.cache/finews-bench/hexo`` (outside the
repository), once; the bench site links its ``node_modules`` there. Hexo needs npm only to be
installed: a build reads and writes local files alone.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "finews-bench" / "hexo"
PACKAGES = ["hexo", "hexo-renderer-marked", "hexo-renderer-ejs", "hexo-generator-index", "hexo-generator-archive",
            "hexo-generator-category"]  # fmt: skip
INSTALL_TIMEOUT = 300  # seconds: a stalled registry gives up rather than hold the bench
PING_TIMEOUT = 30  # seconds for `npm ping`: npm's own retries on an unreachable registry take minutes
QUICK = ["--fetch-retries=1", "--fetch-retry-maxtimeout=10000", "--fetch-timeout=30000"]
NODE_OPTIONS = "--max-old-space-size=6144"  # 10k posts and their routes outgrow Node's default heap on some hosts

CONFIG = """title: bench
language: zh-CN
timezone: Asia/Shanghai
url: http://example.invalid
permalink: :year/:month/:day/:title/
source_dir: source
public_dir: public
theme: bench
future: true
syntax_highlighter: ''
per_page: 20
pagination_dir: page
index_generator:
  path: ''
  per_page: 20
  order_by: -date
archive_generator:
  per_page: 20
  yearly: true
  monthly: true
category_generator:
  per_page: 20
"""
# Pagefind would index only <main data-pagefind-body>, as finews' pages mark the article
POST = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title><%= page.title %></title></head>
<body><main data-pagefind-body><h1><%= page.title %></h1>
<p><%= date(page.date, "YYYY-MM-DD HH:mm") %> · <%= page.categories.map(c => c.name).join(" ") %></p>
<%- page.content %></main></body></html>
"""
INDEX = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title><%= config.title %></title></head><body><ul>
<% page.posts.each(function (post) { %><li><a href="<%- url_for(post.path) %>"><%= post.title %></a></li><% }) %>
</ul><%- paginator() %></body></html>
"""


def install(cache: Path = CACHE) -> str | None:
    """Hexo's packages in ``cache``, installed from npm when missing; why not, when they cannot be."""
    if all((cache / "node_modules" / name / "package.json").is_file() for name in PACKAGES):
        return None
    npm, node = shutil.which("npm"), shutil.which("node")
    if not npm or not node:
        return "npm or node is not installed"
    try:
        ping = subprocess.run([npm, "ping", *QUICK], capture_output=True, text=True, timeout=PING_TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        return f"the npm registry did not answer in {PING_TIMEOUT} s (offline?)"
    if ping.returncode != 0:
        said = [line for line in (ping.stderr or ping.stdout).splitlines() if line.strip() and "_logs" not in line]
        return f"the npm registry is not reachable (npm ping: {' / '.join(said[:2]) or ping.returncode})"
    cache.mkdir(parents=True, exist_ok=True)
    manifest = cache / "package.json"
    if not manifest.exists():
        manifest.write_text(json.dumps({"name": "finews-bench-hexo", "private": True, "version": "0.0.0"}) + "\n")
    print(f"  installing Hexo from npm into {cache} (once): {' '.join(PACKAGES)}", flush=True)
    command = [npm, "install", "--no-audit", "--no-fund", "--loglevel=error", *QUICK, *PACKAGES]
    try:
        done = subprocess.run(command, cwd=cache, capture_output=True, text=True, timeout=INSTALL_TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        return f"npm install did not finish in {INSTALL_TIMEOUT} s (is the registry reachable?)"
    if done.returncode != 0:
        said = (done.stderr or done.stdout).strip().splitlines()
        return f"npm install failed (exit {done.returncode}): {' / '.join(said[-3:]) or 'no output'}"
    return None


def skeleton(site: Path, cache: Path = CACHE) -> None:
    """A Hexo site in ``site``: its config, a two-layout theme, and the packages linked from ``cache``."""
    layouts = site / "themes/bench/layout"
    layouts.mkdir(parents=True, exist_ok=True)
    (site / "source/_posts").mkdir(parents=True, exist_ok=True)
    (site / "_config.yml").write_text(CONFIG, encoding="utf-8")
    # Hexo loads the plugins its package.json depends on, and hexo-cli finds the site by its "hexo" key
    installed = json.loads((cache / "package.json").read_text(encoding="utf-8")).get("dependencies", {})
    manifest = {"name": "bench", "private": True, "version": "0.0.0", "hexo": {"version": _version(cache)},
                "dependencies": {name: installed.get(name, "*") for name in PACKAGES}}  # fmt: skip
    (site / "package.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    (layouts / "post.ejs").write_text(POST, encoding="utf-8")
    (layouts / "index.ejs").write_text(INDEX, encoding="utf-8")  # archive and category pages fall back to it
    modules = site / "node_modules"
    if not modules.is_symlink():
        modules.symlink_to(cache / "node_modules", target_is_directory=True)


def _version(cache: Path) -> str:
    return json.loads((cache / "node_modules/hexo/package.json").read_text(encoding="utf-8"))["version"]


def generate(site: Path) -> str:
    """``hexo generate`` in ``site`` (incremental after the first: Hexo keeps what it read in db.json)."""
    env = {**os.environ, "NODE_OPTIONS": NODE_OPTIONS}
    command = [str(site / "node_modules/.bin/hexo"), "generate"]
    done = subprocess.run(command, cwd=site, capture_output=True, text=True, env=env, check=False)
    if done.returncode != 0 or "ERROR" in done.stdout:
        raise SystemExit(f"hexo generate failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    said = [line for line in done.stdout.splitlines() if "Generated" in line or "files generated" in line]
    return said[-1].strip() if said else ""
