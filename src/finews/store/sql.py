"""The archive on SQLAlchemy Core: SQLite (WAL) by default, or PostgreSQL; the statements are portable SQL."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from sqlalchemy import Engine, bindparam, create_engine, event, func, select
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import SQLAlchemyError

from ..errors import StorageError as StorageError  # declared in finews.errors, still importable here
from ..model import Article, SaveResult, SourceState
from . import changes, findings, pg, revision, search
from .findings import Findings, StoredFingerprint, StoredStory
from .rows import (
    article_from_row,
    content_hash,
    naive_utc,
    pick_slug,
    row_values,
    slug_candidates,
    state_from_row,
)
from .schema import articles, sources
from .search import SearchFilters, SearchResults

if TYPE_CHECKING:
    from ..config import Config

_BATCH = 500


def open_archive(path: Path | str, *, read_only: bool = False) -> SQLArchive:
    """Open (creating and migrating if needed) the SQLite archive at ``path``.

    ``read_only`` is for commands that only read: an archive in a folder this process may not
    write (a read-only mount, another user's folder) is then opened without writing anything.
    """
    path = Path(path)
    if read_only and path.is_file() and not _writable(path):
        return _open_read_only(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StorageError(f"{path}: cannot create folder: {exc.strerror or exc}") from None
    engine = create_engine(f"sqlite:///{path}", future=True)
    event.listen(engine, "connect", _sqlite_pragmas)
    return SQLArchive(engine, label=str(path))


def _writable(path: Path) -> bool:
    """Whether SQLite could write beside ``path``: WAL mode needs its -wal and -shm files there."""
    return os.access(path, os.W_OK) and os.access(path.parent, os.W_OK | os.X_OK)


def _open_read_only(path: Path) -> SQLArchive:
    """SQLite in ``mode=ro``; ``immutable`` when no -wal file is left (no writer has it open right now).

    A read-only connection to a WAL database still needs the -shm file, which it cannot create in a
    folder it may not write; immutable skips it. A -wal file left by a writer that did not close
    holds committed rows, so then the -shm beside it is used, read-only (SQLite 3.22 and later).
    """
    wal = path.with_name(path.name + "-wal")
    immutable = "" if wal.exists() else "&immutable=1"
    engine = create_engine(f"sqlite:///file:{quote(str(path.resolve()))}?mode=ro{immutable}&uri=true", future=True)
    event.listen(engine, "connect", _sqlite_read_pragmas)
    try:
        return SQLArchive(engine, label=str(path))
    except StorageError as exc:
        raise StorageError(f"{exc} (opened read-only: the folder or file is not writable)") from None


def open_database(url: str) -> SQLArchive:
    """Open (migrating if needed) the PostgreSQL archive at a SQLAlchemy URL; the database must exist."""
    if not url.startswith("postgresql"):
        raise StorageError(f"{url}: not a PostgreSQL URL")
    return SQLArchive(pg.create_postgres_engine(url), label=pg.safe_label(url))


def open_configured(config: Config, *, read_only: bool = False) -> SQLArchive:
    """The archive ``config`` names: ``storage.url`` when set (PostgreSQL), else the SQLite file ``storage.path``.

    ``read_only``: the caller only reads (see :func:`open_archive`).
    """
    url = config.storage.url
    if not url:
        return open_archive(config.database_path, read_only=read_only)
    if url.startswith("sqlite"):
        return open_archive(config.resolve(make_url(url).database or config.storage.path), read_only=read_only)
    return open_database(url)


def _sqlite_read_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA query_only=ON")  # a statement that would write fails instead of trying
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets the web app read while a fetch writes; NORMAL is still crash-safe in WAL mode.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest Alembic revision (a no-op when it already is)."""
    with engine.begin() as connection:
        pg.lock_transaction(connection, pg.MIGRATE)  # processes starting together migrate once, in turn
        if revision.is_current(connection):  # the usual case, told without importing Alembic
            return
        from alembic import command
        from alembic.config import Config as AlembicConfig
        from alembic.runtime.migration import MigrationContext
        from alembic.script import ScriptDirectory

        cfg = AlembicConfig()
        cfg.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
        head = ScriptDirectory.from_config(cfg).get_current_head()
        if MigrationContext.configure(connection).get_current_revision() == head:
            return
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "head")


