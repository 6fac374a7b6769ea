"""The site's feeds: Atom, RSS 2.0 and JSON Feed 1.1 of the same entries, side by side in one folder."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime

from jinja2 import Environment
from markupsafe import escape

from ..config import SiteConfig
from ..model import Article

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
        base = site.base_url.rstrip("/")
        self.prefix = f"{base}/" if base else ""

    def write(self, folder: str, title: str, entries: Sequence[Entry], *, description: str = "") -> list[str]:
        """Write the three feeds of ``entries`` (newest first) into ``folder`` ("" or "x/y/"); their paths."""
        prefix = self.prefix
        # without a base URL, links stay relative to the feed file, so they resolve from its folder
        up = "" if prefix else "../" * folder.count("/")
        home = f"{prefix}{folder}" if prefix else "./"
        items = [
            {
                "title": e.title,
                "id": f"{prefix}{e.path}" if prefix else f"urn:finews:{e.slug}",
                "link": f"{prefix}{up}{e.path}",
                "url": e.url,
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
            "feed_id": f"{prefix}{folder}atom.xml" if prefix else f"urn:finews:feed:{folder}atom.xml",
            "html_url": home,
            "updated": updated.isoformat(timespec="seconds"),
            "updated_rfc822": format_datetime(updated),
            "entries": items,
        }
        written = []
        for name in ("atom.xml", "rss.xml"):
            xml = self.env.get_template(name).render(self_url=f"{prefix}{folder}{name}" if prefix else name, **context)
            self.write_file(f"{folder}{name}", xml)
            written.append(f"{folder}{name}")
        self.write_file(f"{folder}feed.json", _json_feed(context, f"{prefix}{folder}feed.json", bool(prefix)))
        written.append(f"{folder}feed.json")
        return written


def _json_feed(context: dict, feed_url: str, absolute: bool) -> str:
    feed: dict[str, object] = {
        "version": JSON_FEED_VERSION,
        "title": context["title"],
        "description": context["description"],
        "language": "zh-CN",
    }
    if absolute:  # the spec wants full URLs here; a relative one would mislead a reader
        feed["home_page_url"] = context["html_url"]
        feed["feed_url"] = feed_url
    feed["items"] = [
        {
            "id": e["id"],
            "url": e["link"],
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
    return json.dumps(feed, ensure_ascii=False, indent=1) + "\n"


def _paragraph(text: str) -> str:
    return f"<p>{escape(text)}</p>"
