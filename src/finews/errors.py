"""Errors finews reports to its user: each one names what failed and why, in one line."""

from __future__ import annotations


class FinewsError(Exception):
    """Base for every error meant to be shown to the user as one clear line."""


class ConfigError(FinewsError):
    """The configuration file is missing, unreadable or holds a bad key or value."""


class FetchError(FinewsError):
    """A URL could not be fetched: network failure, HTTP error, size cap, redirect loop."""

    def __init__(self, url: str, cause: str, *, status: int | None = None, retry_after: float | None = None) -> None:
        super().__init__(f"{url}: {cause}")
        self.url = url
        self.cause = cause
        self.status = status
        self.retry_after = retry_after  # seconds the server asked us to wait (429/503 Retry-After)


class ParseError(FinewsError):
    """A fetched document is not something its source type can read."""


class SourceError(FinewsError):
    """Wraps any failure of one source, naming it, so other sources still run."""

    def __init__(self, source: str, error: Exception) -> None:
        super().__init__(f"source {source!r}: {error}")
        self.source = source
        self.error = error


class PublishError(FinewsError):
    """Posts or the site could not be written (disk full, read-only folder ...)."""
