"""The queue's parts in one process, against a real PostgreSQL: schema, dispatching, shared politeness."""

from __future__ import annotations

import asyncio
import itertools
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from finews.errors import ConfigError
from finews.fetch.client import Fetcher
from finews.queue import FETCH_TASK, Dispatcher, build_app, ensure_schema, host_lock, queue_conninfo
from finews.queue.politeness import SharedHostGate
from finews.queue.tasks import WorkerRuntime
from finews.store import open_configured
from tests.conftest import make_config
from tests.loopback import LoopbackServer

from .feeds import item_url, rss


def _config(tmp_path, db: str, names: int = 3, **sections: dict):
    sources = [
        {"name": "a", "url": "http://127.0.0.1:9/a.xml"},
        {"name": "b", "url": "http://127.0.0.1:9/b.xml"},
        {"name": "c", "url": "https://Feeds.Example.cn/c.xml"},
        {"name": "local", "url": "samples/x.xml"},
    ][:names]
    return make_config(tmp_path, sources, storage={"url": db}, **sections)


def test_conninfo_prefers_queue_url_and_refuses_sqlite(tmp_path):
    archive_url = "postgresql+psycopg://u@db.internal/news"
    assert queue_conninfo(_config(tmp_path, archive_url)) == "postgresql://u@db.internal/news"
    own = _config(tmp_path, archive_url, queue={"url": "postgres://q@other/jobs"})
    assert queue_conninfo(own) == "postgresql://q@other/jobs"
    with pytest.raises(ConfigError, match="needs PostgreSQL"):
        queue_conninfo(make_config(tmp_path, []))  # the default SQLite archive
    with pytest.raises(ConfigError, match="needs PostgreSQL"):
        queue_conninfo(make_config(tmp_path, [], queue={"url": "sqlite:///jobs.db"}))


def test_host_lock_is_the_host_name_and_none_for_files(tmp_path):
    config = _config(tmp_path, "postgresql://x/y", names=4)
    assert [host_lock(s) for s in config.sources] == ["host:127.0.0.1", "host:127.0.0.1", "host:feeds.example.cn", None]


def test_schema_is_created_once_when_processes_start_together(queue_db):
    with ThreadPoolExecutor(4) as pool:
        created = list(pool.map(lambda _: ensure_schema(queue_db), range(4)))
    assert created.count(True) == 1
    assert ensure_schema(queue_db) is False
    with psycopg.connect(queue_db) as connection:
        tables = {row[0] for row in connection.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
    assert {"procrastinate_jobs", "procrastinate_workers", "finews_host_turns"} <= tables


def _jobs(db: str) -> list[tuple]:
    with psycopg.connect(db) as connection:
        return connection.execute(
            "SELECT args->>'name', status, lock, queueing_lock FROM procrastinate_jobs ORDER BY id"
        ).fetchall()


async def _rounds(dispatcher: Dispatcher, count: int):
    async with dispatcher.app.open_async():
        return [await dispatcher.round() for _ in range(count)]


def test_due_sources_are_enqueued_once_with_their_host_lock(tmp_path, queue_db):
    config = _config(tmp_path, queue_db)
    ensure_schema(queue_db)
    archive = open_configured(config)
    try:
        later = archive.source_state("b")
        later.next_check = datetime.now(UTC) + timedelta(hours=1)
        archive.save_source_state(later)
        dispatcher = Dispatcher(config, archive, build_app(config))
        first, second = asyncio.run(_rounds(dispatcher, 2))
    finally:
        archive.close()
    assert first.enqueued == ["a", "c"]  # b is not due yet
    assert second.enqueued == []  # their jobs are still waiting
    assert _jobs(queue_db) == [
        ("a", "todo", "host:127.0.0.1", "finews:source:a"),
        ("c", "todo", "host:feeds.example.cn", "finews:source:c"),
    ]


def test_the_job_of_a_silent_worker_goes_back_to_the_queue(tmp_path, queue_db):
    config = _config(tmp_path, queue_db, names=1, queue={"stalled_after": 5})
    ensure_schema(queue_db)
    archive = open_configured(config)
    app = build_app(config)

    async def scenario():
        async with app.open_async():
            dispatcher = Dispatcher(config, archive, app)
            await dispatcher.round()
            worker_id = await app.job_manager.register_worker()
            job = await app.job_manager.fetch_job(queues=[config.queue.name], worker_id=worker_id)
            assert job is not None and job.task_name == FETCH_TASK
            alive = await dispatcher.round()  # its worker's heartbeat is fresh: left alone
            async with app.connector.pool.connection() as connection:  # the worker falls silent for a minute
                await connection.execute(
                    "UPDATE procrastinate_workers SET last_heartbeat = now() - interval '1 minute' WHERE id = %s",
                    (worker_id,),
                )
            dead = await dispatcher.round()
            return job.id, alive, dead

    try:
        job_id, alive, dead = asyncio.run(scenario())
    finally:
        archive.close()
    assert alive.retried == [] and alive.enqueued == []
    assert dead.retried == [job_id]
    assert dead.enqueued == []  # the retried job is the source's one job: no second one
    assert _jobs(queue_db) == [("a", "todo", "host:127.0.0.1", "finews:source:a")]


def test_dispatcher_publishes_only_after_workers_saved_news(tmp_path, queue_db):
    config = _config(tmp_path, queue_db, names=1)
    ensure_schema(queue_db)
    archive = open_configured(config)
    published = []
    try:
        dispatcher = Dispatcher(config, archive, build_app(config), publish=lambda cfg, arc: published.append(1))
        asyncio.run(_rounds(dispatcher, 2))
        assert published == []
        state = archive.source_state("a")  # what a worker writes after saving 3 new articles
        state.last_checked, state.last_new = datetime.now(UTC), 3
        archive.save_source_state(state)
        asyncio.run(_rounds(dispatcher, 2))
    finally:
        archive.close()
    assert published == [1]


def test_shared_gate_spaces_requests_to_a_host_across_connections(queue_db):
    ensure_schema(queue_db)
    gates = [SharedHostGate(queue_db, 2, 0.2), SharedHostGate(queue_db, 2, 0.2)]  # as two worker processes
    try:
        starts = []
        for turn in range(6):
            wait = gates[turn % 2].reserve("feeds.example.cn")
            starts.append(time.monotonic() + wait)
        other = gates[0].reserve("other.example.cn")
    finally:
        for gate in gates:
            gate.close()
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    assert all(0.15 < gap < 0.25 for gap in gaps), gaps
    assert other == 0.0  # another host never waits for this one


def test_a_job_run_twice_stores_nothing_twice(tmp_path, queue_db):
    """A worker that dies after saving, before the queue hears of it: its job runs again elsewhere."""
    with LoopbackServer() as server:
        server.add("/a.xml", rss(7, 5), content_type="application/rss+xml")
        sources = [{"name": "a", "url": server.url("/a.xml")}]
        config = make_config(tmp_path, sources, storage={"url": queue_db}, understand={"enabled": False})
        ensure_schema(queue_db)
        archive = open_configured(config)
        fetcher = Fetcher(config.fetch)
        fetcher.gate = SharedHostGate(queue_db, 2, 0.0)
        runtime = WorkerRuntime(config, archive, fetcher)
        try:
            first, again = runtime.fetch("a"), runtime.fetch("a")
            urls = [a.url for a in archive.iter_articles(linked=True)]
        finally:
            runtime.close()
            archive.close()
    assert server.hits("/a.xml") == 2
    assert (first["added"], again["added"], again["updated"]) == (5, 0, 0)
    assert sorted(urls) == sorted(item_url(7, n) for n in range(5))
