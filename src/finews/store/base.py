"""The archive interface every backend implements; the rest of finews sees only this."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Protocol

from ..model import Article, SaveResult, SourceState


class Archive(Protocol):
    def save(self, articles: Sequence[Article]) -> SaveResult:
        """Insert new articles, update changed ones (same identity), skip unchanged; one transaction.

        Sets ``id``, ``slug`` and ``content_hash`` on each article passed in.
        """
        ...

    def iter_articles(self, *, source: str | None = None, newest_first: bool = True) -> Iterator[Article]:
        """Every stored article, streamed in batches, ordered by publication time."""
        ...

    def known(self, identities: Sequence[str]) -> set[str]:
        """The subset of these canonical URLs already archived."""
        ...

    def get(self, article_id: int) -> Article | None: ...

    def count(self, *, source: str | None = None) -> int: ...

    def source_state(self, name: str) -> SourceState: ...

    def source_states(self) -> list[SourceState]: ...

    def save_source_state(self, state: SourceState) -> None: ...

    def close(self) -> None: ...
