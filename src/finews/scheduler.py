"""``finews run``: each source on its own interval, ingest, then publish what changed; until stopped.

Time comes from ``clock`` and waiting from ``wait`` so tests drive the loop with a controllable clock.
Stopping (SIGTERM, Ctrl-C) sets ``stop``: the sources in flight finish and are saved, the rest stay
due for the next start, and the loop ends after publishing what was saved.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from .config import Config, SourceConfig
from .config.flags import active_sources
from .health import due_at, is_due
from .model import SourceState
from .pipeline import FetchReport, SourceReport, fetch_all, open_understanding
from .publish import PublishReport, publish_all
from .store import Archive

if TYPE_CHECKING:
    from .enrich.understand import Understanding

log = logging.getLogger(__name__)


def publish_or_report(
    publish: Callable[[Config, Archive], PublishReport], config: Config, archive: Archive
) -> tuple[PublishReport | None, str | None]:
    """Publish after a round; a failure (a full disk) is logged and returned as text, not raised:
    it must not stop the loop, and the caller publishes again after the next round."""
    try:
        return publish(config, archive), None
    except Exception as exc:
        log.exception("publishing failed")
        return None, f"{type(exc).__name__}: {exc}"


@dataclass
class RoundReport:
    started: datetime
    fetched: FetchReport
    published: PublishReport | None = None  # None when nothing changed
    publish_error: str | None = None


class Scheduler:
    def __init__(
        self,
        config: Config,
        archive: Archive,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        stop: threading.Event | None = None,
        wait: Callable[[float], object] | None = None,
        publish: Callable[[Config, Archive], PublishReport] | None = None,
        on_source: Callable[[SourceReport], None] | None = None,
    ) -> None:
        self.config = config
        self.archive = archive
        self.clock = clock
        self.stop = stop or threading.Event()
        self.wait = wait or self.stop.wait  # returns early when stop is set
        self.publish = publish or (lambda cfg, arc: publish_all(cfg, arc, now=self.clock()))
        self.on_source = on_source
        self._unpublished = False  # a publish failed: retry after the next round even if nothing changed
        self._understanding: Understanding | None = None  # resumed once, then kept current round after round
        self._config_since = clock()  # checks before this may have had a longer interval (see health.due_at)

    def _next_check(self, source: SourceConfig, state: SourceState | None) -> datetime | None:
        return due_at(source, state, config_since=self._config_since) if state else None

    def due(self) -> list[str]:
        """Enabled sources whose next check has come (never checked counts as due)."""
        now = self.clock()
        states = {s.name: s for s in self.archive.source_states()}
        return [
            s.name
            for s in active_sources(self.config)  # an admin's "disable" takes effect at the next round
            if is_due(self._next_check(s, states.get(s.name)), now)
        ]

    def seconds_to_next(self) -> float:
        """How long to sleep: until the earliest next check, at most ``run.idle`` so config edits show up."""
        now = self.clock()
        states = {s.name: s for s in self.archive.source_states()}
        due = [self._next_check(s, states.get(s.name)) for s in active_sources(self.config)]
        waits = [(when - now).total_seconds() for when in due if when is not None]
        return max(0.0, min([self.config.run.idle, *waits]))

    def run_once(self) -> RoundReport | None:
        """Check the due sources; republish when the archive changed. None when nothing was due."""
        names = self.due()
        if not names:
            return None
        started = self.clock()
        if self._understanding is None:
            self._understanding = open_understanding(self.config, self.archive, started)
        fetched = fetch_all(self.config, self.archive, names=names, now=self.clock, stop=self.stop,
                            on_done=self.on_source, understanding=self._understanding)  # fmt: skip
        report = RoundReport(started, fetched)
        if fetched.added or fetched.updated or self._unpublished:
            report.published, report.publish_error = publish_or_report(self.publish, self.config, self.archive)
            self._unpublished = report.publish_error is not None
        return report

    def run(self, *, max_rounds: int | None = None, on_round: Callable[[RoundReport], None] | None = None) -> int:
        """Loop until stopped (or ``max_rounds`` rounds that checked something); returns the rounds run."""
        rounds = 0
        while not self.stop.is_set():
            report = self.run_once()
            if report is not None:
                rounds += 1
                if on_round:
                    on_round(report)
                if max_rounds is not None and rounds >= max_rounds:
                    break
            if self.stop.is_set():
                break
            self.wait(self.seconds_to_next())
        return rounds
