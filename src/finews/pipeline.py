"""The one place that runs the stages in order: sources → fetch → extract → enrich → store.

Publishing reads the archive afterwards (see :mod:`finews.publish`), so a failed source never
blocks the posts and pages of the others.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING

from .config import Config, SourceConfig
from .config.flags import active_sources
from .enrich import enrich
from .errors import FetchError, FinewsError
from .extract import canonical_url, prepare
from .fetch.client import Fetcher
from .health import next_check_after_failure, next_check_after_success
from .model import BEIJING, Article, SaveResult, SourceState
from .scrape import add_full_text
from .sources import Collected, build_source
from .sources.postfolder import PostFolderReader
from .store import Archive

if TYPE_CHECKING:
    from .enrich.understand import Understanding

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
    linked: int = 0  # of the new: near-duplicates of another source's report ("also reported by")
    skipped: int = 0  # items left out: missing a mapped field, cut off, or not extractable
    skip_reasons: dict[str, int] = field(default_factory=dict)  # why ("no 'url_w'") → how many
    warnings: list[str] = field(default_factory=list)  # what was wrong with the answer (a truncated feed)
    full_text_failed: list[str] = field(default_factory=list)  # "<url>: <cause>"
    error: str | None = None
    next_check: datetime | None = None

    @property
    def summary(self) -> str:
        if not self.ok:
            return f"error: {self.error}"
        if self.not_modified:
            return "not modified (304)"
        text = f"{self.found} items: {self.added} new, {self.updated} updated, {self.unchanged} unchanged"
        text += f", {self.duplicates} already from other sources" if self.duplicates else ""
        text += f", {self.linked} also reported elsewhere" if self.linked else ""
        text += f", {self.skipped} skipped{self._why_skipped()}" if self.skipped else ""
        if self.full_text_failed:
            text += f", {len(self.full_text_failed)} without full text ({self.full_text_failed[0]})"
        return text + "".join(f"; {warning}" for warning in self.warnings)

    def _why_skipped(self) -> str:
        reasons = self.skip_reasons
        if len(reasons) == 1:
            return f": {next(iter(reasons))}"
        return (": " + "; ".join(f"{count} {reason}" for reason, count in reasons.items())) if reasons else ""

    def skip(self, reason: str, count: int = 1) -> None:
        self.skipped += count
        self.skip_reasons[reason] = self.skip_reasons.get(reason, 0) + count


@dataclass
class FetchReport:
    sources: list[SourceReport] = field(default_factory=list)
    interrupted: bool = False  # stopped early: the sources not reported here stay due

    @property
    def failed(self) -> list[SourceReport]:
        return [s for s in self.sources if not s.ok]

    @property
    def added(self) -> int:
        return sum(s.added for s in self.sources)

    @property
    def updated(self) -> int:
        return sum(s.updated for s in self.sources)


@dataclass
class _Gathered:
    """What a worker thread brings back for one source; only the calling thread writes the archive."""

    collected: Collected | None = None
    articles: list[Article] = field(default_factory=list)
    already_known: int = 0
    full_text_failed: list[str] = field(default_factory=list)
    error: str | None = None
    retry_after: float | None = None


def fetch_all(
    config: Config,
    archive: Archive,
    *,
    names: Iterable[str] | None = None,
    on_done: Callable[[SourceReport], None] | None = None,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
    stop: threading.Event | None = None,
    fetcher: Fetcher | None = None,
    understanding: Understanding | None = None,
) -> FetchReport:
    """Check every enabled source (or those in ``names``) in parallel; one failing source never stops the rest.

    Sources are fetched and cleaned by ``fetch.workers`` threads; each source's articles are then
    saved by this thread in one transaction. When ``stop`` is set, sources not yet started are left
    for the next run and those in flight finish and are saved: nothing fetched is lost.
    ``understanding`` is reused across calls by a long-running caller; by default it is resumed
    from the archive (when ``understand.enabled``).
    """
    wanted = [config.source(n) for n in names] if names else active_sources(config)
    report = FetchReport()
    if not wanted:
        return report
    own_fetcher = fetcher is None
    active = fetcher or Fetcher(config.fetch, base_dir=config.base_dir)
    if understanding is None:
        understanding = open_understanding(config, archive, now())
    threads = min(config.fetch.workers, len(wanted))
    pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="fetch")
    try:
        states = {source.name: archive.source_state(source.name) for source in wanted}
        for source, future in _in_order(
            wanted,
            lambda source: pool.submit(_gather, source, active, archive, states[source.name], config),
            ahead=threads + max(threads, _MIN_AHEAD),
            stopped=lambda: stop is not None and stop.is_set(),
        ):
            result = _record(source, future.result(), states[source.name], archive, config, now(), understanding)
            report.sources.append(result)
            if on_done:
                on_done(result)
            if stop is not None and stop.is_set():
                report.interrupted = True
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        if own_fetcher:
            active.close()
    return report


# Sources gathered beyond the one being saved, at least: a slow source then holds up little
_MIN_AHEAD = 4


def _in_order(
    wanted: list[SourceConfig],
    submit: Callable[[SourceConfig], Future[_Gathered]],
    *,
    ahead: int,
    stopped: Callable[[], bool],
) -> Iterator[tuple[SourceConfig, Future[_Gathered]]]:
    """Each source's finished gathering, in configuration order, while the next ones download.

    The archive's answer (which report is the first, which article a story starts with) depends on the
    order articles are saved in, so sources are saved as configured, never as their downloads finish:
    the same feeds give the same archive with one thread or many. At most ``ahead`` sources are
    submitted and not yet handed out, so the results waiting behind a slow source stay bounded. Once
    ``stopped()``, nothing more is started and what was started is still handed out.
    """
    queued = iter(wanted)
    window: deque[tuple[SourceConfig, Future[_Gathered]]] = deque()
    while True:
        while len(window) < ahead and not stopped() and (source := next(queued, None)) is not None:
            window.append((source, submit(source)))
        if not window:
            return
        source, future = window.popleft()
        if stopped():
            for _, later in window:
                later.cancel()  # not started yet: left due for the next run
        if not future.cancelled():
            yield source, future


def _gather(source: SourceConfig, fetcher: Fetcher, archive: Archive, state: SourceState, config: Config) -> _Gathered:
    """Collect, (full text,) extract and enrich one source, in a worker thread. Never raises."""
    gathered = _Gathered()
    try:
        collected = build_source(source).collect(fetcher, state)
        gathered.collected = collected
        raw = collected.articles
        if source.full_text and raw:
            # an archived article already has its page's text: fetch only the new ones
            known = archive.known([canonical_url(a.url) for a in raw])
            fresh = [a for a in raw if canonical_url(a.url) not in known]
            gathered.already_known = len(raw) - len(fresh)
            scraped = add_full_text(fresh, source, fetcher, config.sites)
            gathered.full_text_failed = scraped.failures
            raw = fresh
        gathered.articles = raw
    except FetchError as exc:
        gathered.error, gathered.retry_after = str(exc), exc.retry_after
    except FinewsError as exc:
        gathered.error = str(exc)
    except Exception as exc:  # a bug or a library surprise in one source must not stop the others
        log.exception("source %s failed unexpectedly", source.name)
        gathered.error = f"{type(exc).__name__}: {exc}"
    return gathered


def open_understanding(config: Config, archive: Archive, now: datetime) -> Understanding | None:
    """The duplicate index and open stories as the archive holds them, or None when switched off."""
    if not config.understand.enabled:
        return None
    from .enrich.understand import Understanding  # jieba and the MinHash index load only when used

    return Understanding.resume(archive, now)  # type: ignore[arg-type]  # understand needs the SQL archive


def _record(
    source: SourceConfig,
    gathered: _Gathered,
    state: SourceState,
    archive: Archive,
    config: Config,
    now: datetime,
    understanding: Understanding | None = None,
) -> SourceReport:
    """Extract, enrich and save what a worker gathered, and the source's health, in this thread."""
    report = SourceReport(source.name)
    state.last_checked = now
    collected = gathered.collected
    if gathered.error is None and collected is not None:
        try:
            report.not_modified = collected.not_modified
            report.found = len(collected.articles) + sum(collected.skipped.values())
            for reason, count in collected.skipped.items():
                report.skip(reason, count)
            report.warnings = list(collected.warnings)
            report.full_text_failed = gathered.full_text_failed
            saved = _save(enrich(_extract(gathered.articles, source, now, report)), archive, understanding)
        except FinewsError as exc:
            gathered.error = str(exc)
        except Exception as exc:
            log.exception("source %s failed unexpectedly", source.name)
            gathered.error = f"{type(exc).__name__}: {exc}"
    if gathered.error is not None or collected is None:
        return _failed(report, source, state, archive, config, now, gathered.error or "nothing collected",
                       gathered.retry_after)  # fmt: skip
    state.etag = collected.etag or state.etag
    state.last_modified = collected.last_modified or state.last_modified
    report.added, report.updated, report.duplicates = saved.added, saved.updated, saved.duplicates
    report.linked = saved.linked
    report.unchanged = saved.unchanged + gathered.already_known
    state.last_success, state.last_error, state.consecutive_failures = now, None, 0
    state.last_new, state.last_updated = saved.added, saved.updated
    state.next_check = next_check_after_success(source, config.fetch, now, collected.fresh_for)
    report.next_check = state.next_check
    archive.save_source_state(state)
    return report


