"""What the enrich stage learned about archived articles: duplicate groups, stories, mentions, moves.

Kept apart from :mod:`.sql` so the article table's hot path stays small; :class:`~.sql.SQLArchive`
exposes these as methods.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, and_, bindparam, delete, select
from sqlalchemy.engine import Connection

from . import pg
from .rows import naive_utc
from .schema import articles, mentions, move_reports, moves, stories

if TYPE_CHECKING:  # the enrich stage loads jieba; the archive must open without it
    from ..enrich.entities import Mention
    from ..enrich.events import ExecutiveMove


@dataclass(frozen=True)
class StoredFingerprint:
    identity: str
    source: str
    url: str
    guid: str
    fingerprint: bytes
    root: str  # identity of the group's first report (its own when it is the first)
    article_id: int | None = None


@dataclass(frozen=True)
class StoredStory:
    id: int
    state: dict
    members: list[int]


@dataclass(frozen=True)
class Findings:
    """Everything learned about one article, saved in one go."""

    article_id: int
    story_id: int | None
    story_title: str
    story_state: dict | None  # the clusterer's profile of the story after this article joined
    story_size: int
    story_first: datetime | None
    story_last: datetime | None
    mentions: Sequence[Mention]
    moves: Sequence[ExecutiveMove]
    thread_id: int | None = None  # the story's storyline (the id of its first story)


def _identity(canonical_url: str | None, source: str, guid: str | None) -> str:
    return canonical_url or f"guid:{source}:{guid}"


def recent_fingerprints(engine: Engine, since: datetime) -> Iterator[StoredFingerprint]:
    from sqlalchemy.orm import aliased  # the ORM takes long to import; commands that only read need none of it

    root = aliased(articles)
    query = (
        select(
            articles.c.id, articles.c.canonical_url, articles.c.source, articles.c.guid, articles.c.fingerprint,
            root.c.canonical_url.label("root_url"), root.c.source.label("root_source"), root.c.guid.label("root_guid"),
            root.c.fetched_at.label("root_at"),
        )
        .select_from(articles.outerjoin(root, articles.c.duplicate_of == root.c.id))
        # by arrival, not publication: what came in during the window is what a new report may repeat
        .where(articles.c.fetched_at >= naive_utc(since), articles.c.fingerprint.is_not(None))
        .order_by(articles.c.fetched_at, articles.c.id)
    )  # fmt: skip
    cutoff = naive_utc(since)
    with engine.connect() as conn:
        for r in conn.execute(query):
            own = _identity(r.canonical_url, r.source, r.guid)
            # a root older than the window is not loaded: the group then starts again from this article
            in_window = r.root_at is not None and r.root_at >= cutoff
            first = _identity(r.root_url, r.root_source, r.root_guid) if in_window else own
            yield StoredFingerprint(own, r.source, r.canonical_url or "", r.guid or "", r.fingerprint, first, r.id)


def fingerprints(engine: Engine, identities: Sequence[str]) -> dict[str, bytes]:
    """The stored near-duplicate fingerprints of the articles with these identities (those the archive has)."""
    urls = [i for i in identities if not i.startswith("guid:")]
    guids = [tuple(i.split(":", 2)[1:]) for i in identities if i.startswith("guid:")]
    found: dict[str, bytes] = {}
    with engine.connect() as conn:
        for start in range(0, len(urls), 500):  # well under any backend's limit on bound parameters
            query = select(articles.c.canonical_url, articles.c.fingerprint).where(
                articles.c.canonical_url.in_(urls[start : start + 500]), articles.c.fingerprint.is_not(None)
            )
            found.update((row.canonical_url, row.fingerprint) for row in conn.execute(query))
        for source, guid in guids:
            row = conn.execute(
                select(articles.c.fingerprint).where(
                    articles.c.canonical_url.is_(None), articles.c.source == source, articles.c.guid == guid
                )
            ).first()
            if row is not None and row.fingerprint is not None:
                found[f"guid:{source}:{guid}"] = row.fingerprint
    return found


def recent_stories(engine: Engine, since: datetime) -> Iterator[StoredStory]:
    """Stories that took in an article since ``since`` (by arrival: an archive of old posts still resumes),
    in the order they opened (their storylines are rebuilt event by event)."""
    touched = select(articles.c.story_id).where(
        articles.c.fetched_at >= naive_utc(since), articles.c.story_id.is_not(None)
    )
    query = (
        select(stories.c.id, stories.c.state)
        .where(stories.c.id.in_(touched.distinct()))
        .order_by(stories.c.first_at.nulls_first(), stories.c.id)
    )
    with engine.connect() as conn:
        rows = conn.execute(query).all()
        members: dict[int, list[int]] = {}
        ids = [row.id for row in rows]
        for start in range(0, len(ids), 500):  # one query per 500 stories, not one per story
            chunk = select(articles.c.story_id, articles.c.id).where(articles.c.story_id.in_(ids[start : start + 500]))
            for story_id, article_id in conn.execute(chunk.order_by(articles.c.id)):
                members.setdefault(story_id, []).append(article_id)
    for row in rows:
        yield StoredStory(row.id, json.loads(row.state), members.get(row.id, []))


def save_findings(engine: Engine, batch: Sequence[Findings]) -> None:
    """All findings of a batch in one transaction, with a handful of statements rather than several per article."""
    if not batch:
        return
    ids = [found.article_id for found in batch]
    with engine.begin() as conn:
        pg.lock_transaction(conn, pg.WRITE)  # moves and stories are read, then written: one writer at a time
        conn.execute(
            articles.update().where(articles.c.id == bindparam("b_id")).values(story_id=bindparam("b_story")),
            [{"b_id": found.article_id, "b_story": found.story_id} for found in batch],
        )
        _save_stories(conn, batch)
        # an updated article is analysed again from scratch
        conn.execute(delete(mentions).where(mentions.c.article_id.in_(ids)))
        rows = [
            {
                "article_id": found.article_id, "kind": m.kind, "key": m.key, "name": m.name or m.text, "text": m.text,
                "field": m.field, "start": m.start, "end": m.end, "confidence": m.confidence, "origin": m.source,
                "role": m.role, "org": m.org,
            }
            for found in batch
            for m in found.mentions
        ]  # fmt: skip
        if rows:
            conn.execute(mentions.insert(), rows)
        conn.execute(delete(move_reports).where(move_reports.c.article_id.in_(ids)))
        for found in batch:
            for move in found.moves:
                _save_move(conn, move, found.article_id)


def _save_stories(conn: Connection, batch: Sequence[Findings]) -> None:
    """Each story touched by the batch written once, with its profile after the batch's last article."""
    latest: dict[int, Findings] = {}
    first_title: dict[int, str] = {}
    for found in batch:
        if found.story_id is not None and found.story_state is not None:
            latest[found.story_id] = found
            first_title.setdefault(found.story_id, found.story_title)
    if not latest:
        return
    existing = set(conn.execute(select(stories.c.id).where(stories.c.id.in_(list(latest)))).scalars())
    values: list[dict[str, Any]] = [
        {
            "b_id": story_id, "size": found.story_size, "first_at": naive_utc(found.story_first),
            "last_at": naive_utc(found.story_last), "state": json.dumps(found.story_state, ensure_ascii=False),
            "thread_id": found.thread_id if found.thread_id is not None else story_id,
        }
        for story_id, found in latest.items()
    ]  # fmt: skip
    updates = [v for v in values if v["b_id"] in existing]
    if updates:
        conn.execute(stories.update().where(stories.c.id == bindparam("b_id")), updates)
    inserts = [
        {
            "id": v["b_id"],
            "title": first_title[v["b_id"]],
            **{k: v[k] for k in ("size", "first_at", "last_at", "state", "thread_id")},
        }
        for v in values
        if v["b_id"] not in existing
    ]  # a new story is named after its first article
    if inserts:
        conn.execute(stories.insert(), inserts)


