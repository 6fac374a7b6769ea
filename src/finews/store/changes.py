"""What other writers saved since a process last looked, so several workers on one archive decide alike.

Each worker keeps a near-duplicate index and open stories in memory. Deciding "is this a repost?" or
"which story does this join?" from memory alone would let two workers that fetch copies of one report
at the same moment both call it new. So a worker decides and saves one batch at a time under the
archive's understanding lock (:meth:`~.sql.SQLArchive.understanding_turn`), and first takes in what the
others saved since its last turn: every article whose ``changed_at`` is later than its mark, and every
story those articles are in. ``changed_at`` comes from the database's clock (:func:`.pg.now`) and is
stamped under the lock, so marks order the turns of every machine alike.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Engine, func, select

from .findings import StoredFingerprint, StoredStory
from .schema import articles, stories


@dataclass
class Changes:
    fingerprints: list[StoredFingerprint] = field(default_factory=list)  # in the order they were saved
    stories: list[StoredStory] = field(default_factory=list)  # of those articles, in the order they opened
    mark: datetime | None = None  # the latest change taken in: where the next look starts


def change_mark(engine: Engine) -> datetime | None:
    """The latest ``changed_at`` in the archive (one step down the index)."""
    with engine.connect() as conn:
        return conn.execute(select(func.max(articles.c.changed_at))).scalar()


def changed_since(engine: Engine, mark: datetime | None) -> Changes:
    """Articles changed after ``mark`` (all of them for None) with their fingerprints, and their stories."""
    root = articles.alias("root")
    query = (
        select(
            articles.c.id, articles.c.canonical_url, articles.c.source, articles.c.guid, articles.c.fingerprint,
            articles.c.story_id, articles.c.changed_at, root.c.canonical_url.label("root_url"),
            root.c.source.label("root_source"), root.c.guid.label("root_guid"),
        )
        .select_from(articles.outerjoin(root, articles.c.duplicate_of == root.c.id))
        .order_by(articles.c.changed_at, articles.c.id)
    )  # fmt: skip
    if mark is not None:
        query = query.where(articles.c.changed_at > mark)
    changes = Changes(mark=mark)
    story_ids: dict[int, None] = {}
    with engine.connect() as conn:
        for r in conn.execute(query):
            changes.mark = r.changed_at
            if r.story_id is not None:
                story_ids[r.story_id] = None
            if r.fingerprint is None:
                continue
            own = _identity(r.canonical_url, r.source, r.guid)
            first = _identity(r.root_url, r.root_source, r.root_guid) if r.root_source else own
            changes.fingerprints.append(
                StoredFingerprint(own, r.source, r.canonical_url or "", r.guid or "", r.fingerprint, first, r.id)
            )
        changes.stories = _stories(conn, list(story_ids))
    return changes


def _stories(conn, ids: list[int]) -> list[StoredStory]:
    found: list[StoredStory] = []
    for start in range(0, len(ids), 500):  # well under any backend's limit on bound parameters
        chunk = ids[start : start + 500]
        members: dict[int, list[int]] = {}
        for story_id, article_id in conn.execute(
            select(articles.c.story_id, articles.c.id).where(articles.c.story_id.in_(chunk)).order_by(articles.c.id)
        ):
            members.setdefault(story_id, []).append(article_id)
        query = select(stories.c.id, stories.c.state).where(stories.c.id.in_(chunk))
        found += [StoredStory(r.id, json.loads(r.state), members.get(r.id, [])) for r in conn.execute(query)]
    return sorted(found, key=lambda story: story.id)  # a story's id is its first article's: opening order


def _identity(canonical_url: str | None, source: str, guid: str | None) -> str:
    return canonical_url or f"guid:{source}:{guid}"
