"""What Jekyll and Hexo posts share: the source's settings, local time, stable name, body choice."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from pypinyin import lazy_pinyin

from ..config import Config, SourceConfig
from ..extract.markdown import safe_html, to_markdown
from ..model import Article
from .paths import safe_name

_NOT_SLUG = re.compile(r"[^a-z0-9]+")

_TEMPLATE_TAG = re.compile(r"\{\{|\{%|\{#")
_NOT_IN_URL = re.compile(r"[%#]")
_LIQUID_BRACE = '{{ "{" }}'
_BLANK_LINE = re.compile(r"\n(?=[ \t]*(?:\n|$))")


@dataclass
class PostContext:
    source: SourceConfig
    slug: str
    local_time: datetime  # the article's time in its source's zone
    body: str  # "markdown" | "html"
    category: Category


@dataclass(frozen=True)
class Category:
    slug: str  # path and Jekyll category: "emnews", "xinlangcaijing"
    name: str  # display: "东财滚动新闻", "新浪财经"
    tags: tuple[str, ...]


def post_context(article: Article, config: Config, body: str | None = None) -> PostContext:
    source = source_settings(article.source, config)
    when = article.published or article.fetched_at or datetime(1970, 1, 1, tzinfo=UTC)
    return PostContext(
        source=source,
        slug=post_slug(article),
        local_time=when.astimezone(source.zone),
        body=body or config.export.body,
        category=article_category(article, source),
    )


def article_category(article: Article, source: SourceConfig) -> Category:
    """The source's category, or, for APIs that mix outlets, one per outlet named in pinyin.

    eastmoney's media list carries 新浪财经, 证券时报 …; the site it fed filed each under the pinyin of
    the outlet's name with the Chinese name shown and ``<outlet>新闻`` as the tag.
    """
    media = article.categories[0] if article.categories else ""
    if source.api is not None and source.api.media_category and media:
        slug = pinyin_slug(media)
        if slug:
            return Category(slug, media, (f"{media}新闻",))
    return Category(source.category, source.category_name, tuple(source.tags))


def pinyin_slug(name: str) -> str:
    """新浪财经 → ``xinlangcaijing``; Latin letters and digits kept, the rest dropped, at most 64."""
    joined = "".join(lazy_pinyin(name, errors="default")).lower()
    return _NOT_SLUG.sub("", joined)[:64]


def source_settings(name: str, config: Config) -> SourceConfig:
    """The configured source, or defaults for articles of a source since removed from the config."""
    for source in config.sources:
        if source.name == name:
            return source
    return SourceConfig(name=name, url="-")


def stable_id(article: Article) -> str:
    return hashlib.sha1(article.identity.encode("utf-8")).hexdigest()[:12]


def post_slug(article: Article) -> str:
    """The archive's slug made safe as a file name (it may come from an older or foreign archive)."""
    return path_name(article.slug, fallback=stable_id(article)) if article.slug else stable_id(article)


def path_name(text: str, *, fallback: str) -> str:
    """A file or folder name that is also a clean URL path segment.

    Jekyll and Hexo make page URLs from these names: a ``%`` stops Hexo's whole build ("URI
    malformed"), a ``#`` cuts the URL short.
    """
    return safe_name(_NOT_IN_URL.sub("_", text), fallback=fallback)


def body_text(article: Article, body: str) -> str:
    """The post's body: the sanitized HTML, or Markdown made from it now (so the escaping is this version's)."""
    return html_block(article.content_html) if body == "html" else to_markdown(article.content_html)


def html_block(html: str) -> str:
    """Sanitized HTML as one block that kramdown and marked pass through whole, with no template tags.

    A blank line would end marked's HTML block and parse the rest as Markdown; ``&#10;`` is the same
    newline to a browser, inside ``<pre>`` too. Braces as references are inert to Liquid and Nunjucks.
    """
    html = safe_html(html).replace("{", "&#123;").replace("}", "&#125;")
    return "<div>\n" + _BLANK_LINE.sub("&#10;", html.strip()) + "\n</div>"


def has_template_tags(text: str) -> bool:
    return _TEMPLATE_TAG.search(text) is not None


def liquid_guard(text: str) -> str:
    """``text`` as Liquid (Jekyll) prints it unchanged: every ``{`` printed by ``{{ "{" }}``.

    With no ``{`` of its own left, the text holds no tag Liquid could run or choke on; a
    ``{% raw %}`` block would not do, since the text may hold the ``{% endraw %}`` that ends it.
    Only code keeps braces by then (text has them as references): this costs nothing elsewhere.
    """
    if not has_template_tags(text):
        return text
    return text.replace("{", _LIQUID_BRACE)
