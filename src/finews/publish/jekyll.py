"""Jekyll posts as the eastmoney → Jekyll site wrote them: ``_posts/YYYY-MM-DD-<id>.md``."""

from __future__ import annotations

from pathlib import PurePosixPath

from ..config import Config
from ..model import Article
from .frontmatter import block, double_quoted, plain_or_quoted
from .posts import PostContext, body_text, guard_template_tags


def jekyll_path(article: Article, ctx: PostContext) -> PurePosixPath:
    return PurePosixPath("_posts", f"{ctx.local_time:%Y-%m-%d}-{ctx.slug}.md")


def render_jekyll(article: Article, ctx: PostContext, config: Config) -> str:
    export = config.export
    tags = " ".join(plain_or_quoted(t) for t in ctx.category.tags)
    front = [
        f"layout: {plain_or_quoted(export.layout)}",
        f"title: {double_quoted(article.title)}",
        f"date: {ctx.local_time:%Y-%m-%d %H:%M:%S %z}",
        f"categories: {plain_or_quoted(ctx.category.slug)}",
    ]
    if tags:
        front.append(f"tags: {tags}")
    parts = []
    if article.summary:
        parts.append("> " + " ".join(article.summary.split()))
    parts.append(guard_template_tags(body_text(article, ctx.body), "jekyll"))
    if article.url:
        parts.append(f"<{article.url}>")
    if export.back_links:
        site = export.site_url.rstrip("/")
        parts.append(f"[返回{ctx.category.name}]({site}/{ctx.category.slug}/)｜[{export.home_label}]({site}/)")
    return block(front) + "\n\n".join(p.strip() for p in parts if p.strip()) + "\n"
