"""The scheduler side of the queue: enqueue the due sources, rescue the jobs of dead workers, publish.

One dispatcher runs beside any number of ``finews worker`` processes. Each round it
- enqueues a fetch job for every due source that has none waiting or running (the per-source
  ``queueing_lock`` also refuses a second waiting job if two dispatchers ever run at once),
- hands back to the queue the jobs whose worker stopped sending heartbeats (killed, machine
  gone) so another worker takes them,
- republishes the site and exports when a worker saved something new, as ``finews run`` does.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from procrastinate import App
from procrastinate.exceptions import AlreadyEnqueued, ConnectorException

from ..config import Config
from ..errors import FinewsError
from ..publish import PublishReport, publish_all
from ..scheduler import Scheduler, publish_or_report
from ..store import Archive
from .app import FETCH_TASK, build_app, ensure_schema, queue_conninfo
from .tasks import host_lock, open_archive_for

log = logging.getLogger(__name__)

_BUSY = """
SELECT DISTINCT args->>'name' AS name
  FROM procrastinate_jobs
 WHERE task_name = %(task)s AND queue_name = %(queue)s AND status IN ('todo', 'doing')
"""


@dataclass
class DispatchRound:
    enqueued: list[str] = field(default_factory=list)
    retried: list[int] = field(default_factory=list)  # job ids taken back from dead workers
    published: PublishReport | None = None
    publish_error: str | None = None


class Dispatcher:
    def __init__(
        self,
        config: Config,
        archive: Archive,
        app: App,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        publish: Callable[[Config, Archive], PublishReport] | None = None,
    ) -> None:
        self.config = config
        self.archive = archive
        self.app = app
        self.clock = clock
        self.publish = publish  # None: never publish (the workers' archive is read by someone else)
        self._schedule = Scheduler(config, archive, clock=clock)
        self._seen: dict[str, datetime | None] | None = None
        self._unpublished = False

    async def round(self) -> DispatchRound:
        report = DispatchRound()
        busy = {
            row["name"]
            for row in await self.app.connector.execute_query_all_async(
                _BUSY, task=FETCH_TASK, queue=self.config.queue.name
            )
        }
        task = self.app.tasks[FETCH_TASK]
        for name in await asyncio.to_thread(self._schedule.due):
            if name in busy:
                continue  # its job is waiting or running: its result moves next_check
            deferrer = task.configure(
                queue=self.config.queue.name,
                lock=host_lock(self.config.source(name)),  # one job per host at a time, across workers
                # per deployment: two sharing a database may both have a source of that name
                queueing_lock=f"{self.config.queue.name}:source:{name}",
            )
            try:
                await deferrer.defer_async(name=name)
            except AlreadyEnqueued:
                continue
            report.enqueued.append(name)
        stalled = await self.app.job_manager.get_stalled_jobs(
            queue=self.config.queue.name, task_name=FETCH_TASK, seconds_since_heartbeat=self.config.queue.stalled_after
        )
        for job in stalled:
            try:
                await self.app.job_manager.retry_job(job)
            except ConnectorException:  # its worker was only slow and finished it meanwhile
                log.info("job %s finished before it could be retried", job.id)
                continue
            log.warning("job %s (%s) lost its worker: back in the queue", job.id, job.task_kwargs.get("name"))
            if job.id is not None:
                report.retried.append(job.id)
        if self.publish is not None and (await asyncio.to_thread(self._changed) or self._unpublished):
            report.published, report.publish_error = await asyncio.to_thread(
                publish_or_report, self.publish, self.config, self.archive
            )
            self._unpublished = report.publish_error is not None
        return report

    def _changed(self) -> bool:
        """Whether a worker saved new or updated articles since the last look (the first look only notes)."""
        states = self.archive.source_states()
        checked = {s.name: s.last_checked for s in states}
        first, previous = self._seen is None, self._seen or {}
        self._seen = checked
        if first:
            return False
        return any(
            (s.last_new or s.last_updated) and s.last_checked != previous.get(s.name)
            for s in states
        )  # fmt: skip

    async def run(
        self,
        stop: threading.Event,
        *,
        max_rounds: int | None = None,
        on_round: Callable[[DispatchRound], None] | None = None,
    ) -> int:
        rounds = 0
        while not stop.is_set():
            try:
                report = await self.round()
            except (ConnectorException, FinewsError):  # the database restarting must not end dispatching
                log.exception("dispatch round failed; trying again in %g s", self.config.queue.poll)
                report = None
            rounds += 1
            if on_round and report is not None:
                on_round(report)
            if max_rounds is not None and rounds >= max_rounds:
                break
            await _sleep(self.config.queue.poll, stop)
        return rounds


async def _sleep(seconds: float, stop: threading.Event) -> None:
    """Sleep, waking within 0.2 s of a stop request (the signal handler sets a thread event)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not stop.is_set() and loop.time() < deadline:
        await asyncio.sleep(min(0.2, deadline - loop.time()))


def run_dispatcher(
    config: Config,
    stop: threading.Event,
    *,
    publish: bool = True,
    max_rounds: int | None = None,
    on_round: Callable[[DispatchRound], None] | None = None,
) -> int:
    """Dispatch until ``stop`` is set (or ``max_rounds``); returns the rounds run."""
    ensure_schema(queue_conninfo(config))
    app = build_app(config)
    archive = open_archive_for(config)

    async def main() -> int:
        async with app.open_async():
            dispatcher = Dispatcher(
                config,
                archive,
                app,
                publish=(lambda cfg, arc: publish_all(cfg, arc, now=datetime.now(UTC))) if publish else None,
            )
            return await dispatcher.run(stop, max_rounds=max_rounds, on_round=on_round)

    try:
        return asyncio.run(main())
    finally:
        archive.close()
