"""The site's feeds: Atom, RSS 2.0 and JSON Feed 1.1 of the same entries, side by side in one folder."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime

from jinja2 import Environment
from markupsafe import escape

from ..chars import legal_chars
from ..config import SiteConfig
from ..extract.clean import valid_url
from ..model import Article
from .paths import base_prefix, site_url

FEED_FILES = ("atom.xml", "rss.xml", "feed.json")
JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Entry:
    """What a feed needs of an article; ``content`` is "" for the ones past the content budget."""

    path: str  # of its page, from the site root: a/<slug>.html
    slug: str
    title: str
    url: str
    published: datetime
    updated: datetime
    author: str
    categories: tuple[str, ...]
    summary: str
    content: str


def make_entry(article: Article, slug: str, author: str, *, content: bool) -> Entry:
    published = article.published or article.fetched_at or EPOCH
    return Entry(
        path=f"a/{slug}.html",
        slug=slug,
        title=article.title,
        url=article.url,
        published=published,
        updated=article.updated or published,
        author=article.author or author,
        categories=tuple(article.categories),
        summary=article.summary,
        content=article.content_html if content else "",
    )


class FeedWriter:
    def __init__(self, env: Environment, write: Callable[[str, str], object], site: SiteConfig) -> None:
        self.env = env
        self.write_file = write  # (path in the site, text): the build's writer, which skips unchanged files
        self.site = site
        self.prefix = base_prefix(site.base_url)

    def write(self, folder: str, title: str, entries: Sequence[Entry], *, description: str = "") -> list[str]:
        """Write the three feeds of ``entries`` (newest first) into ``folder`` ("" or "x/y/"); their paths."""
        prefix = self.prefix
        # Without a base URL, Atom's links (IRI references) stay relative to the feed file, so they
        # resolve from its folder; RSS and JSON Feed want absolute links, which are then left out.
        up = "" if prefix else "../" * folder.count("/")
        items = [
            {
                "title": e.title,
                "id": site_url(e.path, prefix) if prefix else site_url(e.slug, "urn:finews:"),
                "link": site_url(up + e.path, prefix),
                "url": valid_url(e.url) if e.url else "",
                "published": e.published.isoformat(timespec="seconds"),
                "updated": e.updated.isoformat(timespec="seconds"),
                "rfc822": format_datetime(e.published),
                "author": e.author,
                "categories": e.categories,
                "summary": e.summary,
                # a feed reader shows the digest when the full text was not kept for this entry
                "content": e.content or _paragraph(e.summary or e.title),
            }
            for e in entries
        ]
        updated = max((e.updated for e in entries), default=EPOCH)
        context = {
            "title": title,
            "description": description or self.site.description,
            "feed_id": site_url(f"{folder}atom.xml", prefix or "urn:finews:feed:"),
            "html_url": site_url(folder, prefix) if prefix else "./",
            "absolute": bool(prefix),
            "updated": updated.isoformat(timespec="seconds"),
            "updated_rfc822": format_datetime(updated),
            "entries": items,
        }
        written = []
        for name in ("atom.xml", "rss.xml"):
            xml = self.env.get_template(name).render(self_url=site_url(f"{folder}{name}", prefix), **context)
            self.write_file(f"{folder}{name}", legal_chars(xml))
            written.append(f"{folder}{name}")
        self.write_file(f"{folder}feed.json", _json_feed(context, site_url(f"{folder}feed.json", prefix)))
        written.append(f"{folder}feed.json")
        return written


def _json_feed(context: dict, feed_url: str) -> str:
    feed: dict[str, object] = {
        "version": JSON_FEED_VERSION,
        "title": context["title"],
        "description": context["description"],
        "language": "zh-CN",
    }
    absolute = context["absolute"]
    if absolute:  # the spec wants full URLs here; a relative one would mislead a reader
        feed["home_page_url"] = context["html_url"]
        feed["feed_url"] = feed_url
    feed["items"] = [
        {
            "id": e["id"],
            **({"url": e["link"]} if absolute else {}),
            **({"external_url": e["url"]} if e["url"] else {}),
            "title": e["title"],
            "content_html": e["content"],
            **({"summary": e["summary"]} if e["summary"] else {}),
            "date_published": e["published"],
            "date_modified": e["updated"],
            "authors": [{"name": e["author"]}],
            **({"tags": list(e["categories"])} if e["categories"] else {}),
        }
        for e in context["entries"]
    ]
    # JSON would escape a NUL as \u0000, valid JSON but a NUL again in the reader's HTML: drop it first
    return json.dumps(_legal(feed), ensure_ascii=False, indent=1) + "\n"


def _legal(value: object) -> object:
    if isinstance(value, str):
        return legal_chars(value)
    if isinstance(value, dict):
        return {key: _legal(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_legal(item) for item in value]
    return value


def _paragraph(text: str) -> str:
    return f"<p>{escape(text)}</p>"
