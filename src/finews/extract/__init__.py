"""The extract stage: turn what a source gave into a clean, normalized :class:`Article`."""

from __future__ import annotations

import re
from datetime import UTC, datetime, tzinfo

from ..chars import legal_chars
from ..model import BEIJING, Article
from .clean import clean_html, clean_title, html_to_text, sanitize
from .dates import parse_date
from .urls import canonical_url

__all__ = ["canonical_url", "clean_html", "clean_title", "html_to_text", "parse_date", "prepare", "sanitize"]

SUMMARY_CHARS = 160
# A title longer than this is not a title (a feed once sent 10 MB in one): it is cut, so every list
# page, feed, file name and search index that shows it stays small.
TITLE_CHARS = 300
# cnBeta and others end summaries with a "read more" link; it is not part of the story.
_READ_MORE = re.compile(r"\s*(?:阅读全文|查看全文|继续阅读|Read more|全文链接)[\s.…»>]*$", re.I)
_SENTENCE_END = re.compile(r"[。！？!?；][”’」』）)]*")
# after Chinese end punctuation the next line follows directly; a heading or caption needs a space
_CJK_END = re.compile(r"[。！？；：，、”’」』）…]$")


def prepare(article: Article, *, zone: tzinfo = BEIJING, now: datetime | None = None) -> Article:
    """Clean ``article`` in place and return it.

    ``zone`` is the source's time zone, applied to dates the source wrote without an offset.
    """
    _drop_illegal_chars(article)
    article.url = _web_link((article.url or "").strip())
    article.canonical_url = canonical_url(article.url)
    article.title = _cut(clean_title(article.title), TITLE_CHARS)
    article.author = clean_title(article.author or "") or None
    article.categories = _unique(clean_title(c) for c in article.categories)
    article.published = _aware(article.published, zone)
    article.updated = _aware(article.updated, zone)
    article.fetched_at = article.fetched_at or now or datetime.now(UTC)

    from .markdown import to_markdown  # here, not above: reading the archive (search) needs clean, not Markdown

    cleaned = clean_html(article.content_html, article.url or None)
    article.content_html = cleaned.html
    article.annotations = article.annotations or cleaned.annotations
    article.content_markdown = to_markdown(cleaned.html)
    if not article.image and cleaned.images:
        article.image = cleaned.images[0]

    summary = article.summary
    if summary and "<" in summary:
        summary = html_to_text(sanitize(summary))
    summary = _READ_MORE.sub("", " ".join((summary or "").split()))
    body_text = html_to_text(cleaned.html)
    if not summary:
        summary = _digest(body_text)
    article.summary = summary
    if not article.title:
        article.title = _digest(summary or body_text, 40) or article.canonical_url
    return article


def _drop_illegal_chars(article: Article) -> None:
    """A NUL or a lone surrogate (a JSON Feed's ``"\ud800"``) never gets past the door: no writer takes them."""
    for name in ("url", "guid", "title", "author", "summary", "content_html", "image"):
        value = getattr(article, name)
        if value:
            setattr(article, name, legal_chars(value))
    article.categories = [legal_chars(c) for c in article.categories]


_SCHEME = re.compile(r"^\s*([a-zA-Z][a-zA-Z0-9+.-]*):")


def _web_link(url: str) -> str:
    """The item's link if a reader's browser may follow it: ``javascript:``, ``data:``, ``file:`` links are dropped.

    The link becomes the "original article" link on every post and page; a feed must not choose what it runs.
    """
    match = _SCHEME.match(url)
    if match and match.group(1).lower() not in ("http", "https"):
        return ""
    return url


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _aware(value: datetime | str | None, zone: tzinfo) -> datetime | None:
    return parse_date(value, zone)


def _digest(text: str, limit: int = SUMMARY_CHARS) -> str:
    """The first sentences of ``text`` up to ``limit`` characters, cut after a full stop when possible."""
    text = _join_lines(_READ_MORE.sub("", text).splitlines())
    if len(text) <= limit:
        return text
    head = text[:limit]
    ends = [m.end() for m in _SENTENCE_END.finditer(head)]
    return head[: ends[-1]] if ends and ends[-1] > limit // 3 else head.rstrip() + "…"


def _join_lines(lines: list[str]) -> str:
    """Lines into one: Chinese needs no space between sentences, Latin text does."""
    out = ""
    for line in (" ".join(raw.split()) for raw in lines):
        if not line:
            continue
        out += line if not out or _CJK_END.search(out) else " " + line
    return out


def _unique(values) -> list[str]:
    seen: dict[str, None] = {}
    for value in values:
        if value:
            seen.setdefault(value, None)
    return list(seen)
