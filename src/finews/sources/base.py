"""What every source type provides: given a fetcher and what we remember, produce raw articles."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from ..model import Article, SourceState

if TYPE_CHECKING:
    from ..config import SourceConfig
    from ..fetch.client import Fetcher, Response


@dataclass
class Collected:
    """One check of one source: its articles (raw, not yet extracted) and the new HTTP validators."""

    articles: list[Article] = field(default_factory=list)
    not_modified: bool = False
    etag: str | None = None
    last_modified: str | None = None
    fresh_for: float | None = None  # seconds the publisher asks us not to poll (max-age, RSS ttl)
    skipped: dict[str, int] = field(default_factory=dict)  # why items were left out ("no 'url_w'") → how many
    warnings: list[str] = field(default_factory=list)  # what was wrong with the answer that the counts do not show

    @classmethod
    def answer(
        cls,
        response: Response,
        articles: list[Article] | None = None,
        *,
        ttl: float | None = None,
        read: Read | None = None,
    ) -> Collected:
        """What one list response tells: articles, validators, and how long it stays fresh."""
        hints = [h for h in (response.max_age, ttl) if h]
        return cls(
            articles=articles or (read.articles if read else []),
            not_modified=response.not_modified,
            etag=response.etag,
            last_modified=response.last_modified,
            fresh_for=max(hints) if hints else None,
            skipped=dict(read.skipped) if read else {},
            warnings=list(read.warnings) if read else [],
        )


@dataclass
class Read:
    """What reading one list document gave: the articles, the items left out and why, and its faults."""

    articles: list[Article] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def skip(self, reason: str) -> None:
        self.skipped[reason] = self.skipped.get(reason, 0) + 1

    def extend(self, other: Read) -> None:
        self.articles += other.articles
        for reason, count in other.skipped.items():
            self.skipped[reason] = self.skipped.get(reason, 0) + count
        self.warnings += other.warnings


class Source(Protocol):
    config: SourceConfig

    def collect(self, fetcher: Fetcher, state: SourceState) -> Collected: ...


def fetch_for(
    source: SourceConfig, fetcher: Fetcher, url: str, state: SourceState | None = None, *, page: bool = False
) -> Response:
    """GET ``url`` with the source's own limits and proxy; conditional when ``state`` holds validators.

    ``page`` marks pages finews chose to fetch (list and article pages): robots.txt applies to them.
    """
    return fetcher.get(
        url,
        etag=state.etag if state else None,
        last_modified=state.last_modified if state else None,
        timeout=source.timeout,
        max_bytes=source.max_bytes,
        proxy=source.proxy,
        page=page,
        allow_private=source.allow_private,
    )
