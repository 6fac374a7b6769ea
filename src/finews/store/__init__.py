"""The store stage: the archive behind a small interface (:class:`Archive`), on SQLite or PostgreSQL.

The names below are imported on first use, so that importing one part of the store (its search
filters, its rows) does not import all of it (Alembic, the lock's file locking).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..lazy import lazy_names

_HOME = {
    "Archive": "base",
    "ArchiveBusy": "lock",
    "ArchiveLock": "lock",
    "writer_lock": "lock",
    "SQLArchive": "sql",
    "StorageError": "sql",
    "content_hash": "sql",
    "open_archive": "sql",
    "open_configured": "sql",
    "open_database": "sql",
}

__all__ = [
    "Archive",
    "ArchiveBusy",
    "ArchiveLock",
    "SQLArchive",
    "StorageError",
    "content_hash",
    "open_archive",
    "open_configured",
    "open_database",
    "writer_lock",
]


__getattr__, __dir__ = lazy_names(__name__, globals(), _HOME)


if TYPE_CHECKING:
    from .base import Archive
    from .lock import ArchiveBusy, ArchiveLock, writer_lock
    from .sql import SQLArchive, StorageError, content_hash, open_archive, open_configured, open_database
