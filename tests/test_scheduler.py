"""``finews run``'s loop with a controllable clock, the archive lock, and a clean stop on SIGTERM."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from finews.scheduler import Scheduler
from finews.store import ArchiveBusy, ArchiveLock

from .conftest import make_config
from .loopback import LoopbackServer, Reply

START = datetime(2022, 1, 5, 7, 0, tzinfo=UTC)


def rss(*numbers: int) -> str:
    items = "".join(
        f"<item><title>第{n}条</title><link>http://news.example.cn/a/{n}.html</link>"
        f"<pubDate>Wed, 05 Jan 2022 07:0{n % 10}:00 GMT</pubDate><description>正文{n}</description></item>"
        for n in numbers
    )
    return f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>{items}</channel></rss>'


class Clock:
    def __init__(self) -> None:
        self.now = START
        self.waits: list[float] = []

    def __call__(self) -> datetime:
        return self.now

    def wait(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += timedelta(seconds=seconds)


def test_each_source_on_its_own_interval_and_publish_only_on_change(tmp_path, archive):
    clock = Clock()
    published: list[datetime] = []
    with LoopbackServer() as server:
        server.add("/fast.xml", rss(1), content_type="application/rss+xml")
        server.add("/slow.xml", rss(5), content_type="application/rss+xml")
        config = make_config(
            tmp_path,
            [
                {"name": "fast", "url": server.url("/fast.xml"), "interval": 60},
                {"name": "slow", "url": server.url("/slow.xml"), "interval": 600},
            ],
        )
        scheduler = Scheduler(
            config, archive, clock=clock, wait=clock.wait, publish=lambda c, a: published.append(clock.now)
        )
        first = scheduler.run_once()
        assert {s.name for s in first.fetched.sources} == {"fast", "slow"} and len(published) == 1
        assert scheduler.run_once() is None  # nothing due yet
        assert scheduler.seconds_to_next() == 60
        clock.wait(60)
        second = scheduler.run_once()
        assert [s.name for s in second.fetched.sources] == ["fast"] and second.published is None
        server.add("/fast.xml", rss(1, 2), content_type="application/rss+xml")
        clock.wait(60)
        third = scheduler.run_once()
        assert third.fetched.added == 1 and len(published) == 2
        clock.wait(600)
        assert set(scheduler.due()) == {"fast", "slow"}
    assert server.hits("/fast.xml") == 3 and server.hits("/slow.xml") == 1


def test_run_loop_sleeps_until_the_next_due_source(tmp_path, archive):
    clock = Clock()
    with LoopbackServer() as server:
        server.add("/a.xml", rss(1), content_type="application/rss+xml")
        config = make_config(tmp_path, [{"name": "a", "url": server.url("/a.xml"), "interval": 300}], run={"idle": 120})
        scheduler = Scheduler(config, archive, clock=clock, wait=clock.wait, publish=lambda c, a: None)
        assert scheduler.run(max_rounds=3) == 3
    assert server.hits("/a.xml") == 3
    assert clock.waits == [120, 120, 60, 120, 120, 60]  # idle caps each sleep; the source is due every 300 s


def test_publish_failure_is_retried_next_round(tmp_path, archive):
    clock = Clock()
    calls = []

    def flaky(_config, _archive):
        calls.append(clock.now)
        if len(calls) == 1:
            raise OSError(28, "No space left on device")

    with LoopbackServer() as server:
        server.add("/a.xml", rss(1), content_type="application/rss+xml")
        config = make_config(tmp_path, [{"name": "a", "url": server.url("/a.xml"), "interval": 60}])
        scheduler = Scheduler(config, archive, clock=clock, wait=clock.wait, publish=flaky)
        first = scheduler.run_once()
        assert "No space left" in first.publish_error and archive.count() == 1
        clock.wait(60)
        second = scheduler.run_once()
        assert second.fetched.added == 0 and second.publish_error is None and len(calls) == 2


def test_stop_leaves_unstarted_sources_due(tmp_path, archive):
    stop = threading.Event()
    with LoopbackServer() as server:
        for n in range(6):
            server.add(f"/{n}.xml", rss(n), content_type="application/rss+xml")
        sources = [{"name": f"s{n}", "url": server.url(f"/{n}.xml")} for n in range(6)]
        config = make_config(tmp_path, sources, fetch={"workers": 1})
        scheduler = Scheduler(config, archive, stop=stop, on_source=lambda r: stop.set(), publish=lambda c, a: None)
        report = scheduler.run_once()
    assert report.fetched.interrupted and 1 <= len(report.fetched.sources) < 6
    assert archive.count() == len(report.fetched.sources)  # what was fetched was saved
    assert len(scheduler.due()) == 6 - len(report.fetched.sources)


def test_lock_refuses_a_second_writer(tmp_path):
    lock_path = tmp_path / "finews.db.lock"
    with ArchiveLock(lock_path):
        with pytest.raises(ArchiveBusy, match=rf"pid {os.getpid()}.*--wait"), ArchiveLock(lock_path):
            pass
        started = time.monotonic()
        with pytest.raises(ArchiveBusy, match=r"after waiting 0\.3s"), ArchiveLock(lock_path, wait=0.3):
            pass
        assert time.monotonic() - started >= 0.3
    with ArchiveLock(lock_path):  # released
        pass


def _finews(*args: str, cwd: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "COLUMNS": "200"}
    return subprocess.Popen(
        [sys.executable, "-m", "finews.cli", *args], cwd=cwd, env=env, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def test_finews_run_stops_cleanly_on_sigterm_and_a_second_run_is_refused(tmp_path):
    def slowish(_request):
        time.sleep(0.3)
        return Reply(200, rss(1, 2).encode(), {"Content-Type": "application/rss+xml"})

    with LoopbackServer() as server:
        server.add("/a.xml", handler=slowish)
        (tmp_path / "finews.toml").write_text(
            f"[fetch]\nhost_interval = 0\nallow_private = true\n[run]\nsite = true\nidle = 0.2\n"
            f'[[sources]]\nname = "a"\nurl = "{server.url("/a.xml")}"\ninterval = 30\n',
            encoding="utf-8",
        )
        runner = _finews("run", cwd=tmp_path)
        try:
            deadline = time.monotonic() + 30
            while not (tmp_path / "site" / "index.html").exists() and time.monotonic() < deadline:
                time.sleep(0.1)
            assert (tmp_path / "site" / "index.html").exists(), runner.stderr.read() if runner.poll() else ""
            second = _finews("fetch", cwd=tmp_path)
            _, second_err = second.communicate(timeout=30)
            assert second.returncode == 2 and "another finews process" in second_err
            runner.send_signal(signal.SIGTERM)
            out, errors = runner.communicate(timeout=30)
        finally:
            if runner.poll() is None:
                runner.kill()
    assert runner.returncode == 0, errors
    assert "SIGTERM" in errors and "2 new" in out


def test_default_publish_rebuilds_the_site_and_run_exports(tmp_path, archive):
    clock = Clock()
    with LoopbackServer() as server:
        server.add("/a.xml", rss(1, 2), content_type="application/rss+xml")
        config = make_config(
            tmp_path,
            [{"name": "a", "url": server.url("/a.xml"), "interval": 60}],
            run={"exports": [{"format": "jekyll", "directory": "blog"}, {"format": "hexo", "directory": "hexo"}]},
        )
        report = Scheduler(config, archive, clock=clock, wait=clock.wait).run_once()
    assert report.published.site.articles == 2 and (tmp_path / "site/index.html").exists()
    assert [r.written for _, r in report.published.exports] == [2, 2]
    assert len(list((tmp_path / "blog/_posts").glob("*.md"))) == 2


def _one_source(tmp_path: Path, url: str, interval: int):
    return make_config(tmp_path, [{"name": "a", "url": url, "interval": interval}], run={"idle": 3600})


def test_a_shortened_interval_applies_at_once(tmp_path, archive):
    clock = Clock()
    with LoopbackServer() as server:
        server.add("/a.xml", rss(1), content_type="application/rss+xml")
        hourly = _one_source(tmp_path, server.url("/a.xml"), 3600)
        Scheduler(hourly, archive, clock=clock, wait=clock.wait, publish=lambda c, a: None).run_once()
        assert archive.source_state("a").next_check == START + timedelta(hours=1)
        clock.wait(30)
        # restarted with interval = 60: due a minute after the last check, not at the hourly time stored
        minutely = Scheduler(_one_source(tmp_path, server.url("/a.xml"), 60), archive, clock=clock,
                             wait=clock.wait, publish=lambda c, a: None)  # fmt: skip
        assert minutely.due() == [] and minutely.seconds_to_next() == 30
        clock.wait(30)
        assert minutely.due() == ["a"]
        assert minutely.run_once() is not None
        assert archive.source_state("a").next_check == START + timedelta(seconds=120)
        clock.wait(60)
        assert minutely.due() == ["a"]
    assert server.hits("/a.xml") == 2


def test_a_longer_interval_keeps_the_next_check_already_stored(tmp_path, archive):
    clock = Clock()
    with LoopbackServer() as server:
        server.add("/a.xml", rss(1), content_type="application/rss+xml")
        Scheduler(_one_source(tmp_path, server.url("/a.xml"), 60), archive, clock=clock, wait=clock.wait,
                  publish=lambda c, a: None).run_once()  # fmt: skip
        daily = Scheduler(_one_source(tmp_path, server.url("/a.xml"), 86400), archive, clock=clock,
                          wait=clock.wait, publish=lambda c, a: None)  # fmt: skip
        clock.wait(60)
        assert daily.due() == ["a"]


def test_a_shorter_interval_leaves_backoff_and_server_hints_alone(tmp_path, archive):
    clock = Clock()
    with LoopbackServer() as server:
        server.add("/down.xml", "busy", status=429, headers={"Retry-After": "7200"})
        cached = "<?xml version='1.0'?><rss version='2.0'><channel><title>t</title><ttl>120</ttl></channel></rss>"
        server.add("/cached.xml", cached, content_type="application/rss+xml")
        sources = [
            {"name": "down", "url": server.url("/down.xml"), "interval": 3600},
            {"name": "cached", "url": server.url("/cached.xml"), "interval": 60},
        ]
        config = make_config(tmp_path, sources, fetch={"retries": 0})
        scheduler = Scheduler(config, archive, clock=clock, wait=clock.wait, publish=lambda c, a: None)
        scheduler.run_once()
        clock.wait(120)
        # the feed's <ttl> of two hours, learnt with this very interval, still holds
        assert scheduler.due() == []
        shorter = make_config(tmp_path, [{**s, "interval": 60} for s in sources], fetch={"retries": 0})
        restarted = Scheduler(shorter, archive, clock=clock, wait=clock.wait, publish=lambda c, a: None)
        # after a restart the ttl is not known any more: the stored time gives way to the interval, but
        # the failing source keeps its Retry-After of two hours
        assert restarted.due() == ["cached"]
    assert archive.source_state("down").next_check >= START + timedelta(seconds=7200)


def _lines(stream) -> list[str]:
    """The lines of ``stream`` as they come, read by a thread (a test never blocks on a pipe)."""
    seen: list[str] = []
    threading.Thread(target=lambda: seen.extend(iter(stream.readline, "")), daemon=True).start()
    return seen


def _until(condition, what: str) -> None:
    for _ in range(600):
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"never happened: {what}")


@pytest.mark.parametrize("command", [["fetch"], ["run", "--once"]])
def test_a_second_ctrl_c_quits_at_once_while_a_source_is_in_flight(tmp_path, command):
    release = threading.Event()

    def in_no_hurry(_request):  # well within its timeout, but it would hold the process for minutes
        release.wait(300)
        return Reply(200, rss(1).encode(), {"Content-Type": "application/rss+xml"})

    with LoopbackServer() as server:
        server.add("/slow.xml", handler=in_no_hurry)
        (tmp_path / "finews.toml").write_text(
            f"[fetch]\nhost_interval = 0\nallow_private = true\ntimeout = 300\n[run]\nsite = false\n"
            f'[[sources]]\nname = "slow"\nurl = "{server.url("/slow.xml")}"\n',
            encoding="utf-8",
        )
        process = _finews(*command, cwd=tmp_path)
        errors = _lines(process.stderr)
        try:
            _until(lambda: server.hits("/slow.xml") == 1 or process.poll() is not None, "the request")
            process.send_signal(signal.SIGINT)
            _until(lambda: any("press Ctrl-C again to quit now" in line for line in errors), "the first message")
            assert process.poll() is None  # the first Ctrl-C waits for the source in flight
            process.send_signal(signal.SIGINT)
            code = process.wait(timeout=60)  # not the 300 s the source would take
        finally:
            release.set()
            if process.poll() is None:
                process.kill()
                process.wait()
    assert code == 130, errors
    assert any("quitting now" in line for line in errors), errors
    assert "stopping after the sources in flight" in "".join(errors)
    with sqlite3.connect(tmp_path / "finews.db") as connection:  # the archive is whole and not locked
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    connection.close()
    listed = _finews("sources", cwd=tmp_path)
    assert listed.wait(timeout=60) == 0
