"""Feed sources: RSS 0.9x/1.0/2.0 and Atom through feedparser, JSON Feed 1.0/1.1 from its spec."""

from __future__ import annotations

import json
import re
from calendar import timegm
from datetime import UTC, datetime
from html import escape
from typing import TYPE_CHECKING, Any
from xml.sax import SAXParseException

import feedparser

from ..config import SourceConfig
from ..errors import ParseError
from ..extract.dates import parse_date
from ..model import Article, SourceState
from .base import Collected, Read, fetch_for

if TYPE_CHECKING:
    from ..fetch.client import Fetcher, Response

_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
_ENTRY_END = re.compile(r"</(?:[\w.-]+:)?(?:item|entry)\s*>", re.I)  # RSS and RDF items, Atom entries
_ROOT_END = re.compile(r"</(?:[\w.-]+:)?(?:rss|feed|rdf)\s*>\s*$", re.I)


class FeedSource:
    """A single feed URL; conditional GET makes an unchanged feed cost one 304."""

    def __init__(self, config: SourceConfig) -> None:
        self.config = config

    def collect(self, fetcher: Fetcher, state: SourceState) -> Collected:
        response = fetch_for(self.config, fetcher, self.config.url, state)
        if response.not_modified:
            return Collected.answer(response)
        try:
            read, ttl = read_feed(response, self.config.name)
        except ParseError as exc:  # say which document, as fetch errors do
            raise ParseError(f"{response.url}: {exc}") from None
        return Collected.answer(response, ttl=ttl, read=read)


def parse_feed(response: Response, source: str) -> list[Article]:
    """Articles of a fetched feed document, whatever its flavour; :class:`ParseError` if it is none."""
    return read_feed(response, source)[0].articles


def read_feed(response: Response, source: str) -> tuple[Read, float | None]:
    """The articles (and what was left out, and why), and the seconds the feed's ``<ttl>`` asks to wait."""
    text = response.text()
    stripped = text.lstrip("\ufeff \t\r\n")
    if stripped.startswith("{") or "json" in response.headers.get("content-type", ""):
        return Read(articles=parse_json_feed(stripped, source, base_url=response.url)), None
    parsed = _feedparse(text, base_url=response.url)
    ttl = str(parsed.feed.get("ttl", "")).strip()
    return _read_entries(parsed, text, source), (int(ttl) * 60 if ttl.isdigit() else None)


def parse_xml_feed(text: str, source: str, *, base_url: str = "") -> list[Article]:
    return read_xml_feed(text, source, base_url=base_url).articles


def read_xml_feed(text: str, source: str, *, base_url: str = "") -> Read:
    return _read_entries(_feedparse(text, base_url=base_url), text, source)


def _read_entries(parsed: Any, text: str, source: str) -> Read:
    """The complete entries as articles; an entry the document breaks off inside is left out and said so.

    On a document that is not well-formed feedparser falls back to its lenient parser, which still
    hands back the entry cut off by a truncated download, with an empty body.
    """
    entries = list(parsed.entries)
    read = Read()
    fault = parsed.get("bozo_exception") if parsed.get("bozo") else None
    if isinstance(fault, SAXParseException):
        where = f"line {fault.getLineNumber()}"
        closed = len(_ENTRY_END.findall(text))
        if closed < len(entries):  # the last entries never closed: their text is cut
            for _ in entries[closed:]:
                read.skip(f"cut off at {where}")
            entries = entries[:closed]
        cause = _short(fault.getMessage())
        if _ROOT_END.search(text[-200:]):
            read.warnings.append(f"feed not well-formed at {where} ({cause}): read leniently")
        else:
            read.warnings.append(f"feed truncated at {where} ({cause}): {len(entries)} complete entries kept")
    for entry in entries:
        article = _from_entry(entry, source)
        if article.url or article.guid:
            read.articles.append(article)
        else:
            read.skip("no link or guid")
    return read


def _feedparse(text: str, *, base_url: str = "") -> Any:
    # The text is already decoded (GB2312 read as GB18030 ...): hand feedparser UTF-8 and say so,
    # or it would trust the document's own, possibly wrong, declaration.
    body = _XML_DECL.sub('<?xml version="1.0" encoding="utf-8"?>', text, count=1).encode("utf-8")
    parsed = feedparser.parse(
        body,
        response_headers={"content-type": "application/xml; charset=utf-8", "content-location": base_url},
        sanitize_html=False,  # nh3 sanitizes later; feedparser's pass would strip data-* and style we read first
        resolve_relative_uris=True,
    )
    if not parsed.entries and (parsed.bozo or not parsed.get("version")):
        cause = parsed.get("bozo_exception") or "no RSS, Atom or RDF root element"
        raise ParseError(f"not a feed: {_short(cause)}")
    return parsed


