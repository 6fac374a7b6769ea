"""Read-only views of the archive for the web API: pages of articles, stories, entities, mentions.

Each function takes an Engine and runs portable SQLAlchemy Core, like :mod:`.sql`. Pages count
first and skip the row query when the offset is past the end, so any page number is cheap and
no offset ever reaches the database unbounded.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, Select, case, distinct, func, literal, or_, select
from sqlalchemy.sql.elements import ColumnElement

from ..model import Article
from .rows import article_from_row, naive_utc
from .schema import articles, mentions, stories

CONFIDENT = 0.6  # below this a mention is a guess (a pattern on an unknown name), not an entity
MEMBERS_SHOWN = 20  # story members listed per story on a page of stories; a story's own view lists all
_LIKE_ESCAPE = "\\"


@dataclass
class Page:
    total: int
    items: list[Any] = field(default_factory=list)


@dataclass(frozen=True)
class ArticleFilter:
    source: str | None = None
    category: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def _category_clause(category: str) -> ColumnElement[bool]:
    # categories is a JSON list in a text column: matching its quoted element works on any database
    quoted = json.dumps(category, ensure_ascii=False)
    escaped = quoted.replace(_LIKE_ESCAPE, _LIKE_ESCAPE * 2).replace("%", "\\%").replace("_", "\\_")
    return articles.c.categories.like(f"%{escaped}%", escape=_LIKE_ESCAPE)


def _where(query: Select, filters: ArticleFilter) -> Select:
    query = query.where(articles.c.duplicate_of.is_(None))
    if filters.source:
        query = query.where(articles.c.source == filters.source)
    if filters.category:
        query = query.where(_category_clause(filters.category))
    if filters.since:
        query = query.where(articles.c.sort_at >= naive_utc(filters.since))
    if filters.until:
        query = query.where(articles.c.sort_at < naive_utc(filters.until))
    return query


def _paged(engine: Engine, rows: Select, count: Select, limit: int, offset: int) -> Page:
    with engine.connect() as conn:
        total = int(conn.execute(count).scalar_one())
        if offset >= total or limit <= 0:
            return Page(total)
        found = conn.execute(rows.limit(limit).offset(offset)).all()
    return Page(total, [article_from_row(r) for r in found])


_NEWEST = (articles.c.sort_at.desc(), articles.c.id.desc())


def page_articles(engine: Engine, filters: ArticleFilter, *, limit: int, offset: int) -> Page:
    """Published (not linked) articles, newest first."""
    rows = _where(select(articles), filters).order_by(*_NEWEST)
    count = _where(select(func.count()).select_from(articles), filters)
    return _paged(engine, rows, count, limit, offset)


def source_counts(engine: Engine) -> dict[str, int]:
    """Stored articles per source, in one query."""
    query = select(articles.c.source, func.count()).group_by(articles.c.source)
    with engine.connect() as conn:
        return {source: int(n) for source, n in conn.execute(query)}


def linked_reports(engine: Engine, article: Article) -> list[Article]:
    """The other reports of the same text: its first report and that report's other links, oldest first."""
    if article.id is None:
        return []
    root = article.duplicate_of or article.id
    query = (
        select(articles)
        .where(or_(articles.c.id == root, articles.c.duplicate_of == root), articles.c.id != article.id)
        .order_by(articles.c.sort_at, articles.c.id)
    )
    with engine.connect() as conn:
        return [article_from_row(r) for r in conn.execute(query)]


def article_mentions(engine: Engine, article_id: int, *, min_confidence: float = CONFIDENT) -> list[dict[str, Any]]:
    """The confident companies and people found in one article, in reading order per field."""
    query = (
        select(
            mentions.c.kind, mentions.c.key, mentions.c.name, mentions.c.text, mentions.c.field,
            mentions.c.start, mentions.c.end, mentions.c.confidence, mentions.c.role, mentions.c.org,
        )
        .where(mentions.c.article_id == article_id, mentions.c.confidence >= min_confidence)
        .order_by(mentions.c.field, mentions.c.start)
    )  # fmt: skip
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(query)]


