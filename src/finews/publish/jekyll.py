"""Jekyll posts as the eastmoney → Jekyll site wrote them: ``_posts/YYYY-MM-DD-<id>.md``.

Jekyll runs Liquid over the whole post before kramdown: the summary line, the original link and the
back links are built by the Markdown helpers (text as text, http(s) links only), and the body passes
through :func:`~finews.publish.posts.liquid_guard` last.
"""

from __future__ import annotations

from pathlib import PurePosixPath

from ..config import Config
from ..extract.markdown import markdown_autolink, markdown_link, markdown_text
from ..model import Article
from .feeds import legal_chars
from .frontmatter import block, double_quoted, inert_name, plain_or_quoted
from .posts import PostContext, body_text, liquid_guard


def jekyll_path(article: Article, ctx: PostContext) -> PurePosixPath:
    return PurePosixPath("_posts", f"{ctx.local_time:%Y-%m-%d}-{ctx.slug}.md")


def render_jekyll(article: Article, ctx: PostContext, config: Config) -> str:
    export = config.export
    tags = " ".join(plain_or_quoted(inert_name(t)) for t in ctx.category.tags)
    front = [
        f"layout: {plain_or_quoted(export.layout)}",
        f"title: {double_quoted(article.title)}",
        f"date: {ctx.local_time:%Y-%m-%d %H:%M:%S %z}",
        f"categories: {plain_or_quoted(inert_name(ctx.category.slug))}",
    ]
    if tags:
        front.append(f"tags: {tags}")
    parts = []
    if article.summary:
        parts.append("> " + markdown_text(article.summary))
    parts.append(body_text(article, ctx.body))
    if article.url:
        parts.append(markdown_autolink(article.url))
    if export.back_links:
        site = export.site_url.rstrip("/")
        category = markdown_link(f"返回{ctx.category.name}", f"{site}/{ctx.category.slug}/", relative=True)
        home = markdown_link(export.home_label, f"{site}/", relative=True)
        parts.append(f"{category}｜{home}")
    text = "\n\n".join(p.strip() for p in parts if p.strip()) + "\n"
    # the summary, link and back links as they are: a NUL or lone surrogate would reach Jekyll's feed
    return block(front) + legal_chars(liquid_guard(text))
