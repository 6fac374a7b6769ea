"""Hexo posts as the RSSHub → Hexo site wrote them, under ``source/_posts/<categories>/``."""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from ..config import Config
from ..model import Article
from .frontmatter import block, plain_or_quoted, single_quoted
from .paths import safe_name
from .posts import PostContext, body_text, guard_template_tags

_FIRST_IMG = re.compile(r"<img\b[^>]*\bsrc=\"([^\"]+)\"", re.I)


def hexo_path(article: Article, ctx: PostContext) -> PurePosixPath:
    folders = [safe_name(c, fallback="_") for c in ctx.source.hexo_categories]
    return PurePosixPath("source", "_posts", *folders, f"{ctx.local_time:%Y-%m-%d}-{ctx.slug}.md")


def head_image(article: Article, config: Config) -> str:
    if article.image:
        return article.image
    match = _FIRST_IMG.search(article.content_html)
    return match.group(1).replace("&amp;", "&") if match else config.export.fallback_image


def render_hexo(article: Article, ctx: PostContext, config: Config) -> str:
    front = [f"title: {single_quoted(article.title)}", "categories:"]
    front += [f" - {plain_or_quoted(c)}" for c in ctx.source.hexo_categories]
    image = head_image(article, config)
    if image:
        front.append(f"headimg: {single_quoted(image)}")
    front += [
        f"author: {plain_or_quoted(ctx.source.title)}",
        "comments: false",
        f"date: {ctx.local_time.isoformat(timespec='seconds')}",
    ]
    if image:
        front.append(f"thumbnail: {single_quoted(image)}")
    if ctx.body == "html":
        body = "<div>\n" + guard_template_tags(article.content_html, "hexo-html") + "\n</div>"
    else:
        body = guard_template_tags(body_text(article, "markdown"), "hexo")
    return block(front) + "\n" + body.strip() + "\n"
