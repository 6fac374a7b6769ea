"""What a build keeps of each article for the next one, and the time stamps it writes."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from ..model import Article
from .incremental import digest

# What the last build kept of an unchanged article (a row of the build state), so the next build
# need not read it from the archive: the fields below, by position.
Cached = list
(
    C_ID,
    C_SLUG,
    C_TITLE,
    C_SOURCE,
    C_CATEGORY,
    C_CATEGORY_NAME,
    C_TIME,
    C_SUMMARY,
    C_LASTMOD,
    C_STORY,
    C_SORT,
    C_EXTRAS,
) = range(12)


def sort_key(article: Article) -> str:
    """The archive's sort_at (published, else fetched; naive UTC) as text that sorts like it."""
    when = article.published or article.fetched_at or datetime(1970, 1, 1, tzinfo=UTC)
    return naive_stamp(when.astimezone(UTC).replace(tzinfo=None) if when.tzinfo else when)


def naive_stamp(when: datetime) -> str:
    return when.isoformat(timespec="microseconds")


def stamp(when: datetime | None) -> str:
    return when.astimezone(UTC).isoformat(timespec="seconds") if when else ""


def extras(also: list[dict], badges: list[dict]) -> str:
    return digest(repr((also, badges))) if also or badges else ""


def raw_context(article_id: int, also: Mapping[int, list[Article]], mentions: Mapping[int, list] | None) -> str:
    """What the archive says of an article's other reports (url, title, source) and entities, as one string.

    Kept per article by every build, so the next one tells which old pages those changes reach.
    """
    reports = [(other.url, other.title, other.source) for other in also.get(article_id, [])]
    found = list((mentions or {}).get(article_id, []))
    return repr((reports, found)) if reports or found else ""
