"""The one record that flows through every stage: sources → fetch → extract → enrich → store → publish."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

BEIJING = timezone(timedelta(hours=8), "Asia/Shanghai")


@dataclass
class Annotation:
    """A span of text the source itself linked to an entity (a stock quote link, a company page)."""

    text: str
    kind: str  # "stock" | "company" | "topic"
    code: str  # the source's own code: "116.09988", "106.BABA", a 36kr project name
    url: str = ""


@dataclass
class Article:
    """One news item.

    Sources fill the raw fields (``content_html`` as the source gave it, naive or aware dates);
    ``extract`` cleans them in place; ``store`` assigns ``id`` and ``slug``.
    """

    source: str  # key of the source that produced it
    url: str
    title: str
    guid: str | None = None
    canonical_url: str = ""
    author: str | None = None
    published: datetime | None = None  # always timezone-aware once extracted
    updated: datetime | None = None
    categories: list[str] = field(default_factory=list)
    summary: str = ""  # plain-text digest
    content_html: str = ""  # sanitized HTML after extract
    content_markdown: str = ""
    image: str | None = None  # first image or enclosure image
    enclosure_url: str | None = None
    enclosure_type: str | None = None
    annotations: list[Annotation] = field(default_factory=list)
    # set by enrich (near-duplicate detection), read by the archive when saving
    fingerprint: bytes | None = None
    replaces: str | None = None  # identity of this source's earlier version (retitled, reworded): update it
    repeats: str | None = None  # identity of another source's report of the same text: link to it
    # set by the archive
    id: int | None = None
    slug: str | None = None
    content_hash: str = ""
    fetched_at: datetime | None = None
    duplicate_of: int | None = None  # id of the first report; such an article is never published on its own
    story_id: int | None = None

    @property
    def identity(self) -> str:
        """What makes two items the same article: canonical URL, else the source's guid."""
        return self.canonical_url or f"guid:{self.source}:{self.guid}"


@dataclass
class SourceState:
    """What the archive remembers about one source between runs."""

    name: str
    etag: str | None = None
    last_modified: str | None = None
    last_checked: datetime | None = None
    last_success: datetime | None = None
    last_error: str | None = None
    consecutive_failures: int = 0
    last_new: int = 0  # articles added by the last successful check
    last_updated: int = 0  # articles changed by the last successful check
    next_check: datetime | None = None  # not before: interval, server's max-age/ttl/Retry-After, or backoff


@dataclass
class SaveResult:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicates: int = 0  # already archived from another source; the first source keeps it
    linked: int = 0  # of the added: near-duplicates of another source's report, kept as "also reported by"
    changed: list[Article] = field(default_factory=list)  # added or updated, with their ids

    def __iadd__(self, other: SaveResult) -> SaveResult:
        self.added += other.added
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.duplicates += other.duplicates
        self.linked += other.linked
        self.changed += other.changed
        return self
