"""Hexo posts as the RSSHub → Hexo site wrote them, under ``source/_posts/<categories>/``.

Hexo runs Nunjucks over a post around its Markdown rendering. A Markdown body keeps its text's braces
as references; what still holds ``{{``/``{%`` (code) switches Nunjucks off for the post
(``disableNunjucks``, Hexo 5+), which a ``{% raw %}`` block cannot replace: Hexo passes raw blocks
through unrendered. An HTML body has its braces as references and stays one HTML block.
"""

from __future__ import annotations

import html as htmllib
import re
from pathlib import PurePosixPath

from ..config import Config
from ..extract.markdown import web_url
from ..model import Article
from .feeds import legal_chars
from .frontmatter import block, inert_name, plain_or_quoted, single_quoted
from .posts import PostContext, body_text, has_template_tags, path_name

_FIRST_IMG = re.compile(r"<img\b[^>]*\bsrc=\"([^\"]+)\"", re.I)


def hexo_path(article: Article, ctx: PostContext) -> PurePosixPath:
    folders = [_folder(c) for c in ctx.source.hexo_categories]
    return PurePosixPath("source", "_posts", *folders, f"{ctx.local_time:%Y-%m-%d}-{ctx.slug}.md")


def _folder(category: str) -> str:
    """A category's folder; Hexo skips, silently, every post under a name that starts with ``_`` or ``.``."""
    return path_name(category, fallback="category").lstrip("_.") or "category"


def head_image(article: Article, config: Config) -> str:
    """The lead image as an http(s) URL themes may put in an attribute unescaped, or the fallback."""
    candidates = [article.image or ""]
    match = _FIRST_IMG.search(article.content_html)
    if match:
        candidates.append(htmllib.unescape(match.group(1)))
    for candidate in candidates:
        safe = web_url(candidate)
        if safe:
            return safe
    return web_url(config.export.fallback_image, relative=True) or ""


def render_hexo(article: Article, ctx: PostContext, config: Config) -> str:
    front = [f"title: {single_quoted(article.title)}", "categories:"]
    front += [f" - {plain_or_quoted(inert_name(c))}" for c in ctx.source.hexo_categories]
    image = head_image(article, config)
    if image:
        front.append(f"headimg: {single_quoted(image)}")
    front += [
        f"author: {plain_or_quoted(inert_name(article.author or ctx.source.title))}",
        "comments: false",
        f"date: {ctx.local_time.isoformat(timespec='seconds')}",
    ]
    if image:
        front.append(f"thumbnail: {single_quoted(image)}")
    body = legal_chars(body_text(article, ctx.body)).strip()  # hexo-generator-feed copies it into its feeds
    if has_template_tags(body):
        front.append("disableNunjucks: true")
    return block(front) + "\n" + body + "\n"
