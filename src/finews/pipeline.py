"""The one place that runs the stages in order: sources → fetch → extract → enrich → store.

Publishing reads the archive afterwards (see :mod:`finews.publish`), so a failed source never
blocks the posts and pages of the others.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo

from .config import Config, SourceConfig
from .enrich import enrich
from .errors import FinewsError
from .extract import prepare
from .fetch.client import Fetcher
from .model import BEIJING, Article, SourceState
from .sources import build_source
from .store import Archive

log = logging.getLogger(__name__)


@dataclass
class SourceReport:
    name: str
    ok: bool = True
    not_modified: bool = False
    found: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicates: int = 0  # already archived from another source
    skipped: int = 0  # items that could not be extracted
    error: str | None = None

    @property
    def summary(self) -> str:
        if not self.ok:
            return f"error: {self.error}"
        if self.not_modified:
            return "not modified (304)"
        text = f"{self.found} items: {self.added} new, {self.updated} updated, {self.unchanged} unchanged"
        text += f", {self.duplicates} already from other sources" if self.duplicates else ""
        return text + (f", {self.skipped} skipped" if self.skipped else "")


@dataclass
class FetchReport:
    sources: list[SourceReport] = field(default_factory=list)

    @property
    def failed(self) -> list[SourceReport]:
        return [s for s in self.sources if not s.ok]

    @property
    def added(self) -> int:
        return sum(s.added for s in self.sources)

    @property
    def updated(self) -> int:
        return sum(s.updated for s in self.sources)


def fetch_all(
    config: Config,
    archive: Archive,
    *,
    names: Iterable[str] | None = None,
    on_done: Callable[[SourceReport], None] | None = None,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> FetchReport:
    """Check every enabled source (or those in ``names``); one failing source never stops the rest."""
    wanted = [config.source(n) for n in names] if names else [s for s in config.sources if s.enabled]
    report = FetchReport()
    with Fetcher(config.fetch, base_dir=config.base_dir) as fetcher:
        for source in wanted:
            result = ingest_source(source, fetcher, archive, now=now())
            report.sources.append(result)
            if on_done:
                on_done(result)
    return report


def ingest_source(source: SourceConfig, fetcher: Fetcher, archive: Archive, *, now: datetime) -> SourceReport:
    """Collect, extract, enrich and store one source, recording its health in the archive."""
    report = SourceReport(source.name)
    state = archive.source_state(source.name)
    state.last_checked = now
    try:
        collected = build_source(source).collect(fetcher, state)
        state.etag, state.last_modified = collected.etag or state.etag, collected.last_modified or state.last_modified
        report.not_modified = collected.not_modified
        report.found = len(collected.articles)
        batch = enrich(_extract(collected.articles, source, now, report))
        saved = archive.save(batch)
    except FinewsError as exc:
        return _failed(report, state, archive, str(exc))
    except Exception as exc:  # a bug or a library surprise in one source must not stop the others
        log.exception("source %s failed unexpectedly", source.name)
        return _failed(report, state, archive, f"{type(exc).__name__}: {exc}")
    report.added, report.updated, report.unchanged = saved.added, saved.updated, saved.unchanged
    report.duplicates = saved.duplicates
    state.last_success, state.last_error, state.consecutive_failures = now, None, 0
    state.last_new, state.last_updated = saved.added, saved.updated
    archive.save_source_state(state)
    return report


def _extract(raw: list[Article], source: SourceConfig, now: datetime, report: SourceReport) -> list[Article]:
    clean: list[Article] = []
    for article in raw:
        try:
            clean.append(prepare(article, zone=source.zone, now=now))
        except Exception as exc:  # one hostile item must not cost the feed its other items
            report.skipped += 1
            log.warning("source %s: skipped item %s: %s", source.name, article.url or article.guid, exc)
    return [a for a in clean if a.canonical_url or a.guid]


def _failed(report: SourceReport, state: SourceState, archive: Archive, message: str) -> SourceReport:
    report.ok, report.error = False, message
    state.last_error = message
    state.consecutive_failures += 1
    try:
        archive.save_source_state(state)
    except FinewsError as exc:
        report.error = f"{message}; and {exc}"
    return report


def ingest_articles(
    articles: Iterable[Article], archive: Archive, *, zone: tzinfo = BEIJING, batch_size: int = 500
) -> int:
    """Extract and store articles that did not come from a configured fetch (imports, benchmarks)."""
    stored = 0
    batch: list[Article] = []
    for article in articles:
        batch.append(prepare(article, zone=zone))
        if len(batch) >= batch_size:
            stored += _store(batch, archive)
            batch = []
    if batch:
        stored += _store(batch, archive)
    return stored


def _store(batch: list[Article], archive: Archive) -> int:
    saved = archive.save(enrich(batch))
    return saved.added + saved.updated