def _save_move(conn: Connection, move: ExecutiveMove, article_id: int) -> None:
    """One row per (person, organization) however many articles report it; each report is kept as evidence."""
    key = and_(moves.c.person == move.person, moves.c.org_key == move.org_key)
    row = conn.execute(select(moves).where(key)).first()
    if row is None:
        inserted = conn.execute(
            moves.insert().values(
                person=move.person, org_key=move.org_key, org=move.org, role=move.role, unit=move.unit,
                when=move.when, when_text=move.when_text, destination=move.destination, evidence=move.evidence,
                confidence=move.confidence,
            )
        ).inserted_primary_key  # fmt: skip
        assert inserted is not None  # a single-row INSERT always has its primary key
        move_id = inserted[0]
    else:
        move_id = row.id
        fill = {
            name: getattr(move, name)
            for name in ("role", "unit", "destination", "when_text")
            if getattr(move, name) and not getattr(row, name)
        }
        if move.when and (not row.when or len(move.when) > len(row.when)):  # 2021-08 is better than 2021
            fill["when"], fill["when_text"] = move.when, move.when_text
        if fill:
            conn.execute(moves.update().where(moves.c.id == move_id).values(**fill))
    conn.execute(
        pg.insert(conn, move_reports).on_conflict_do_nothing(),
        {"move_id": move_id, "article_id": article_id, "evidence": move.evidence},
    )


def list_moves(engine: Engine) -> list[dict]:
    """Every executive move with its reports, newest first: the data of the talent-flow view."""
    with engine.connect() as conn:
        rows = conn.execute(select(moves).order_by(moves.c.when.desc().nulls_last(), moves.c.id)).all()
        reports: dict[int, list[dict]] = {}
        query = select(move_reports.c.move_id, articles.c.id, articles.c.url, articles.c.title).join(
            articles, articles.c.id == move_reports.c.article_id
        )
        for r in conn.execute(query):
            reports.setdefault(r.move_id, []).append({"article_id": r.id, "url": r.url, "title": r.title})
    return [{**dict(row._mapping), "reports": reports.get(row.id, [])} for row in rows]
