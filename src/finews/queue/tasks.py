"""The worker side: one job checks one source, through the same pipeline as ``finews fetch``.

A job may run twice (its worker died after saving, before the queue heard it finished): that is
harmless because the archive upserts each article by its identity, so the second save finds it
unchanged. A job never fails for a source's own trouble (a 404, a bad feed): that goes into the
source's health and backoff like in ``finews run``; only an infrastructure failure (the database
gone) fails the job, and the dispatcher enqueues the source again when it is still due.
"""

from __future__ import annotations

import logging
import os
import threading
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from procrastinate import App, JobContext

from ..config import Config, SourceConfig
from ..config.flags import active_sources
from ..fetch.client import Fetcher
from ..pipeline import fetch_all, open_understanding
from .app import FETCH_TASK, QueueError, build_app, ensure_schema, queue_conninfo
from .politeness import SharedHostGate

if TYPE_CHECKING:
    from ..enrich.understand import Understanding
    from ..store import Archive

log = logging.getLogger(__name__)
_RUNTIME = "finews"  # key of the worker's runtime in procrastinate's additional_context


def host_lock(source: SourceConfig) -> str | None:
    """The procrastinate lock shared by every job for this source's host (None: a local file needs none)."""
    parts = urlsplit(source.url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return f"host:{parts.hostname.lower()}"


def register(app: App, config: Config) -> None:
    """Add finews's tasks to ``app``; the dispatcher only defers them, workers also run them."""

    @app.task(name=FETCH_TASK, queue=config.queue.name, pass_context=True)
    def fetch_source(context: JobContext, name: str) -> dict[str, Any]:
        runtime = context.additional_context.get(_RUNTIME)
        if not isinstance(runtime, WorkerRuntime):
            raise QueueError(f"{FETCH_TASK} runs only in 'finews worker' (no archive in this process)")
        return runtime.fetch(name)


class WorkerRuntime:
    """What a worker process keeps between jobs: the archive, one fetcher, the understanding."""

    def __init__(self, config: Config, archive: Archive, fetcher: Fetcher) -> None:
        self.config = config
        self.archive = archive
        self.fetcher = fetcher
        self._understanding: Understanding | None = None
        self._resumed = False
        # procrastinate runs sync tasks in threads; with concurrency > 1 two jobs would share the
        # understanding (not thread-safe), so jobs of one process take turns here
        self._lock = threading.Lock()

    def fetch(self, name: str) -> dict[str, Any]:
        if name not in {s.name for s in active_sources(self.config)}:
            # removed from finews.toml or switched off by an admin after it was enqueued
            log.info("source %s is no longer active: skipped", name)
            return {"source": name, "skipped": True}
        with self._lock:
            log.info("pid %d fetching %s", os.getpid(), name)
            if not self._resumed:
                self._understanding = open_understanding(self.config, self.archive, datetime.now(UTC))
                self._resumed = True
            report = fetch_all(
                self.config, self.archive, names=[name], fetcher=self.fetcher, understanding=self._understanding
            )
        source = report.sources[0]
        log.info("%s: %s", name, source.summary)
        return {"source": name, "ok": source.ok, "added": source.added, "updated": source.updated}

    def close(self) -> None:
        self.fetcher.close()
        if isinstance(self.fetcher.gate, SharedHostGate):
            self.fetcher.gate.close()


def open_archive_for(config: Config) -> Archive:
    """The configured archive: PostgreSQL at ``storage.url``, else the SQLite file (one writer per job)."""
    from ..store import open_configured

    return open_configured(config)


def run_worker(config: Config, *, wait: bool = True, name: str | None = None) -> None:
    """Take fetch jobs until stopped (SIGTERM/SIGINT let the job in hand finish); ``wait=False``: until idle."""
    conninfo = queue_conninfo(config)
    ensure_schema(conninfo)
    app = build_app(config)
    fetcher = Fetcher(config.fetch, base_dir=config.base_dir)
    fetcher.gate = SharedHostGate(conninfo, config.fetch.per_host, config.fetch.host_interval)
    archive = open_archive_for(config)
    runtime = WorkerRuntime(config, archive, fetcher)
    try:
        app.run_worker(
            queues=[config.queue.name],
            name=name or f"finews-{os.getpid()}",
            concurrency=1,
            wait=wait,
            additional_context={_RUNTIME: runtime},
            # retried jobs and jobs freed by a host's lock send no notification: look for them this often
            fetch_job_polling_interval=config.queue.poll,
            update_heartbeat_interval=config.queue.heartbeat,
            stalled_worker_timeout=config.queue.stalled_after,
            # a finished fetch leaves nothing worth keeping (the source's health has it); failures stay to look at
            delete_jobs="successful",
        )
    finally:
        runtime.close()
        archive.close()
