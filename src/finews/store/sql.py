"""The archive on SQLAlchemy Core: SQLite (WAL) by default; the statements are portable SQL."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, bindparam, create_engine, event, func, select
from sqlalchemy.engine import Connection, Row
from sqlalchemy.exc import SQLAlchemyError

from ..errors import FinewsError
from ..model import Annotation, Article, SaveResult, SourceState
from .schema import articles, sources

_SLUG_PART = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,47}$")
_BATCH = 500


class StorageError(FinewsError):
    """The archive cannot be opened, migrated or written."""


def open_archive(path: Path | str) -> SQLArchive:
    """Open (creating and migrating if needed) the SQLite archive at ``path``."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StorageError(f"{path}: cannot create folder: {exc.strerror or exc}") from None
    engine = create_engine(f"sqlite:///{path}", future=True)
    event.listen(engine, "connect", _sqlite_pragmas)
    return SQLArchive(engine, label=str(path))


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
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    head = ScriptDirectory.from_config(cfg).get_current_head()
    with engine.begin() as connection:
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
            raise StorageError(f"{label}: cannot open archive: {exc.orig or exc}") from None

    # -- articles ---------------------------------------------------------------------------
    def save(self, batch: Sequence[Article]) -> SaveResult:
        result = SaveResult()
        now = datetime.now(UTC).replace(tzinfo=None)
        try:
            with self.engine.begin() as conn:
                for start in range(0, len(batch), _BATCH):
                    self._save_chunk(conn, batch[start : start + _BATCH], now, result)
        except SQLAlchemyError as exc:
            raise StorageError(f"{self.label}: cannot save articles: {getattr(exc, 'orig', None) or exc}") from None
        return result

    def _save_chunk(self, conn: Connection, chunk: Sequence[Article], now: datetime, result: SaveResult) -> None:
        """Look up the whole chunk in two queries, then insert and update in two executemany calls.

        Per-article statements cost about 2 ms each on SQLite (building and caching each statement);
        batched, a chunk of 500 costs a few milliseconds more than its rows.
        """
        by_url, by_guid = self._existing(conn, chunk)
        taken = self._taken_slugs(conn, chunk)
        inserts: list[_Row] = []
        updates: list[dict[str, Any]] = []
        owners: list[tuple[Article, _Row]] = []
        for article in chunk:
            article.content_hash = content_hash(article)
            row = by_url.get(article.canonical_url) if article.canonical_url else None
            if row is None and article.guid:
                row = by_guid.get((article.source, article.guid))
            values = _row_values(article)
            if row is None:
                slug = _pick_slug(article, taken)
                taken.add(slug)
                values.update(slug=slug, changed_at=now)
                row = _Row(None, slug, article.source, article.content_hash, values)
                inserts.append(row)
                if article.canonical_url:
                    by_url[article.canonical_url] = row
                if article.guid:
                    by_guid[(article.source, article.guid)] = row
                result.added += 1
            elif row.source != article.source:
                result.duplicates += 1
            elif row.content_hash == article.content_hash:
                result.unchanged += 1
            else:
                values.update(changed_at=now)
                values.pop("fetched_at")  # first sighting stays the fetch time
                if row.pending is not None:  # inserted earlier in this chunk: insert the newer values instead
                    row.pending.update(values)
                else:
                    updates.append({**values, "b_id": row.id})
                    result.updated += 1
                row.content_hash = article.content_hash
            article.slug = row.slug
            owners.append((article, row))
        if inserts:
            statement = articles.insert().returning(articles.c.id, sort_by_parameter_order=True)
            ids = conn.execute(statement, [row.pending for row in inserts]).scalars().all()
            for row, new_id in zip(inserts, ids, strict=True):
                row.id, row.pending = new_id, None
        if updates:
            conn.execute(articles.update().where(articles.c.id == bindparam("b_id")), updates)
        for article, row in owners:
            article.id = row.id

    def _existing(
        self, conn: Connection, chunk: Sequence[Article]
    ) -> tuple[dict[str, _Row], dict[tuple[str, str], _Row]]:
        """Archived rows that share a canonical URL, or (for articles without one) the source's guid."""
        cols = (articles.c.id, articles.c.slug, articles.c.source, articles.c.content_hash)
        urls = list({a.canonical_url for a in chunk if a.canonical_url})
        by_url: dict[str, _Row] = {}
        if urls:
            query = select(*cols, articles.c.canonical_url).where(articles.c.canonical_url.in_(urls))
            for r in conn.execute(query):
                by_url[r.canonical_url] = _Row(r.id, r.slug, r.source, r.content_hash)
        by_guid: dict[tuple[str, str], _Row] = {}
        guids = {(a.source, a.guid) for a in chunk if a.guid and a.canonical_url not in by_url}
        for source in {s for s, _ in guids}:
            wanted = [g for s, g in guids if s == source]
            query = select(*cols, articles.c.guid).where(articles.c.source == source, articles.c.guid.in_(wanted))
            for r in conn.execute(query):
                by_guid.setdefault((source, r.guid), _Row(r.id, r.slug, r.source, r.content_hash))
        return by_url, by_guid

    def _taken_slugs(self, conn: Connection, chunk: Sequence[Article]) -> set[str]:
        candidates = {slug for article in chunk for slug in _slug_candidates(article)}
        query = select(articles.c.slug).where(articles.c.slug.in_(candidates))
        return set(conn.execute(query).scalars()) if candidates else set()

    def iter_articles(self, *, source: str | None = None, newest_first: bool = True) -> Iterator[Article]:
        order = (
            (articles.c.sort_at.desc(), articles.c.id.desc()) if newest_first else (articles.c.sort_at, articles.c.id)
        )
        query = select(articles).order_by(*order)
        if source:
            query = query.where(articles.c.source == source)
        with self.engine.connect() as conn:
            result = conn.execution_options(stream_results=True, yield_per=_BATCH).execute(query)
            for row in result:
                yield _article(row)

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
        return _article(row) if row else None

    def count(self, *, source: str | None = None) -> int:
        query = select(func.count()).select_from(articles)
        if source:
            query = query.where(articles.c.source == source)
        with self.engine.connect() as conn:
            return int(conn.execute(query).scalar_one())

    # -- sources ----------------------------------------------------------------------------
    def source_state(self, name: str) -> SourceState:
        with self.engine.connect() as conn:
            row = conn.execute(select(sources).where(sources.c.name == name)).first()
        return _state(row) if row else SourceState(name=name)

    def source_states(self) -> list[SourceState]:
        with self.engine.connect() as conn:
            return [_state(row) for row in conn.execute(select(sources).order_by(sources.c.name))]

    def save_source_state(self, state: SourceState) -> None:
        values = {k: _naive_utc(v) if isinstance(v, datetime) else v for k, v in asdict(state).items()}
        try:
            with self.engine.begin() as conn:
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
class _Row:
    """An archived (or, within one chunk, about to be inserted) article, as much as saving needs."""

    id: int | None
    slug: str
    source: str
    content_hash: str
    pending: dict[str, Any] | None = None  # the insert's values until the chunk is written


