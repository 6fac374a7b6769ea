"""Articles and source states to and from table rows: slugs, content hashes, times in naive UTC."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.engine import Row

from ..model import Annotation, Article, SourceState

_SLUG_PART = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,47}$")


def slug_candidates(article: Article) -> tuple[str, ...]:
    digest = hashlib.sha1(article.identity.encode("utf-8")).hexdigest()
    candidate = _url_id(article.url) or digest[:12]
    return (candidate, f"{candidate}-{digest[:8]}", digest[:20], digest)


def pick_slug(article: Article, taken: set[str]) -> str:
    """The article's own id from its URL when free, else longer and longer forms of its identity hash."""
    candidates = slug_candidates(article)
    return next((slug for slug in candidates if slug not in taken), candidates[-1])


def content_hash(article: Article) -> str:
    """What decides that a stored article changed: its visible text and dates, not fetch metadata."""
    parts = (article.title, article.summary, article.content_html, article.author or "", article.image or "")
    dates = (article.published.isoformat() if article.published else "",)
    return hashlib.sha256("\x1f".join((*parts, *dates)).encode("utf-8")).hexdigest()


def _url_id(url: str) -> str | None:
    """The article's own id when its URL ends in one (``/articles/1548116.htm`` → ``1548116``)."""
    try:
        path = urlsplit(url).path.rstrip("/")
    except ValueError:
        return None
    stem = path.rsplit("/", 1)[-1].split(".", 1)[0] if path else ""
    # eastmoney: "1797,202201052237118816" → keep the article number
    stem = stem.rsplit(",", 1)[-1]
    return stem if _SLUG_PART.match(stem) and any(c.isdigit() for c in stem) else None


def naive_utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value


def row_values(article: Article) -> dict[str, Any]:
    published = article.published
    shift = published.utcoffset() if published else None
    offset = int(shift.total_seconds() // 60) if shift else 0
    fetched = naive_utc(article.fetched_at) or datetime.now(UTC).replace(tzinfo=None)
    return {
        "source": article.source,
        "guid": article.guid,
        "url": article.url,
        "canonical_url": article.canonical_url or None,
        "title": article.title,
        "author": article.author,
        "summary": article.summary,
        "content_html": article.content_html,
        "content_markdown": article.content_markdown,
        "categories": json.dumps(article.categories, ensure_ascii=False),
        "annotations": json.dumps([asdict(a) for a in article.annotations], ensure_ascii=False),
        "image": article.image,
        "enclosure_url": article.enclosure_url,
        "enclosure_type": article.enclosure_type,
        "published_at": naive_utc(published),
        "utc_offset": offset if published else None,
        "updated_at": naive_utc(article.updated),
        "fetched_at": fetched,
        "sort_at": naive_utc(published) or fetched,
        "content_hash": article.content_hash,
        "fingerprint": article.fingerprint,
        "duplicate_of": None,
    }


def _aware(value: datetime | None, offset_minutes: int | None) -> datetime | None:
    if value is None:
        return None
    utc = value.replace(tzinfo=UTC)
    return utc.astimezone(timezone(timedelta(minutes=offset_minutes))) if offset_minutes else utc


def article_from_row(row: Row) -> Article:
    m = row._mapping
    return Article(
        id=m["id"],
        slug=m["slug"],
        source=m["source"],
        guid=m["guid"],
        url=m["url"],
        canonical_url=m["canonical_url"] or "",
        title=m["title"],
        author=m["author"],
        summary=m["summary"],
        content_html=m["content_html"],
        content_markdown=m["content_markdown"],
        categories=json.loads(m["categories"] or "[]"),
        annotations=[Annotation(**a) for a in json.loads(m["annotations"] or "[]")],
        image=m["image"],
        enclosure_url=m["enclosure_url"],
        enclosure_type=m["enclosure_type"],
        published=_aware(m["published_at"], m["utc_offset"]),
        updated=_aware(m["updated_at"], m["utc_offset"]),
        fetched_at=_aware(m["fetched_at"], None),
        content_hash=m["content_hash"],
        fingerprint=m["fingerprint"],
        duplicate_of=m["duplicate_of"],
        story_id=m["story_id"],
    )


def state_from_row(row: Row) -> SourceState:
    m = dict(row._mapping)
    for key in ("last_checked", "last_success", "next_check"):
        m[key] = m[key].replace(tzinfo=UTC) if m[key] else None
    return SourceState(**m)