def _story_members(engine: Engine, story_ids: Sequence[int], per_story: int | None) -> dict[int, list[dict]]:
    if not story_ids:
        return {}
    query = (
        select(articles.c.id, articles.c.title, articles.c.source, articles.c.story_id, articles.c.duplicate_of)
        .where(articles.c.story_id.in_(list(story_ids)))
        .order_by(articles.c.sort_at.desc(), articles.c.id.desc())
    )
    members: dict[int, list[dict]] = {}
    with engine.connect() as conn:
        for r in conn.execute(query):
            listed = members.setdefault(r.story_id, [])
            if per_story is None or len(listed) < per_story:
                listed.append({"id": r.id, "title": r.title, "source": r.source, "duplicate_of": r.duplicate_of})
    return members


_STORY_COLUMNS = (
    stories.c.id, stories.c.title, stories.c.size, stories.c.first_at, stories.c.last_at, stories.c.thread_id,
)  # fmt: skip


def page_stories(engine: Engine, *, limit: int, offset: int, by: str = "size") -> Page:
    """Stories with their newest members; ``by`` "size" (largest first) or "recent" (last report first)."""
    recent = (stories.c.last_at.desc().nulls_last(), stories.c.id.desc())
    order = recent if by == "recent" else (stories.c.size.desc(), *recent)
    with engine.connect() as conn:
        total = int(conn.execute(select(func.count()).select_from(stories)).scalar_one())
        if offset >= total or limit <= 0:
            return Page(total)
        rows = conn.execute(select(*_STORY_COLUMNS).order_by(*order).limit(limit).offset(offset)).all()
    members = _story_members(engine, [r.id for r in rows], MEMBERS_SHOWN)
    return Page(total, [{**r._mapping, "members": members.get(r.id, [])} for r in rows])


def get_story(engine: Engine, story_id: int) -> dict[str, Any] | None:
    with engine.connect() as conn:
        row = conn.execute(select(*_STORY_COLUMNS).where(stories.c.id == story_id)).first()
    if row is None:
        return None
    return {**row._mapping, "members": _story_members(engine, [story_id], None).get(story_id, [])}


def _confident(kind: str | None, min_confidence: float) -> list[ColumnElement[bool]]:
    clauses = [mentions.c.confidence >= min_confidence, articles.c.duplicate_of.is_(None)]
    if kind:
        clauses.append(mentions.c.kind == kind)
    return clauses


def page_entities(
    engine: Engine, *, kind: str | None = None, limit: int, offset: int, min_confidence: float = CONFIDENT
) -> Page:
    """Companies and people by how often published articles mention them with confidence."""
    joined = mentions.join(articles, articles.c.id == mentions.c.article_id)
    where = _confident(kind, min_confidence)
    keys = select(mentions.c.kind, mentions.c.key).select_from(joined).where(*where).distinct().subquery()
    count = select(func.count()).select_from(keys)
    n = func.count().label("mentions")
    query = (
        select(
            mentions.c.kind, mentions.c.key, func.max(mentions.c.name).label("name"), n,
            func.count(distinct(mentions.c.article_id)).label("articles"),
        )
        .select_from(joined)
        .where(*where)
        .group_by(mentions.c.kind, mentions.c.key)
        .order_by(n.desc(), mentions.c.kind, mentions.c.key)
    )  # fmt: skip
    with engine.connect() as conn:
        total = int(conn.execute(count).scalar_one())
        if offset >= total or limit <= 0:
            return Page(total)
        return Page(total, [dict(r._mapping) for r in conn.execute(query.limit(limit).offset(offset))])


def entity_articles(
    engine: Engine, key: str, *, kind: str | None = None, limit: int, offset: int, min_confidence: float = CONFIDENT
) -> Page:
    """Published articles confidently mentioning ``key`` (a ticker or a normalized name), newest first.

    A company is stored under one key: any of its tickers or names (09988.HK, 阿里巴巴) finds it.
    """
    keys = {key}
    if kind in (None, "company"):
        from .search import company_key

        keys.add(company_key(key))
    matching = (
        select(mentions.c.article_id)
        .where(mentions.c.key.in_(keys), mentions.c.confidence >= min_confidence)
        .where(*([mentions.c.kind == kind] if kind else []))
    )
    visible = (articles.c.id.in_(matching), articles.c.duplicate_of.is_(None))
    rows = select(articles).where(*visible).order_by(*_NEWEST)
    count = select(func.count()).select_from(articles).where(*visible)
    return _paged(engine, rows, count, limit, offset)