def _extract(raw: list[Article], source: SourceConfig, now: datetime, report: SourceReport) -> list[Article]:
    clean: list[Article] = []
    for article in raw:
        try:
            clean.append(prepare(article, zone=source.zone, now=now))
        except Exception as exc:  # one hostile item must not cost the feed its other items
            report.skip("not extractable")
            log.warning("source %s: skipped item %s: %s", source.name, article.url or article.guid, exc)
    kept = [a for a in clean if a.canonical_url or a.guid]
    if len(kept) < len(clean):
        report.skip("no web link or id", len(clean) - len(kept))
    return kept


def _failed(
    report: SourceReport,
    source: SourceConfig,
    state: SourceState,
    archive: Archive,
    config: Config,
    now: datetime,
    message: str,
    retry_after: float | None,
) -> SourceReport:
    report.ok, report.error = False, message
    state.last_error = message
    state.consecutive_failures += 1
    state.next_check = next_check_after_failure(source, config.fetch, now, state.consecutive_failures, retry_after)
    report.next_check = state.next_check
    try:
        archive.save_source_state(state)
    except FinewsError as exc:
        report.error = f"{message}; and {exc}"
    return report


def _save(batch: list[Article], archive: Archive, understanding: Understanding | None) -> SaveResult:
    """Link near-duplicates, save, then record what the saved articles are about.

    With understanding, all of it is one turn of the archive's understanding lock, after taking in what
    other processes saved since this one last looked: workers sharing one archive then decide as one
    process would, whichever of them fetched a report first. Understanding is an addition: if it
    breaks on some text, the articles are still saved, unlinked.
    """
    if understanding is None:
        return archive.save(batch)
    with archive.understanding_turn():
        try:
            understanding.catch_up(archive)  # type: ignore[arg-type]  # an understanding means the SQL archive
            understanding.link_duplicates(batch)
        except Exception:
            log.exception("near-duplicate detection failed; saving the batch unlinked")
            for article in batch:
                article.replaces = article.repeats = None
        saved = archive.save(batch)
        if saved.changed:
            try:
                findings = understanding.describe(saved.changed)
            except Exception:
                log.exception("stories and entities failed for a batch; its articles are saved without them")
                findings = None
            if findings is not None:
                archive.save_findings(findings)
        understanding.caught_up(archive)  # type: ignore[arg-type]  # as in catch_up
    return saved


