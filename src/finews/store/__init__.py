"""The store stage: the archive behind a small interface (:class:`Archive`), on SQLite or PostgreSQL."""

from .base import Archive
from .lock import ArchiveBusy, ArchiveLock, writer_lock
from .sql import SQLArchive, StorageError, content_hash, open_archive, open_configured, open_database

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
