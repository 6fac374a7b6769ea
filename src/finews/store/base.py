"""The archive interface every backend implements; the rest of finews sees only this."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from ..model import Article, SaveResult, SourceState

if TYPE_CHECKING:
    from .changes import Changes
    from .findings import Findings, StoredFingerprint, StoredStory


class Archive(Protocol):
    def save(self, articles: Sequence[Article]) -> SaveResult:
        """Insert new articles, update changed ones (same identity), skip unchanged; one transaction.

        Sets ``id``, ``slug`` and ``content_hash`` on each article passed in.
        """
        ...

    def iter_articles(
        self, *, source: str | None = None, newest_first: bool = True, linked: bool = False
    ) -> Iterator[Article]:
        """Stored articles, streamed in batches, ordered by publication time.

        Articles linked to another source's first report are left out unless ``linked``.
        """
        ...

    def also_reported(self) -> dict[int, list[Article]]:
        """First report id → the other sources' near-duplicates linked to it."""
        ...

    def recent_fingerprints(self, since: datetime) -> Iterator[StoredFingerprint]: ...

    def recent_stories(self, since: datetime) -> Iterator[StoredStory]: ...

    def fingerprints(self, identities: Sequence[str]) -> dict[str, bytes]:
        """The stored near-duplicate fingerprints of the articles with these identities."""
        ...

    def understanding_turn(self) -> AbstractContextManager[None]:
        """Decide and save one batch at a time across processes (a no-op where only one process writes)."""
        ...

    def change_mark(self) -> datetime | None:
        """The latest ``changed_at``: where :meth:`changed_since` picks up."""
        ...

    def changed_since(self, mark: datetime | None) -> Changes:
        """Articles (with fingerprints) changed after ``mark``, and their stories."""
        ...

    def save_findings(self, batch: Sequence[Findings]) -> None:
        """Stories, mentions and executive moves of saved articles, in one transaction."""
        ...

    def moves(self) -> list[dict]:
        """Executive moves, one per (person, organization), each with the articles reporting it."""
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