def confident_mentions(engine: Engine, *, min_confidence: float = CONFIDENT) -> dict[int, list[tuple[str, str, str]]]:
    """Each published article's confident companies and people, once per key: id → [(kind, key, name)]."""
    joined = mentions.join(articles, articles.c.id == mentions.c.article_id)
    query = (
        select(mentions.c.article_id, mentions.c.kind, mentions.c.key, func.max(mentions.c.name))
        .select_from(joined)
        .where(*_confident(None, min_confidence))
        .group_by(mentions.c.article_id, mentions.c.kind, mentions.c.key)
        # most salient first (named in the title, then named most often): article pages show the first few
        .order_by(
            mentions.c.article_id,
            func.min(case((mentions.c.field == "title", 0), else_=1)),
            func.count().desc(),
            mentions.c.kind,
            mentions.c.key,
        )
    )
    found: dict[int, list[tuple[str, str, str]]] = {}
    with engine.connect() as conn:
        for article_id, kind, key, name in conn.execute(query):
            found.setdefault(article_id, []).append((kind, key, name or key))
    return found


# the article text and the columns only the extractor uses: a site build reads them per page it renders
_HEAVY = ("content_html", "content_markdown", "annotations", "fingerprint")


def light_articles(
    engine: Engine, *, since: datetime | None = None, ids: Collection[int] | None = None
) -> Iterator[Article]:
    """Published articles newest first without their text; only those changed at or after ``since``
    (by the indexed ``changed_at``) and those in ``ids`` when either is given."""
    columns = [c for c in articles.c if c.name not in _HEAVY]
    blanks = [literal("").label(name) for name in _HEAVY[:2]]
    light = select(*columns, *blanks, literal("[]").label("annotations"), literal(None).label("fingerprint"))
    query = light.where(articles.c.duplicate_of.is_(None))
    if since is None and ids is None:
        with engine.connect() as conn:
            for row in conn.execution_options(stream_results=True, yield_per=2000).execute(query.order_by(*_NEWEST)):
                yield article_from_row(row)
        return
    # linked copies are skipped below, not in SQL: with "duplicate_of IS NULL" there SQLite picks
    # that index (nearly every row) over changed_at's and reads the whole table
    wanted = sorted(ids or ())
    batches = [light.where(articles.c.changed_at >= naive_utc(since))] if since is not None else []
    batches += [query.where(articles.c.id.in_(wanted[i : i + 500])) for i in range(0, len(wanted), 500)]
    # a few rows: sorted here, because with ORDER BY SQLite walks the sort_at index over every row
    # rather than the changed_at (or id) index over the few asked for
    found: dict[int, Any] = {}
    with engine.connect() as conn:
        for batch in batches:
            for row in conn.execute(batch):
                if row.duplicate_of is None:
                    found[row.id] = row
    for row in sorted(found.values(), key=lambda r: (r.sort_at, r.id), reverse=True):
        yield article_from_row(row)


def published_ids(engine: Engine) -> list[int]:
    """Ids of the published (not linked) articles: read from the duplicate_of index, not the rows."""
    with engine.connect() as conn:
        # the driver's cursor straight: 100k rows through SQLAlchemy's result layer took 0.3 s
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]  # None only once closed
        try:
            cursor.execute("SELECT id FROM articles WHERE duplicate_of IS NULL")
            return [row[0] for row in cursor.fetchall()]
        finally:
            cursor.close()


def story_threads(engine: Engine) -> dict[int, int]:
    """Story id → storyline id of every story whose storyline holds two or more stories."""
    shared = select(stories.c.thread_id).group_by(stories.c.thread_id).having(func.count() > 1)
    query = select(stories.c.id, stories.c.thread_id).where(stories.c.thread_id.in_(shared))
    with engine.connect() as conn:
        return {story_id: thread_id for story_id, thread_id in conn.execute(query)}


def story_members(engine: Engine) -> dict[int, int]:
    """Article id → story id of every article in a story (from the story_id index)."""
    with engine.connect() as conn:
        query = select(articles.c.id, articles.c.story_id).where(articles.c.story_id.is_not(None))
        return {article_id: story_id for article_id, story_id in conn.execute(query)}
