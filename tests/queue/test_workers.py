"""Three `finews worker` processes and `finews dispatch` on 300 feeds; one worker is killed mid-job.

Every item must end in the PostgreSQL archive exactly once, every source must be fetched, and the
killed worker's job must be finished by another worker.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from finews.config import load_config
from finews.store import open_configured
from tests.loopback import LoopbackServer, Reply, Request

from .feeds import HostServer, item_url, rss, write_config

SOURCES = 300
ITEMS = 2
SLOW = "s000"  # the first source of its host: the first job its host's lock lets run
SLOW_SECONDS = 20.0  # far longer than the test needs to see it taken and kill its worker
DEADLINE = 150.0  # a guard against hanging, not a speed limit: the machine may be busy


@pytest.fixture
def servers() -> Iterator[tuple[LoopbackServer, HostServer]]:
    with LoopbackServer() as first, HostServer("127.0.0.2") as second:
        yield first, second


def _serve(servers: tuple[LoopbackServer, HostServer]) -> tuple[list[dict], threading.Event]:
    """300 feeds over three host names; the slow source stalls its first answer only."""
    first, second = servers
    answered_slowly = threading.Event()
    sources = []
    for index in range(SOURCES):
        name = f"s{index:03d}"
        path = f"/feeds/{name}.xml"
        server = second if index % 3 == 2 else first
        body = rss(index, ITEMS)
        if name == SLOW:

            def slow(_request: Request, body: bytes = body) -> Reply:
                if not answered_slowly.is_set():
                    answered_slowly.set()
                    time.sleep(SLOW_SECONDS)  # the worker that asked is killed meanwhile
                return Reply(200, body, {"Content-Type": "application/rss+xml"})

            server.add(path, handler=slow)
        else:
            server.add(path, body, content_type="application/rss+xml")
        url = server.url(path)
        if index % 3 == 1:
            url = url.replace("127.0.0.1", "localhost")  # same server, another host name for politeness
        sources.append({"name": name, "url": url, "interval": 3600})
    return sources, answered_slowly


def _finews(*args: str, log: Path) -> subprocess.Popen:
    handle = log.open("wb")
    return subprocess.Popen(
        [sys.executable, "-m", "finews.cli", *args],
        stdout=handle,
        stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


def _wait_for(check, what: str, deadline: float) -> None:
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


def _job_status(db: str, name: str) -> str | None:
    with psycopg.connect(db) as connection:
        row = connection.execute(
            "SELECT status FROM procrastinate_jobs WHERE args->>'name' = %s ORDER BY id DESC LIMIT 1", (name,)
        ).fetchone()
    return row[0] if row else None


def _all_fetched(db: str) -> bool:
    with psycopg.connect(db) as connection:
        done = connection.execute("SELECT count(*) FROM sources WHERE last_success IS NOT NULL").fetchone()
        pending = connection.execute(
            "SELECT count(*) FROM procrastinate_jobs WHERE status IN ('todo', 'doing')"
        ).fetchone()
    return bool(done and pending and done[0] == SOURCES and pending[0] == 0)


def test_killed_worker_job_is_finished_by_another_and_every_item_arrives_once(tmp_path, queue_db, servers):
    sources, answered_slowly = _serve(servers)
    config_path = write_config(
        tmp_path / "finews.toml",
        {
            "storage": {"url": queue_db},
            # a host_interval makes every request book its host's turn in the shared table (spacing: test_queue.py)
            "fetch": {"allow_private": True, "host_interval": 0.01, "retry_wait": 0.01, "timeout": 60},
            "queue": {"poll": 0.3, "heartbeat": 0.5, "stalled_after": 3},
            "run": {"site": False},
            "understand": {"enabled": False},  # stories and entities are not what this test is about
        },
        sources,
    )
    started = time.monotonic()
    logs = [tmp_path / f"worker{n}.log" for n in range(3)]
    workers = [_finews("worker", "-c", str(config_path), log=log) for log in logs]
    dispatcher = _finews("dispatch", "-c", str(config_path), "--no-publish", log=tmp_path / "dispatch.log")
    try:
        _wait_for(answered_slowly.is_set, "the slow feed to be requested", started + DEADLINE)
        holder = next(i for i, log in enumerate(logs) if f"fetching {SLOW}" in log.read_text(errors="replace"))
        assert _job_status(queue_db, SLOW) == "doing"
        workers[holder].send_signal(signal.SIGKILL)
        workers[holder].wait(10)

        _wait_for(lambda: _all_fetched(queue_db), "all sources fetched", started + DEADLINE)
    finally:
        for process in [*workers, dispatcher]:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in [*workers, dispatcher]:
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    assert servers[0].hits(f"/feeds/{SLOW}.xml") >= 2  # asked again after the first asker died
    others = [log.read_text(errors="replace") for i, log in enumerate(logs) if i != holder]
    assert any(f"fetching {SLOW}" in text for text in others), "another worker took the killed worker's job"
    assert "jobs retried" in (tmp_path / "dispatch.log").read_text(errors="replace")

    with psycopg.connect(queue_db) as connection:
        booked = {row[0] for row in connection.execute("SELECT host FROM finews_host_turns")}
    assert booked == {"127.0.0.1", "localhost", "127.0.0.2"}

    archive = open_configured(load_config(config_path))
    try:
        urls = [article.url for article in archive.iter_articles(linked=True)]
        states = {state.name: state for state in archive.source_states()}
    finally:
        archive.close()
    assert len(urls) == len(set(urls)), "an item was stored twice"
    assert set(urls) == {item_url(i, j) for i in range(SOURCES) for j in range(ITEMS)}
    assert all(states[f"s{i:03d}"].last_success is not None for i in range(SOURCES))
    # each source fetched once, apart from the slow one's retry: the queue never doubled a job
    hits = sum(server.hits(f"/feeds/s{i:03d}.xml") for server in servers for i in range(SOURCES))
    assert hits == SOURCES + 1