class SQLArchive:
    """Implements :class:`finews.store.base.Archive`."""

    def __init__(self, engine: Engine, *, label: str = "archive") -> None:
        self.engine = engine
        self.label = label
        try:
            migrate(engine)
        except SQLAlchemyError as exc:
            raise StorageError(f"{label}: cannot open archive: {getattr(exc, 'orig', None) or exc}") from None

    # -- articles ---------------------------------------------------------------------------
    def save(self, batch: Sequence[Article]) -> SaveResult:
        """Save a batch as if its articles came one by one: a later one updates (or replaces) the row an
        earlier one of the batch was saved to, and each row changed is reported once, in its last state."""
        result = SaveResult()
        try:
            with self.engine.begin() as conn:
                pg.lock_transaction(conn, pg.WRITE)  # see pg.py: concurrent saves of one article stay one row
                now = pg.now(conn)
                saved = _Saved()
                for start in range(0, len(batch), _BATCH):
                    self._save_chunk(conn, batch[start : start + _BATCH], now, result, saved)
        except SQLAlchemyError as exc:
            raise StorageError(f"{self.label}: cannot save articles: {getattr(exc, 'orig', None) or exc}") from None
        return result

    def _save_chunk(
        self, conn: Connection, chunk: Sequence[Article], now: datetime, result: SaveResult, saved: _Saved
    ) -> None:
        """Look up the whole chunk in two queries, then insert and update in two executemany calls.

        Per-article statements cost about 2 ms each on SQLite (building and caching each statement);
        batched, a chunk of 500 costs a few milliseconds more than its rows.
        """
        by_url, by_guid = self._existing(conn, chunk)
        related = self._by_identity(conn, {a.replaces or a.repeats for a in chunk} - {None} - saved.rows.keys())
        taken = self._taken_slugs(conn, chunk)
        inserts: list[_Row] = []
        updates: dict[int, dict[str, Any]] = {}  # one per row, however many articles of the chunk change it
        owners: list[tuple[Article, _Row]] = []
        changed: dict[int, Article] = {}  # of the rows this chunk changes (by id(row)), the last article saved
        for article in chunk:
            article.content_hash = content_hash(article)
            row = by_url.get(article.canonical_url) if article.canonical_url else None
            if row is None and article.guid:
                row = by_guid.get((article.source, article.guid))
            values = row_values(article)
            earlier = saved.find(article.replaces, related) if article.replaces else None
            if row is None and earlier is not None and earlier.source == article.source:
                # the source retitled or reworded its story: one article, updated, keeping its identity and post
                row = earlier
                values = {k: v for k, v in values.items() if k not in ("canonical_url", "guid")}
            row = saved.same(row)
            if row is None:
                slug = pick_slug(article, taken)
                taken.add(slug)
                first = saved.find(article.repeats, related) if article.repeats else None
                if first is not None and first.source != article.source:
                    values["duplicate_of"] = first.root
                    result.linked += 1
                values.update(slug=slug, changed_at=now)
                row = _Row(None, slug, article.source, article.content_hash, values, values.get("duplicate_of"))
                inserts.append(row)
                if article.canonical_url:
                    by_url[article.canonical_url] = row
                if article.guid:
                    by_guid[(article.source, article.guid)] = row
                result.added += 1
                changed[id(row)] = article
            elif row.source != article.source:
                result.duplicates += 1
            elif row.content_hash == article.content_hash:
                result.unchanged += 1
            else:
                values.update(changed_at=now)
                values.pop("fetched_at")  # first sighting stays the fetch time
                values.pop("duplicate_of")  # a link is decided once, when the article first arrives
                if row.pending is not None:  # inserted earlier in this chunk: insert the newer values instead
                    row.pending.update(values)
                else:
                    updates.setdefault(id(row), {"b_id": row.id}).update(values)
                result.updated += 1
                changed.pop(id(row), None)
                changed[id(row)] = article  # reported once, in its last state, where it last changed
                row.content_hash = article.content_hash
            article.slug = row.slug
            owners.append((article, row))
            saved.rows[article.identity] = row
        if inserts:
            statement = articles.insert().returning(articles.c.id, sort_by_parameter_order=True)
            # an inserted row is pending until its id comes back
            ids = conn.execute(statement, [row.pending for row in inserts]).scalars().all()  # type: ignore[misc]
            for row, new_id in zip(inserts, ids, strict=True):
                row.id, row.pending = new_id, None
                saved.by_id[new_id] = row
        if updates:
            for shape in _same_keys(list(updates.values())):
                conn.execute(articles.update().where(articles.c.id == bindparam("b_id")), shape)
        for article, row in owners:
            article.id = row.id
            article.duplicate_of = row.duplicate_of
        for key, article in changed.items():
            saved.changed.pop(key, None)  # changed by an earlier chunk too: reported where it last changed
            saved.changed[key] = article
        result.changed[:] = saved.changed.values()
        search.update_index(conn, list(changed.values()))

    def _by_identity(self, conn: Connection, identities: set[str | None]) -> dict[str, _Row]:
        """Rows for article identities (canonical URL, or ``guid:<source>:<guid>``)."""
        found: dict[str, _Row] = {}
        cols = (articles.c.id, articles.c.slug, articles.c.source, articles.c.content_hash, articles.c.duplicate_of)
        urls = [i for i in identities if i and not i.startswith("guid:")]
        if urls:
            for r in conn.execute(select(*cols, articles.c.canonical_url).where(articles.c.canonical_url.in_(urls))):
                found[r.canonical_url] = _Row(r.id, r.slug, r.source, r.content_hash, duplicate_of=r.duplicate_of)
        for identity in (i for i in identities if i and i.startswith("guid:")):
            _, source, guid = identity.split(":", 2)
            query = select(*cols).where(articles.c.source == source, articles.c.guid == guid).limit(1)
            hit = conn.execute(query).first()
            if hit is not None:
                found[identity] = _Row(hit.id, hit.slug, hit.source, hit.content_hash, duplicate_of=hit.duplicate_of)
        return found

    def _existing(
        self, conn: Connection, chunk: Sequence[Article]
    ) -> tuple[dict[str, _Row], dict[tuple[str, str], _Row]]:
        """Archived rows that share a canonical URL, or (for articles without one) the source's guid."""
        cols = (articles.c.id, articles.c.slug, articles.c.source, articles.c.content_hash, articles.c.duplicate_of)
        urls = list({a.canonical_url for a in chunk if a.canonical_url})
        by_url: dict[str, _Row] = {}
        if urls:
            query = select(*cols, articles.c.canonical_url).where(articles.c.canonical_url.in_(urls))
            for r in conn.execute(query):
                by_url[r.canonical_url] = _Row(r.id, r.slug, r.source, r.content_hash, duplicate_of=r.duplicate_of)
        by_guid: dict[tuple[str, str], _Row] = {}
        guids = {(a.source, a.guid) for a in chunk if a.guid and a.canonical_url not in by_url}
        for source in {s for s, _ in guids}:
            wanted = [g for s, g in guids if s == source]
            query = select(*cols, articles.c.guid).where(articles.c.source == source, articles.c.guid.in_(wanted))
            for r in conn.execute(query):
                row = _Row(r.id, r.slug, r.source, r.content_hash, duplicate_of=r.duplicate_of)
                by_guid.setdefault((source, r.guid), row)
        return by_url, by_guid

    def _taken_slugs(self, conn: Connection, chunk: Sequence[Article]) -> set[str]:
        candidates = {slug for article in chunk for slug in slug_candidates(article)}
        query = select(articles.c.slug).where(articles.c.slug.in_(candidates))
        return set(conn.execute(query).scalars()) if candidates else set()

    def iter_articles(
        self, *, source: str | None = None, newest_first: bool = True, linked: bool = False
    ) -> Iterator[Article]:
        """Stored articles; ``linked`` includes the ones kept only as "also reported by" another report."""
        order = (
            (articles.c.sort_at.desc(), articles.c.id.desc()) if newest_first else (articles.c.sort_at, articles.c.id)
        )
        query = select(articles).order_by(*order)
        if source:
            query = query.where(articles.c.source == source)
        if not linked:
            query = query.where(articles.c.duplicate_of.is_(None))
        with self.engine.connect() as conn:
            result = conn.execution_options(stream_results=True, yield_per=_BATCH).execute(query)
            for row in result:
                yield article_from_row(row)

    def known(self, identities: Sequence[str]) -> set[str]:
        """Which of these canonical URLs the archive already holds (full-text sources skip them)."""
        found: set[str] = set()
        wanted = [i for i in identities if i]
        with self.engine.connect() as conn:
            for start in range(0, len(wanted), _BATCH):
                chunk = wanted[start : start + _BATCH]
                query = select(articles.c.canonical_url).where(articles.c.canonical_url.in_(chunk))
                found.update(conn.execute(query).scalars())
        return found

    def get(self, article_id: int) -> Article | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(articles).where(articles.c.id == article_id)).first()
        return article_from_row(row) if row else None

    def count(self, *, source: str | None = None) -> int:
        query = select(func.count()).select_from(articles)
        if source:
            query = query.where(articles.c.source == source)
        with self.engine.connect() as conn:
            return int(conn.execute(query).scalar_one())

    def also_reported(self) -> dict[int, list[Article]]:
        """For each first report, the other sources' near-duplicates linked to it, oldest first."""
        # no ORDER BY: SQLite would then walk the sort_at index over every row instead of the
        # duplicate_of index over the few linked ones (0.4 s on 100k articles); sorted here instead
        query = select(articles).where(articles.c.duplicate_of > 0)  # "IS NOT NULL" would not use the index
        groups: dict[int, list[tuple[datetime, int, Article]]] = {}
        with self.engine.connect() as conn:
            for row in conn.execute(query):
                groups.setdefault(row.duplicate_of, []).append((row.sort_at, row.id, article_from_row(row)))
        return {root: [article for *_, article in sorted(copies)] for root, copies in groups.items()}

    # -- understanding ------------------------------------------------------------------------
    def recent_fingerprints(self, since: datetime) -> Iterator[StoredFingerprint]:
        return findings.recent_fingerprints(self.engine, since)

    def recent_stories(self, since: datetime) -> Iterator[StoredStory]:
        return findings.recent_stories(self.engine, since)

    def fingerprints(self, identities: Sequence[str]) -> dict[str, bytes]:
        return findings.fingerprints(self.engine, identities)

    def understanding_turn(self) -> AbstractContextManager[None]:
        """This process's turn to decide and save a batch: one at a time across every process (see changes.py)."""
        return pg.session_lock(self.engine, pg.UNDERSTAND)

    def change_mark(self) -> datetime | None:
        return changes.change_mark(self.engine)

    def changed_since(self, mark: datetime | None) -> changes.Changes:
        return changes.changed_since(self.engine, mark)

    def save_findings(self, batch: Sequence[Findings]) -> None:
        try:
            findings.save_findings(self.engine, batch)
        except SQLAlchemyError as exc:
            raise StorageError(f"{self.label}: cannot save findings: {getattr(exc, 'orig', None) or exc}") from None

    def moves(self) -> list[dict]:
        return findings.list_moves(self.engine)

    def search(
        self, query: str, filters: SearchFilters | None = None, *, limit: int = 20, offset: int = 0
    ) -> SearchResults:
        """Chinese full-text search, best first (see :mod:`.search`)."""
        try:
            return search.search(self.engine, query, filters, limit=limit, offset=offset)
        except SQLAlchemyError as exc:
            raise StorageError(f"{self.label}: search failed: {getattr(exc, 'orig', None) or exc}") from None

    # -- sources ----------------------------------------------------------------------------
    def source_state(self, name: str) -> SourceState:
        with self.engine.connect() as conn:
            row = conn.execute(select(sources).where(sources.c.name == name)).first()
        return state_from_row(row) if row else SourceState(name=name)

    def source_states(self) -> list[SourceState]:
        with self.engine.connect() as conn:
            return [state_from_row(row) for row in conn.execute(select(sources).order_by(sources.c.name))]

    def save_source_state(self, state: SourceState) -> None:
        values = {k: naive_utc(v) if isinstance(v, datetime) else v for k, v in asdict(state).items()}
        try:
            with self.engine.begin() as conn:
                pg.lock_transaction(conn, pg.WRITE)
                exists = conn.execute(select(sources.c.name).where(sources.c.name == state.name)).first()
                if exists:
                    conn.execute(sources.update().where(sources.c.name == state.name).values(**values))
                else:
                    conn.execute(sources.insert().values(**values))
        except SQLAlchemyError as exc:
            raise StorageError(f"{self.label}: cannot save source state: {getattr(exc, 'orig', None) or exc}") from None

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> SQLArchive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass
class _Saved:
    """What one save has written so far, so its later articles meet the rows its earlier ones wrote."""

    rows: dict[str, _Row] = field(default_factory=dict)  # by the identity of each article saved
    by_id: dict[int, _Row] = field(default_factory=dict)  # one object per archived row, whichever lookup found it
    changed: dict[int, Article] = field(default_factory=dict)  # by id(row): the last article saved to each row

    def same(self, row: _Row | None) -> _Row | None:
        if row is None or row.id is None:
            return row
        return self.by_id.setdefault(row.id, row)

    def find(self, identity: str, archived: dict[str, _Row]) -> _Row | None:
        """The row an article of this identity is in: saved by this batch, else as archived before it."""
        return self.same(self.rows.get(identity) or archived.get(identity))


@dataclass
class _Row:
    """An archived (or, within one chunk, about to be inserted) article, as much as saving needs."""

    id: int | None
    slug: str
    source: str
    content_hash: str
    pending: dict[str, Any] | None = None  # the insert's values until the chunk is written
    duplicate_of: int | None = None

    @property
    def root(self) -> int | None:
        """The first report of the group this article belongs to (links never chain)."""
        return self.duplicate_of or self.id


def _same_keys(rows: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """executemany needs one shape per call: an in-place update of a retitled article sets fewer columns."""
    shapes: dict[frozenset[str], list[dict[str, Any]]] = {}
    for row in rows:
        shapes.setdefault(frozenset(row), []).append(row)
    return list(shapes.values())
