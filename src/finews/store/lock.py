"""One writer per archive: a lock held by ``finews fetch`` and ``finews run``.

For SQLite it is a lock file beside the archive, an OS-level ``flock`` (through filelock). For
PostgreSQL a file would only guard one machine while the database may be shared by several, so it
is a session-level advisory lock in the database itself. Either way a killed process releases it
at once and no stale lock ever needs cleaning up by hand.
"""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from filelock import FileLock, Timeout
from sqlalchemy import create_engine, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

from ..errors import ArchiveBusy as ArchiveBusy  # declared in finews.errors, still importable here
from . import pg

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from ..config import Config


class ArchiveLock:
    def __init__(self, path: Path, *, wait: float = 0.0) -> None:
        self.path = path
        self.wait = wait
        self._lock = FileLock(str(path))

    def __enter__(self) -> ArchiveLock:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._lock.acquire(timeout=self.wait)
        except Timeout:
            holder = _holder(self.path)
            waited = f" after waiting {self.wait:g}s" if self.wait else ""
            raise ArchiveBusy(
                f"{self.path}: another finews process{holder} is writing this archive{waited}; "
                "let it finish, stop it, or pass --wait SECONDS"
            ) from None
        except OSError as exc:
            raise ArchiveBusy(f"{self.path}: cannot take the archive lock: {exc.strerror or exc}") from None
        with contextlib.suppress(OSError):  # the pid only improves the message above
            self.path.write_text(f"{os.getpid()}\n", encoding="ascii")
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._lock.release()


def _holder(path: Path) -> str:
    try:
        pid = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return ""
    return f" (pid {pid})" if pid.isdigit() else ""


class PostgresWriterLock:
    """The PostgreSQL counterpart of :class:`ArchiveLock`: an advisory lock held by one dedicated session."""

    def __init__(self, url: str, *, wait: float = 0.0) -> None:
        self.url = url
        self.wait = wait
        # its own unpooled connection: the lock belongs to the session, which must outlive every checkout
        self._engine = create_engine(url, poolclass=NullPool, connect_args={"application_name": _name()})
        self._conn: Connection | None = None

    def __enter__(self) -> PostgresWriterLock:
        label = pg.safe_label(self.url)
        try:
            self._conn = self._engine.connect()
            deadline = time.monotonic() + self.wait
            while not self._try():
                if time.monotonic() >= deadline:
                    holder = self._holder()
                    self._release()
                    waited = f" after waiting {self.wait:g}s" if self.wait else ""
                    raise ArchiveBusy(
                        f"{label}: another finews process{holder} is writing this archive{waited}; "
                        "let it finish, stop it, or pass --wait SECONDS"
                    )
                time.sleep(min(0.25, max(0.0, deadline - time.monotonic())))
        except SQLAlchemyError as exc:
            self._release()
            raise ArchiveBusy(f"{label}: cannot take the archive lock: {getattr(exc, 'orig', None) or exc}") from None
        return self

    def _try(self) -> bool:
        assert self._conn is not None
        query = text("SELECT pg_try_advisory_lock(:ns, :key)")
        taken = self._conn.execute(query, {"ns": pg.NAMESPACE, "key": pg.WRITER}).scalar_one()
        self._conn.commit()  # no transaction left open while the lock is held
        return bool(taken)

    def _holder(self) -> str:
        assert self._conn is not None
        query = text(
            "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
            " WHERE l.locktype = 'advisory' AND l.granted AND l.classid = :ns AND l.objid = :key LIMIT 1"
        )
        with contextlib.suppress(SQLAlchemyError):  # the holder only improves the message
            name = self._conn.execute(query, {"ns": pg.NAMESPACE, "key": pg.WRITER}).scalar()
            if name and name.startswith("finews pid "):
                return f" (pid {name.removeprefix('finews pid ')})"
        return ""

    def _release(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(SQLAlchemyError):
                self._conn.close()  # closing the session releases its advisory locks
            self._conn = None
        self._engine.dispose()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._release()


def _name() -> str:
    return f"finews pid {os.getpid()}"


def writer_lock(config: Config, *, wait: float = 0.0) -> ArchiveLock | PostgresWriterLock:
    """The lock that keeps a second ``finews run``/``fetch`` from writing the archive ``config`` names."""
    url = config.storage.url
    if url and url.startswith("postgresql"):
        return PostgresWriterLock(url, wait=wait)
    return ArchiveLock(config.lock_path, wait=wait)