def _from_entry(entry: Any, source: str) -> Article:
    guid = entry.get("id") or None
    link = entry.get("link") or (guid if guid and guid.startswith(("http://", "https://")) else "")
    contents = entry.get("content") or []
    content = max((c.get("value", "") for c in contents), key=len, default="")
    summary = entry.get("summary", "") or ""
    if not content:
        content, summary = summary, ""
    elif _same_text(summary, content):
        summary = ""
    image, enclosure_url, enclosure_type = _media(entry)
    return Article(
        source=source,
        url=link,
        title=entry.get("title", "") or "",
        guid=guid,
        author=entry.get("author") or None,
        # a date the parser reads is kept as written, for extract to parse with its zone (see model.Article)
        published=_entry_date(entry, "published") or _entry_date(entry, "created") or _entry_date(entry, "updated"),  # type: ignore[arg-type]
        updated=_entry_date(entry, "updated"),  # type: ignore[arg-type]  # as written, as published is
        categories=[t.get("term") or t.get("label") or "" for t in entry.get("tags", [])],
        summary=summary,
        content_html=content,
        image=image,
        enclosure_url=enclosure_url,
        enclosure_type=enclosure_type,
    )


def _entry_date(entry: Any, name: str) -> datetime | str | None:
    # Our parser sees the raw string and so knows when a zone is missing; feedparser would call it UTC.
    # dict.get: FeedParserDict.get would map "published" to "updated" with a deprecation warning
    raw = dict.get(entry, name)
    if raw and parse_date(raw) is not None:
        return raw
    parsed = dict.get(entry, f"{name}_parsed")
    if parsed:
        try:
            return datetime.fromtimestamp(timegm(parsed), UTC)
        except (ValueError, OverflowError):  # feedparser keeps year 0 or 10000, which datetime cannot hold
            return None
    return None


def _media(entry: Any) -> tuple[str | None, str | None, str | None]:
    image = None
    for media in (*entry.get("media_thumbnail", []), *entry.get("media_content", [])):
        url = media.get("url")
        if url and (media.get("medium", "image") == "image" or "image" in media.get("type", "image")):
            image = url
            break
    enclosure_url = enclosure_type = None
    for enc in entry.get("enclosures", []):
        href = enc.get("href")
        if not href:
            continue
        enclosure_url, enclosure_type = href, enc.get("type") or None
        if not image and (enclosure_type or "").startswith("image/"):
            image = href
        break
    return image, enclosure_url, enclosure_type


def parse_json_feed(text: str, source: str, *, base_url: str = "") -> list[Article]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ParseError(f"not a feed: invalid JSON ({exc})") from None
    except RecursionError:  # [[[[...]]]] a hundred thousand deep
        raise ParseError("not a feed: JSON nested too deeply") from None
    version = data.get("version", "") if isinstance(data, dict) else ""
    if not isinstance(data, dict) or "jsonfeed.org" not in str(version) or not isinstance(data.get("items"), list):
        raise ParseError("not a feed: JSON without a JSON Feed 'version' and 'items'")
    feed_author = _json_author(data)
    articles = []
    for item in data["items"]:
        if not isinstance(item, dict):
            continue
        content = item.get("content_html") or _text_to_html(item.get("content_text"))
        summary = item.get("summary") or ""
        attachment = next((a for a in item.get("attachments") or [] if isinstance(a, dict) and a.get("url")), {})
        item_id = item.get("id")
        articles.append(
            Article(
                source=source,
                url=str(item.get("url") or item.get("external_url") or ""),
                title=str(item.get("title") or ""),
                guid=str(item_id) if item_id is not None else None,
                author=_json_author(item) or feed_author,
                published=item.get("date_published"),
                updated=item.get("date_modified"),
                categories=[str(t) for t in item.get("tags") or [] if t],
                summary="" if _same_text(summary, content) else str(summary),
                content_html=str(content or ""),
                image=item.get("image") or item.get("banner_image") or None,
                enclosure_url=attachment.get("url"),
                enclosure_type=attachment.get("mime_type"),
            )
        )
    return articles


def _json_author(obj: dict) -> str | None:
    authors = obj.get("authors") or ([obj["author"]] if isinstance(obj.get("author"), dict) else [])
    names = [name for a in authors if isinstance(a, dict) and (name := a.get("name"))]
    return ", ".join(names) or None


def _text_to_html(text: Any) -> str:
    if not text:
        return ""
    return "".join(f"<p>{escape(p.strip())}</p>" for p in str(text).split("\n\n") if p.strip())


def _same_text(a: str, b: str) -> bool:
    squash = re.compile(r"<[^>]+>|\s+")
    return bool(a) and squash.sub("", a) == squash.sub("", b)


def _short(cause: object) -> str:
    text = str(cause).strip().splitlines()[0] if str(cause).strip() else type(cause).__name__
    return text[:200]


def article_from_item(item: dict[str, Any], source: str) -> Article:
    """An article from an RSS item already turned into a mapping (dumps, archives, JSON item lists).

    Keys are RSS's own: ``title``, ``link``, ``guid``, ``pubDate``, ``description``, ``author``,
    ``category`` (string or list), optional ``content`` for the full text.
    """
    categories = item.get("category") or item.get("categories") or []
    description = str(item.get("description") or "")
    content = str(item.get("content") or "")
    return Article(
        source=source,
        url=str(item.get("link") or ""),
        title=str(item.get("title") or ""),
        guid=str(item["guid"]) if item.get("guid") else None,
        author=str(item["author"]) if item.get("author") else None,
        published=item.get("pubDate") or item.get("published"),
        categories=[categories] if isinstance(categories, str) else [str(c) for c in categories],
        summary=description if content and not _same_text(description, content) else "",
        content_html=content or description,
    )