def _slug_candidates(article: Article) -> tuple[str, ...]:
    digest = hashlib.sha1(article.identity.encode("utf-8")).hexdigest()
    candidate = _url_id(article.url) or digest[:12]
    return (candidate, f"{candidate}-{digest[:8]}", digest[:20], digest)


def _pick_slug(article: Article, taken: set[str]) -> str:
    """The article's own id from its URL when free, else longer and longer forms of its identity hash."""
    candidates = _slug_candidates(article)
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


def _naive_utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value


def _row_values(article: Article) -> dict[str, Any]:
    published = article.published
    offset = int(published.utcoffset().total_seconds() // 60) if published and published.utcoffset() else 0
    fetched = _naive_utc(article.fetched_at) or datetime.now(UTC).replace(tzinfo=None)
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
        "published_at": _naive_utc(published),
        "utc_offset": offset if published else None,
        "updated_at": _naive_utc(article.updated),
        "fetched_at": fetched,
        "sort_at": _naive_utc(published) or fetched,
        "content_hash": article.content_hash,
    }


def _aware(value: datetime | None, offset_minutes: int | None) -> datetime | None:
    if value is None:
        return None
    utc = value.replace(tzinfo=UTC)
    return utc.astimezone(timezone(timedelta(minutes=offset_minutes))) if offset_minutes else utc


def _article(row: Row) -> Article:
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
    )


def _state(row: Row) -> SourceState:
    m = dict(row._mapping)
    for key in ("last_checked", "last_success", "next_check"):
        m[key] = m[key].replace(tzinfo=UTC) if m[key] else None
    return SourceState(**m)
