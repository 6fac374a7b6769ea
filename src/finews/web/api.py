"""The read side of the JSON API: articles, search, sources, stories, entities, executive moves."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request

from ..config import Config, flags
from ..health import due_at
from ..model import BEIJING, SourceState
from ..redact import public_text, public_url
from ..store import SQLArchive, queries
from ..store.search import SearchFilters
from .auth import AdminView
from .ratelimit import retry_after
from .schemas import ArticleBrief, ArticleFull, Entity, Hit, Move, Paged, SearchPage, Source, Story

MAX_ID = 2**63 - 1  # SQLite's integers: a larger id names nothing
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No such item"}}

router = APIRouter(prefix="/api")


def archive(request: Request) -> SQLArchive:
    return request.app.state.desk.archive()


def config(request: Request) -> Config:
    return request.app.state.desk.config


def config_since(request: Request) -> datetime:
    return request.app.state.desk.config_since


ArchiveDep = Annotated[SQLArchive, Depends(archive)]
ConfigDep = Annotated[Config, Depends(config)]
ConfigSince = Annotated[datetime | None, Depends(config_since)]


class Paging:
    def __init__(
        self,
        page: Annotated[int, Query(ge=1, description="1 is the first; past the end is an empty page")] = 1,
        per_page: Annotated[int, Query(ge=1, le=100)] = 20,
    ) -> None:
        self.page, self.per_page = page, per_page
        self.offset = (page - 1) * per_page

    def of(self, total: int, items: list) -> dict:
        return {"page": self.page, "per_page": self.per_page, "total": total, "items": items}


PagingDep = Annotated[Paging, Depends()]
When = Annotated[datetime | None, Query(description="ISO date or time; without a zone, Beijing time")]


def _local(value: datetime | None) -> datetime | None:
    """Dates without a zone are Beijing dates, like the articles' (and the command line's)."""
    return value.replace(tzinfo=BEIJING) if value and value.tzinfo is None else value


def _known_id(value: int) -> int:
    if not 0 < value <= MAX_ID:
        raise HTTPException(404, f"no item {value}")
    return value


@router.get("/articles", response_model=Paged[ArticleBrief], summary="Published articles, newest first")
def list_articles(
    db: ArchiveDep, paging: PagingDep, source: str | None = None, category: str | None = None,
    since: When = None, until: When = None,
) -> dict:  # fmt: skip
    filters = queries.ArticleFilter(source=source, category=category, since=_local(since), until=_local(until))
    found = queries.page_articles(db.engine, filters, limit=paging.per_page, offset=paging.offset)
    return paging.of(found.total, [ArticleBrief.of(a) for a in found.items])


@router.get("/articles/{article_id}", response_model=ArticleFull, responses=NOT_FOUND)
def get_article(db: ArchiveDep, article_id: int) -> ArticleFull:
    article = db.get(_known_id(article_id))
    if article is None:
        raise HTTPException(404, f"no article {article_id}")
    mentions = queries.article_mentions(db.engine, article_id)
    return ArticleFull.full(article, mentions, queries.linked_reports(db.engine, article))


def _search_allowance(request: Request) -> None:
    limiter = request.app.state.search_limiter
    wait = limiter.take(request.client.host if request.client else "-")
    if wait:
        raise HTTPException(429, "too many searches from this address; try again shortly",
                            headers={"Retry-After": retry_after(wait)})  # fmt: skip


@router.get(
    "/search", response_model=SearchPage, summary="Full-text search, best first",
    dependencies=[Depends(_search_allowance)],
)  # fmt: skip
def search(
    db: ArchiveDep, paging: PagingDep,
    q: Annotated[str, Query(min_length=1, max_length=1000, description="words; nothing is query syntax")],
    source: str | None = None, category: str | None = None, since: When = None, until: When = None,
    ticker: str | None = None, person: str | None = None,
) -> dict:  # fmt: skip
    filters = SearchFilters(source=source, category=category, since=_local(since), until=_local(until),
                            ticker=ticker, person=person)  # fmt: skip
    found = db.search(q, filters, limit=paging.per_page, offset=paging.offset)
    return {**paging.of(found.total, [Hit.of(h) for h in found.hits]), "query": q, "reason": found.reason}


@router.get(
    "/sources", response_model=list[Source], summary="Configured sources and their health",
    description="Source URLs (and URLs in errors) lose their user, password and query string unless the "
    "request carries the admin bearer token.",
)  # fmt: skip
def list_sources(
    db: ArchiveDep, cfg: ConfigDep, admin: AdminView = False, config_since: ConfigSince = None
) -> list[Source]:
    states = {s.name: s for s in db.source_states()}
    counts = queries.source_counts(db.engine)
    off = flags.disabled_sources(cfg)
    out = []
    for s in cfg.sources:
        state = states.get(s.name) or SourceState(s.name)
        out.append(
            Source(
                name=s.name, title=s.title, type=s.type, url=s.url if admin else public_url(s.url),
                enabled=s.enabled, disabled_by_admin=s.name in off, interval=s.interval,
                articles=counts.get(s.name, 0), last_checked=state.last_checked, last_success=state.last_success,
                last_error=_error_shown(state.last_error, admin),
                consecutive_failures=state.consecutive_failures, last_new=state.last_new,
                last_updated=state.last_updated, next_check=due_at(s, state, config_since=config_since),
            )
        )  # fmt: skip
    return out


def _error_shown(error: str | None, admin: bool) -> str | None:
    """A fetch error names its URL: strangers see it without credentials and query, like the source's own."""
    return error if admin or not error else public_text(error)


def _story(row: dict) -> Story:
    return Story(**row)  # the archive's naive times are UTC: Story's fields say so and convert


@router.get("/stories", response_model=Paged[Story], summary="Stories, largest (or most recent) first")
def list_stories(db: ArchiveDep, paging: PagingDep, sort: Literal["size", "recent"] = "size") -> dict:
    found = queries.page_stories(db.engine, limit=paging.per_page, offset=paging.offset, by=sort)
    return paging.of(found.total, [_story(row) for row in found.items])


@router.get("/stories/{story_id}", response_model=Story, responses=NOT_FOUND)
def get_story(db: ArchiveDep, story_id: int) -> Story:
    row = queries.get_story(db.engine, _known_id(story_id))
    if row is None:
        raise HTTPException(404, f"no story {story_id}")
    return _story(row)


Kind = Literal["company", "person"]


@router.get("/entities", response_model=Paged[Entity], summary="Companies and people by confident mentions")
def list_entities(db: ArchiveDep, paging: PagingDep, kind: Kind | None = None) -> dict:
    found = queries.page_entities(db.engine, kind=kind, limit=paging.per_page, offset=paging.offset)
    return paging.of(found.total, found.items)


@router.get("/entities/{key}/articles", response_model=Paged[ArticleBrief], summary="Articles mentioning an entity")
def entity_articles(db: ArchiveDep, paging: PagingDep, key: str, kind: Kind | None = None) -> dict:
    found = queries.entity_articles(db.engine, key, kind=kind, limit=paging.per_page, offset=paging.offset)
    return paging.of(found.total, [ArticleBrief.of(a) for a in found.items])


@router.get("/events", response_model=Paged[Move], summary="Executive moves, most recent first")
def list_events(db: ArchiveDep, paging: PagingDep) -> dict:
    moves = db.moves()
    return paging.of(len(moves), moves[paging.offset : paging.offset + paging.per_page])