def ingest_articles(
    articles: Iterable[Article],
    archive: Archive,
    *,
    zone: tzinfo = BEIJING,
    batch_size: int = 500,
    understanding: Understanding | None = None,
) -> int:
    """Extract and store articles that did not come from a configured fetch (imports, benchmarks)."""
    stored = 0
    batch: list[Article] = []
    for article in articles:
        batch.append(prepare(article, zone=zone))
        if len(batch) >= batch_size:
            stored += _store(batch, archive, understanding)
            batch = []
    if batch:
        stored += _store(batch, archive, understanding)
    return stored


@dataclass
class ImportReport:
    files: int = 0
    entries: int = 0
    repeats: int = 0  # the same link seen again in a later post or digest
    stored: int = 0  # added or updated in the archive
    problems: list[tuple[str, str]] = field(default_factory=list)  # (file, reason) for each file skipped


def import_folder(
    root: Path, archive: Archive, *, source: str, fmt: str = "auto", zone: tzinfo = BEIJING
) -> ImportReport:
    """Migrate an existing Jekyll/Hexo/Hugo post folder or digest folder into the archive, streamed."""
    reader = PostFolderReader(root, source, fmt, zone=zone)
    stored = ingest_articles(reader, archive, zone=zone)
    return ImportReport(
        files=reader.files,
        entries=reader.entries,
        repeats=reader.repeats,
        stored=stored,
        problems=[(str(path), reason) for path, reason in reader.problems],
    )


def _store(batch: list[Article], archive: Archive, understanding: Understanding | None) -> int:
    saved = _save(enrich(batch), archive, understanding)
    return saved.added + saved.updated
