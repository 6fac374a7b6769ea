"""What only PostgreSQL needs: the engine, portable upserts, and advisory locks between processes.

Several processes (``finews run``, queue workers, the web app) may write one PostgreSQL archive at
once. Saving reads before it writes (is this URL archived? which slugs are taken? is this a repeat
of another source's report?), so two writers saving the same article could both decide "new".
Rather than retrying on unique-constraint errors (which cannot catch guid-only articles or
duplicate links, as neither is unique in the schema), each write transaction first takes one
transaction-level advisory lock: writes are serialized across processes, reads never wait, and
the lock is released by the commit or the rollback, or by the server when a process dies.
SQLite needs none of this: it already allows one writer at a time.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Engine, Table, create_engine, text
from sqlalchemy.engine import Connection, make_url

if TYPE_CHECKING:  # imported by writers only, when they insert (see insert)
    from sqlalchemy.dialects import postgresql, sqlite

# advisory lock keys: (namespace, key) pairs, so other applications sharing the database cannot collide
NAMESPACE = 0x66696E  # "fin"
MIGRATE = 1  # one process migrates; the others wait, then find the schema current
WRITE = 2  # one write transaction (save, findings, source state) at a time
WRITER = 3  # the session lock of `finews run` / `finews fetch` (see lock.py)
UNDERSTAND = 4  # one batch decided (near-duplicates, stories) and saved at a time (see changes.py)


def is_postgres(bind: Connection | Engine) -> bool:
    return bind.dialect.name == "postgresql"


def create_postgres_engine(url: str) -> Engine:
    """An engine on psycopg 3; stale pooled connections (server restarted) are replaced, not raised."""
    try:
        return create_engine(url, pool_pre_ping=True, future=True)
    except ModuleNotFoundError:  # psycopg is the optional "postgres" extra
        from .sql import StorageError

        raise StorageError(f"{safe_label(url)}: PostgreSQL needs psycopg 3: pip install 'finews[postgres]'") from None


def safe_label(url: str) -> str:
    """The URL for messages: the password is never printed."""
    return make_url(url).render_as_string(hide_password=True)


def lock_transaction(conn: Connection, key: int) -> None:
    """Hold the advisory ``key`` until this transaction ends (a no-op on SQLite)."""
    if is_postgres(conn):
        conn.execute(text("SELECT pg_advisory_xact_lock(:ns, :key)"), {"ns": NAMESPACE, "key": key})


@contextmanager
def session_lock(engine: Engine, key: int) -> Iterator[None]:
    """Hold the advisory ``key`` on a connection of its own while the block runs (a no-op on SQLite, whose
    writers are one process). The block's own transactions come and go; a dead process's lock is freed."""
    if not is_postgres(engine):
        yield
        return
    with engine.connect() as conn:
        conn.execute(text("SELECT pg_advisory_lock(:ns, :key)"), {"ns": NAMESPACE, "key": key})
        conn.commit()  # no transaction left open while the block runs
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:ns, :key)"), {"ns": NAMESPACE, "key": key})
            conn.commit()


def now(conn: Connection) -> datetime:
    """The time to stamp a write with, as naive UTC: PostgreSQL's clock, the one all its writers share, so
    the order of ``changed_at`` is the order of the (serialized) saves whichever machine made them."""
    if is_postgres(conn):
        return conn.execute(text("SELECT timezone('UTC', clock_timestamp())")).scalar_one()
    return datetime.now(UTC).replace(tzinfo=None)


def insert(conn: Connection, table: Table) -> postgresql.Insert | sqlite.Insert:
    """``INSERT`` with the dialect's ``ON CONFLICT`` clauses (both dialects spell them the same way)."""
    from sqlalchemy.dialects import postgresql, sqlite  # imported by writers only: reading commands start faster

    module = postgresql if is_postgres(conn) else sqlite
    return module.insert(table)
