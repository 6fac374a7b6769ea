"""Real Jekyll (Debian's, minima theme) and Hexo 8 (npm, landscape theme) sites around exported posts.

`make test` installs both (scripts/system-packages.sh): Jekyll from Debian, which builds a site with
no Gemfile offline, and Hexo into ``~/.cache/finews-tools/hexo``, which a site links as its
``node_modules``. Both sites have feeds, as their users have them: Jekyll's ``jekyll-feed`` plugin
(``feed.xml``, which minima links) and ``hexo-generator-feed`` (``atom.xml`` and ``rss2.xml``).
Each page of a built post is found from the post's file, as the permalinks below say.
"""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

import yaml
from lxml import etree
from selectolax.lexbor import LexborHTMLParser

from ..requirements import need_tool, unavailable

HEXO_CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "finews-tools" / "hexo"
HEXO_PLUGINS = ["hexo-theme-landscape", "hexo-renderer-marked", "hexo-renderer-ejs", "hexo-renderer-stylus",
                "hexo-generator-index", "hexo-generator-archive", "hexo-generator-category",
                "hexo-generator-tag", "hexo-generator-feed"]  # fmt: skip
FEED_NAMES = ("feed.xml", "atom.xml", "rss.xml", "rss2.xml")
BUILD_TIMEOUT = 600  # seconds: a hung generator fails the test instead of holding the suite

JEKYLL_CONFIG = """title: finews export
theme: minima
timezone: Asia/Shanghai
future: true
permalink: /:categories/:title/
plugins: [jekyll-feed]
"""
HEXO_CONFIG = """title: finews export
url: http://127.0.0.1
root: /
language: zh-CN
timezone: Asia/Shanghai
permalink: posts/:title/
theme: landscape
future: true
feed:
  type: [atom, rss2]
  path: [atom.xml, rss2.xml]
  limit: 0
"""


@dataclass
class Page:
    """A built post page: its title and its article body, as the theme shows them."""

    path: Path
    title: str
    body_html: str
    body_text: str
    tree: LexborHTMLParser


def need_jekyll() -> str:
    return need_tool("jekyll", "apt-get install jekyll jekyll-theme-minima (or run `make test`)")


def need_hexo() -> Path:
    need_tool("node", "apt-get install nodejs npm (or run `make test`)")
    hexo = HEXO_CACHE / "node_modules" / ".bin" / "hexo"
    missing = [name for name in ["hexo", *HEXO_PLUGINS] if not (HEXO_CACHE / "node_modules" / name).is_dir()]
    if missing or not hexo.exists():
        unavailable(f"Hexo is not installed in {HEXO_CACHE} (missing {', '.join(missing) or 'hexo'}): run `make test`")
    return hexo


def jekyll_site(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "_config.yml").write_text(JEKYLL_CONFIG, encoding="utf-8")
    (folder / "index.md").write_text("---\nlayout: home\n---\n", encoding="utf-8")  # minima's list of posts
    return folder


def build_jekyll(folder: Path) -> Path:
    """``jekyll build`` in ``folder``; the built site's folder, or the test fails with Jekyll's words."""
    jekyll = need_jekyll()
    _run([jekyll, "build", "--source", str(folder), "--destination", str(folder / "_site")], folder, "jekyll build")
    return folder / "_site"


def hexo_site(folder: Path) -> Path:
    (folder / "source" / "_posts").mkdir(parents=True, exist_ok=True)
    (folder / "_config.yml").write_text(HEXO_CONFIG, encoding="utf-8")
    # Hexo loads the plugins the site's package.json names; hexo-cli knows a site by its "hexo" key
    version = json.loads((HEXO_CACHE / "node_modules/hexo/package.json").read_text(encoding="utf-8"))["version"]
    manifest = {"name": "export", "private": True, "version": "0.0.0", "hexo": {"version": version},
                "dependencies": {name: "*" for name in ["hexo", *HEXO_PLUGINS]}}  # fmt: skip
    (folder / "package.json").write_text(json.dumps(manifest) + "\n", encoding="utf-8")
    modules = folder / "node_modules"
    if not modules.is_symlink():
        modules.symlink_to(HEXO_CACHE / "node_modules", target_is_directory=True)
    return folder


def build_hexo(folder: Path) -> Path:
    hexo = need_hexo()
    said = _run([str(hexo), "generate"], folder, "hexo generate")
    if "ERROR" in said:
        raise AssertionError(f"hexo generate reported an error:\n{said[-4000:]}")
    return folder / "public"


def _run(command: list[str], folder: Path, what: str) -> str:
    done = subprocess.run(command, cwd=folder, capture_output=True, text=True, timeout=BUILD_TIMEOUT, check=False)
    said = done.stdout + done.stderr
    if done.returncode != 0:
        raise AssertionError(f"{what} failed (exit {done.returncode}):\n{said[-4000:]}")
    return said


def front_matter(post: Path) -> dict:
    return yaml.safe_load(post.read_text(encoding="utf-8").split("---\n", 2)[1])


def jekyll_page(site: Path, built: Path, post: Path) -> Path:
    """``_posts/2026-03-02-<slug>.md`` with ``categories: emnews`` → ``_site/emnews/2026-03-02-<slug>/``."""
    categories = str(front_matter(post).get("categories") or "").split()
    return built.joinpath(*categories, post.stem.split("-", 3)[3], "index.html")


def hexo_page(site: Path, built: Path, post: Path) -> Path:
    """``source/_posts/<a>/<b>/<c>/<name>.md`` → ``public/posts/<a>/<b>/<c>/<name>/index.html``."""
    relative = post.relative_to(site / "source" / "_posts").with_suffix("")
    return built.joinpath("posts", *relative.parts, "index.html")


def read_page(path: Path, title: str, body: str, chrome: str = "") -> Page:
    """The page at ``path``; ``title`` and ``body`` are the theme's selectors for the post's heading and text,
    ``chrome`` what the generator adds to a body that is not the post's (line numbers)."""
    tree = LexborHTMLParser(path.read_text(encoding="utf-8"))
    for node in tree.css(chrome) if chrome else []:
        node.decompose()
    heading, content = tree.css_first(title), tree.css_first(body)
    assert heading is not None and content is not None, f"{path}: no {title} or {body}"
    return Page(path, " ".join(heading.text().split()), content.html or "", content.text(), tree)


def jekyll_post_page(path: Path) -> Page:
    return read_page(path, "h1.post-title", "div.post-content")


def hexo_post_page(path: Path) -> Page:
    return read_page(path, "h1.article-title", "div.article-entry", chrome="td.gutter")


def feed_files(built: Path) -> list[Path]:
    """Every feed a built site holds, by the names Jekyll's, Hexo's and finews' feeds have."""
    return sorted(path for name in (*FEED_NAMES, "feed.json") for path in built.rglob(name))


def malformed_feeds(built: Path) -> dict[str, str]:
    """Each feed of ``built`` that a strict parser refuses (XML 1.0; JSON for ``feed.json``), with why."""
    strict = etree.XMLParser(recover=False, resolve_entities=False, no_network=True, huge_tree=True)
    refused = {}
    for path in feed_files(built):
        try:
            if path.suffix == ".json":
                json.loads(path.read_text(encoding="utf-8"))
            else:
                etree.fromstring(path.read_bytes(), strict)
        except (etree.XMLSyntaxError, ValueError) as error:
            refused[path.relative_to(built).as_posix()] = str(error)[:200]
    return refused
