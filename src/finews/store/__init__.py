"""The store stage: the archive behind a small interface (:class:`Archive`)."""

from .base import Archive
from .lock import ArchiveBusy, ArchiveLock
from .sql import SQLArchive, StorageError, content_hash, open_archive

__all__ = ["Archive", "ArchiveBusy", "ArchiveLock", "SQLArchive", "StorageError", "content_hash", "open_archive"]
