"""One post file into raw articles: front-matter posts (Jekyll, Hexo, Hugo) and daily digest Markdown.

Everything here works on text already read and decoded; :mod:`.postfolder` walks the folder, reads
files and turns a :class:`PostError` into a reported, skipped file.
"""

from __future__ import annotations

import json
import re
import tomllib
from datetime import date, datetime, time, tzinfo
from html import unescape
from typing import Any

import yaml
from markdown_it import MarkdownIt

from ..errors import PostError as PostError  # declared in finews.errors, still importable here
from ..extract.dates import parse_date
from ..model import Article

_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# CommonMark plus the two GFM extensions blog posts use; raw HTML passes through, nh3 sanitizes later.
_MARKDOWN = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])

HTML_SUFFIXES = frozenset({".html", ".htm"})
_FENCES = {"---": re.compile(r"^(?:---|\.\.\.)[ \t]*$", re.M), "+++": re.compile(r"^\+\+\+[ \t]*$", re.M)}
_BARE_CLOSE = re.compile(r"^---[ \t]*$", re.M)
_JEKYLL_NAME = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})-(.+)$")
_BLOCK_TAG = re.compile(
    r"^<(?:!--|div|p|h[1-6]|section|article|table|figure|ul|ol|blockquote|pre|img|span|a|br|hr|iframe|video)\b",
    re.I,
)
# The eastmoney site ended each post with the article URL as an autolink and "[返回…](…)｜[返回首页](…)".
_BACK_LINKS = re.compile(r"^\[返回[^\]]*\]\([^)]*\)(?:\s*[｜|]\s*\[[^\]]*\]\([^)]*\))*\s*$")
_AUTOLINK = re.compile(r"^<(https?://[^>\s]+)>\s*$")
_RAW_OPEN, _RAW_CLOSE = "{% raw %}\n", "\n{% endraw %}"
_RAW_ESCAPED_CLOSE = "{% endraw %}{{ '{% endraw %}' }}{% raw %}"
# A title written as `title: "…"` by string concatenation breaks YAML when it holds a quote itself.
_QUOTED_LINE = re.compile(r"""^([ \t]*[\w-]+:[ \t]*)(["'])(.*)\2[ \t]*$""")
_LINK_KEYS = ("link", "url", "canonical_url", "canonicalURL", "original_url", "source_url")
_IMAGE_KEYS = ("headimg", "thumbnail", "image", "cover", "featured_image", "images")


def markdown_html(text: str) -> str:
    return _MARKDOWN.render(text) if text.strip() else ""


def looks_like_html(body: str) -> bool:
    """A body that opens with a block-level tag was written as HTML (Hexo's ``<div>``, the eastmoney posts)."""
    return bool(_BLOCK_TAG.match(body.lstrip()))


def to_datetime(value: Any, zone: tzinfo) -> datetime | None:
    """YAML/TOML give datetimes, dates or strings; all become aware datetimes shown in ``zone``."""
    result: datetime | None
    if isinstance(value, datetime):
        result = value
    elif isinstance(value, date):
        result = datetime.combine(value, time())
    elif isinstance(value, str | int) and not isinstance(value, bool):
        result = parse_date(str(value), zone)
    else:
        return None
    if result is None:
        return None
    # A GMT pubDate (Hexo) is the same instant; the archive shows it in the source's own zone.
    return result.replace(tzinfo=zone) if result.tzinfo is None else result.astimezone(zone)


def labels(value: Any, *, split: bool = False) -> list[str]:
    """Categories or tags given as a list, a nested list (Hexo hierarchies) or one string."""
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return value.split() if split else [value.strip()]
    if isinstance(value, list | tuple):
        return [label for item in value for label in labels(item)]
    return [str(value)]


def _text(value: Any) -> str:
    if value is None or isinstance(value, dict | list):
        return ""
    return str(value).strip()


def _author(value: Any) -> str | None:
    if isinstance(value, dict):
        return _text(value.get("name")) or None
    if isinstance(value, list):
        return ", ".join(a for a in (_author(v) for v in value) if a) or None
    return _text(value) or None


# -- front matter ---------------------------------------------------------------------------------


def split_front_matter(text: str, fmt: str) -> tuple[dict[str, Any], str]:
    """The front matter as a mapping and the body after it; :class:`PostError` when it cannot be read."""
    text = text.lstrip("\ufeff \t\r\n")  # the RSSHub → Hexo script wrote a blank line before ---
    fence = text[:3]
    if fence in _FENCES and text[3:4] in ("\n", "\r", " ", "\t"):
        start = text.find("\n") + 1
        close = _FENCES[fence].search(text, start)
        if close is None:
            raise PostError(f"front matter opened with {fence} is never closed")
        raw, body = text[start : close.start()], text[close.end() :].lstrip("\r\n")
        meta = _load_toml(raw) if fence == "+++" else _load_yaml(raw)
    elif text.startswith("{") and fmt == "hugo":
        try:
            meta, end = json.JSONDecoder().raw_decode(text)
        except json.JSONDecodeError as exc:
            raise PostError(f"JSON front matter: {exc}") from None
        body = text[end:].lstrip("\r\n")
    elif fmt == "hexo" and (close := _BARE_CLOSE.search(text)) is not None:
        # Hexo also reads front matter that has only its closing ---
        meta, body = _load_yaml(text[: close.start()]), text[close.end() :].lstrip("\r\n")
        if not meta or not isinstance(meta, dict):
            raise PostError("no front matter (a post starts with ---)")
    elif fmt == "hugo":
        return {}, text  # Hugo pages may have no front matter at all
    else:
        raise PostError("no front matter (a post starts with ---)")
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        raise PostError(f"front matter is a {type(meta).__name__}, not a mapping")
    return meta, body


