"""What the API answers, as Pydantic models: they are also its OpenAPI schema.

Every time is ISO 8601 in Beijing time, the site's display zone, with its offset written out:
``2022-01-05T15:11:39+08:00`` (never ``Z``, never without an offset). Times the archive keeps in
UTC or in a source's own zone are converted, so two times compare as text within one answer.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Generic, TypeVar

from pydantic import AfterValidator, BaseModel

from ..model import BEIJING, Article
from ..store.search import SearchHit

T = TypeVar("T")


def in_display_zone(value: datetime) -> datetime:
    """``value`` in Beijing time; a time without a zone is the archive's UTC."""
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(BEIJING)


Instant = Annotated[datetime, AfterValidator(in_display_zone)]


class Paged(BaseModel, Generic[T]):
    page: int
    per_page: int
    total: int
    items: list[T]


class ArticleBrief(BaseModel):
    id: int
    title: str
    url: str
    source: str
    published: Instant | None
    summary: str
    categories: list[str]
    story_id: int | None

    @classmethod
    def of(cls, a: Article) -> ArticleBrief:
        return cls(id=a.id or 0, title=a.title, url=a.url, source=a.source, published=a.published,
                   summary=a.summary, categories=a.categories, story_id=a.story_id)  # fmt: skip


class Report(BaseModel):
    id: int
    title: str
    url: str
    source: str
    published: Instant | None


class Mention(BaseModel):
    kind: str
    key: str
    name: str
    text: str
    field: str
    start: int
    end: int
    confidence: float
    role: str
    org: str


class ArticleFull(ArticleBrief):
    author: str | None
    updated: Instant | None
    image: str | None
    content_html: str
    duplicate_of: int | None
    mentions: list[Mention]
    also_reported: list[Report]

    @classmethod
    def full(cls, a: Article, mentions: list[dict[str, Any]], also: list[Article]) -> ArticleFull:
        reports = [Report(id=o.id or 0, title=o.title, url=o.url, source=o.source, published=o.published) for o in also]
        return cls(**ArticleBrief.of(a).model_dump(), author=a.author, updated=a.updated, image=a.image,
                   content_html=a.content_html, duplicate_of=a.duplicate_of,
                   mentions=[Mention(**m) for m in mentions], also_reported=reports)  # fmt: skip


class Hit(BaseModel):
    article: ArticleBrief
    score: float
    snippet: str  # HTML: escaped text with <mark> around the matched words

    @classmethod
    def of(cls, hit: SearchHit) -> Hit:
        return cls(article=ArticleBrief.of(hit.article), score=hit.score, snippet=hit.snippet)


class SearchPage(Paged[Hit]):
    query: str
    reason: str = ""  # why nothing was searched for: a query of one CJK character, or of punctuation only


class Source(BaseModel):
    name: str
    title: str
    type: str
    url: str
    enabled: bool  # in finews.toml
    disabled_by_admin: bool  # switched off through the API (see finews.web.flags)
    interval: int
    articles: int
    last_checked: Instant | None
    last_success: Instant | None
    last_error: str | None
    consecutive_failures: int
    last_new: int
    last_updated: int
    next_check: Instant | None


class Member(BaseModel):
    id: int
    title: str
    source: str
    duplicate_of: int | None


class Story(BaseModel):
    id: int
    title: str
    size: int
    first_at: Instant | None
    last_at: Instant | None
    thread_id: int | None = None  # its storyline: the id of the storyline's first story
    members: list[Member]


class Entity(BaseModel):
    kind: str
    key: str
    name: str
    mentions: int
    articles: int


class MoveReport(BaseModel):
    article_id: int
    url: str
    title: str


class Move(BaseModel):
    id: int
    person: str
    org_key: str
    org: str
    role: str
    unit: str
    when: str | None
    when_text: str
    destination: str
    evidence: str
    confidence: float
    reports: list[MoveReport]


class SourceFlag(BaseModel):
    name: str
    enabled: bool
    disabled_by_admin: bool


class FetchResult(BaseModel):
    name: str
    ok: bool
    not_modified: bool
    found: int
    added: int
    updated: int
    unchanged: int
    duplicates: int
    linked: int
    skipped: int
    skip_reasons: dict[str, int]  # why items were left out ("no 'url_w'") → how many
    warnings: list[str]  # what was wrong with the source's answer (a truncated feed)
    full_text_failed: list[str]
    error: str | None
    next_check: Instant | None
    summary: str
