"""Every error finews raises, in one tree: each names what failed and why, in one line.

Catch ``FinewsError`` for "anything finews reports", or a group for one stage::

    FinewsError
    ├── ConfigError             the configuration file is missing, unreadable or wrong
    ├── FetchError              a URL could not be fetched (.url, .cause, .status, .retry_after, .transient)
    │   ├── FetchTimeout            no answer within the timeout                 transient
    │   ├── FetchConnectError       cannot connect, or the connection was lost   transient
    │   ├── HTTPStatusError         an HTTP error status (.status)               transient for 429, 500, 502-504
    │   ├── DeadlineExceeded        the whole request outlasted its deadline     permanent
    │   ├── AddressRefused          a private, loopback or reserved address      permanent
    │   ├── HostNotResolved         the host name does not resolve               permanent
    │   ├── BodyTooLarge            the body is over the size cap                permanent
    │   ├── TooManyRedirects        more redirects than max_redirects            permanent
    │   └── RobotsDisallowed        the site's robots.txt forbids the page       permanent
    ├── ParseError              a fetched document is not what its source type reads
    │   └── PostError               one post file cannot be imported (also a ValueError)
    ├── SourceError             one source failed (.source, .error); other sources still run
    ├── StorageError            the archive cannot be opened, migrated or written
    │   └── ArchiveBusy             another finews process is writing this archive
    ├── QueueError              the task queue's database cannot be reached or set up
    └── PublishError            posts or the site could not be written
        └── DeltaFallback           a change the in-place site build does not make (never shown)

Any other ``FetchError`` (bad URL, unsupported scheme, unreadable file, undecodable body) is
permanent. Retrying is decided by :attr:`FetchError.transient` alone, never by the message.
"""

from __future__ import annotations

from typing import TypeVar

_Error = TypeVar("_Error", bound="FetchError")

_TRANSIENT_STATUSES = frozenset({429, 500, 502, 503, 504})


class FinewsError(Exception):
    """Base for every error meant to be shown to the user as one clear line."""


class ConfigError(FinewsError):
    """The configuration file is missing, unreadable or holds a bad key or value."""


class FetchError(FinewsError):
    """A URL could not be fetched: network failure, HTTP error, size cap, redirect loop."""

    transient: bool = False  # whether the same request may well succeed if tried again soon

    def __init__(self, url: str, cause: str, *, status: int | None = None, retry_after: float | None = None) -> None:
        super().__init__(f"{url}: {cause}")
        self.url = url
        self.cause = cause
        self.status = status
        self.retry_after = retry_after  # seconds the server asked us to wait (429/503 Retry-After)

    def for_url(self: _Error, url: str) -> _Error:
        """The same failure, reported for ``url`` (the request's own, when it was found on a lower layer)."""
        error = type(self).__new__(type(self))
        Exception.__init__(error, f"{url}: {self.cause}")
        error.__dict__.update(self.__dict__, url=url)
        return error


class FetchTimeout(FetchError):
    """The server did not answer, or stopped sending, within the timeout."""

    transient = True


class FetchConnectError(FetchError):
    """The connection could not be opened, or broke before the answer was complete."""

    transient = True


class HTTPStatusError(FetchError):
    """The server answered with an HTTP error status; 429 and server overloads are worth another try."""

    def __init__(self, url: str, cause: str, *, status: int, retry_after: float | None = None) -> None:
        super().__init__(url, cause, status=status, retry_after=retry_after)
        self.transient = status in _TRANSIENT_STATUSES  # per answer, where the other kinds say it once for all


class DeadlineExceeded(FetchError):
    """The whole request (connecting, headers, body, redirects) outlasted its deadline: as slow again next time."""


class AddressRefused(FetchError):
    """The host is, or resolves to, a private, loopback or reserved address (``allow_private`` is off)."""


class HostNotResolved(FetchError):
    """The host name does not resolve."""


class BodyTooLarge(FetchError):
    """The body is larger than the size cap."""


class TooManyRedirects(FetchError):
    """The redirects went on past ``max_redirects``."""


class RobotsDisallowed(FetchError):
    """The site's robots.txt forbids the page."""


class ParseError(FinewsError):
    """A fetched document is not something its source type can read."""


class PostError(ParseError, ValueError):
    """Why one post file cannot be imported; the import goes on with the next file."""


class SourceError(FinewsError):
    """Wraps any failure of one source, naming it, so other sources still run."""

    def __init__(self, source: str, error: Exception) -> None:
        super().__init__(f"source {source!r}: {error}")
        self.source = source
        self.error = error


class StorageError(FinewsError):
    """The archive cannot be opened, migrated or written."""


class ArchiveBusy(StorageError):
    """Another finews process is writing this archive."""


class QueueError(FinewsError):
    """The task queue's database cannot be reached or set up."""


class PublishError(FinewsError):
    """Posts or the site could not be written (disk full, read-only folder ...)."""


class DeltaFallback(PublishError):
    """A change the in-place build does not make: the streaming build makes the site instead."""