def _load_toml(raw: str) -> Any:
    try:
        return tomllib.loads(raw)
    except tomllib.TOMLDecodeError as exc:
        raise PostError(f"TOML front matter: {exc}") from None


def _load_yaml(raw: str) -> Any:
    try:
        return yaml.load(raw, Loader=_YAML_LOADER)
    except yaml.YAMLError as exc:
        repaired = _requote(raw)
        if repaired != raw:
            try:
                return yaml.load(repaired, Loader=_YAML_LOADER)
            except yaml.YAMLError:
                pass
        reason = " ".join(str(exc).split())
        raise PostError(f"YAML front matter: {reason[:200]}") from None


def _requote(raw: str) -> str:
    """Re-quote ``key: "…"…"…"`` lines whose inner quotes were never escaped (the eastmoney titles)."""
    out = []
    for line in raw.splitlines():
        match = _QUOTED_LINE.match(line)
        if match:
            prefix, quote, inner = match.groups()
            unescaped = inner.replace(quote * 2, "") if quote == "'" else inner.replace('\\"', "")
            if quote in unescaped:
                inner = inner.replace("''", "'") if quote == "'" else inner
                line = prefix + json.dumps(inner, ensure_ascii=False)
        out.append(line)
    return "\n".join(out)


def _unwrap_template_guard(body: str) -> str:
    """Undo finews' own ``{% raw %}`` wrapper (Jekyll and Hexo Markdown posts holding ``{{``)."""
    stripped = body.strip()
    if stripped.startswith(_RAW_OPEN) and stripped.endswith(_RAW_CLOSE):
        inner = stripped[len(_RAW_OPEN) : -len(_RAW_CLOSE)]
        return inner.replace(_RAW_ESCAPED_CLOSE, "{% endraw %}")
    return body


def _lead_quote(body: str) -> tuple[str, str]:
    """A one-line ``> digest`` opening a Jekyll post is the article's summary, not its text."""
    head, _, rest = body.lstrip().partition("\n")
    if head.startswith(">") and (not rest or rest.startswith("\n") or not rest.strip()):
        # Markdown text: a character reference (finews writes &#123; for "{" against Liquid) is its character
        return unescape(head.lstrip("> ").strip()), rest
    return "", body


def _strip_trailer(body: str) -> tuple[str, str]:
    """Drop trailing back links and the bare ``<url>`` line; return the body and that URL."""
    lines = body.rstrip().split("\n")
    url = ""
    while lines and (not lines[-1].strip() or _BACK_LINKS.match(lines[-1].strip())):
        lines.pop()
    if lines and (match := _AUTOLINK.match(lines[-1].strip())):
        url = match.group(1)
        lines.pop()
    return "\n".join(lines).rstrip(), url


def post_article(
    meta: dict[str, Any], body: str, *, fmt: str, name: str, suffix: str, guid: str, source: str, zone: tzinfo
) -> Article | None:
    """The article of one front-matter post; None for a Hugo draft."""
    if fmt == "hugo" and meta.get("draft") in (True, "true", "yes"):
        return None
    summary = ""
    if fmt == "jekyll":
        summary, body = _lead_quote(body)
    body, trailing_url = _strip_trailer(body)
    body = _unwrap_template_guard(body)  # the guard wraps only the text, inside summary and trailer
    if fmt == "hexo":
        body = body.replace("&#123;", "{").replace("&#125;", "}")
    link = next((str(meta[k]).strip() for k in _LINK_KEYS if str(meta.get(k, "")).startswith("http")), "")
    link = link or trailing_url
    content = body.strip() if suffix in HTML_SUFFIXES or looks_like_html(body) else markdown_html(body)

    name_match = _JEKYLL_NAME.match(name.rsplit(".", 1)[0])
    published = next((d for k in ("date", "publishDate", "pubDate") if (d := to_datetime(meta.get(k), zone))), None)
    if published is None and name_match:
        year, month, day = (int(g) for g in name_match.groups()[:3])
        try:
            published = datetime(year, month, day, tzinfo=zone)  # Jekyll: a file name date is midnight local time
        except ValueError:
            published = None
    updated = next(
        (d for k in ("updated", "lastmod", "last_modified_at") if (d := to_datetime(meta.get(k), zone))), None
    )

    title = _text(meta.get("title"))
    if not title and fmt == "jekyll" and name_match:
        title = name_match.group(4).replace("-", " ")
    split = fmt == "jekyll"  # Jekyll reads `categories: a b` as two categories; Hexo and Hugo as one
    categories = labels(meta.get("categories") or meta.get("category"), split=split)
    categories += labels(meta.get("tags") or meta.get("tag"), split=split)
    image = next((labels(meta[k])[0] for k in _IMAGE_KEYS if labels(meta.get(k))), None)
    summary = summary or _text(meta.get("description") or meta.get("summary") or meta.get("excerpt"))
    return Article(
        source=source,
        url=link,
        title=title,
        guid=link or guid,
        author=_author(meta.get("author") or meta.get("authors")),
        published=published,
        updated=updated,
        categories=categories,
        summary=summary,
        content_html=content,
        image=image,
    )
