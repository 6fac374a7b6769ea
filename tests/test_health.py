"""Feed health through the pipeline: next check times from intervals, server hints and backoff."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from finews.config import FetchConfig, SourceConfig
from finews.health import next_check_after_failure, next_check_after_success
from finews.pipeline import fetch_all

from .conftest import make_config
from .loopback import LoopbackServer

NOW = datetime(2022, 1, 5, 7, 0, tzinfo=UTC)
RSS = (
    '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>{ttl}'
    "<item><title>一</title><link>http://news.example.cn/a/1.html</link><description>正文</description></item>"
    "</channel></rss>"
)


def test_next_check_follows_interval_max_age_and_ttl(tmp_path, archive):
    with LoopbackServer() as server:
        server.add("/plain.xml", RSS.format(ttl=""), content_type="application/rss+xml")
        server.add("/cached.xml", RSS.format(ttl=""), headers={"Cache-Control": "max-age=7200"})
        server.add("/ttl.xml", RSS.format(ttl="<ttl>90</ttl>"), content_type="application/rss+xml")
        config = make_config(
            tmp_path,
            [
                {"name": "plain", "url": server.url("/plain.xml"), "interval": 600},
                {"name": "cached", "url": server.url("/cached.xml"), "interval": 600},
                {"name": "ttl", "url": server.url("/ttl.xml"), "interval": 600},
            ],
        )
        fetch_all(config, archive, now=lambda: NOW)
    due = {name: archive.source_state(name).next_check for name in ("plain", "cached", "ttl")}
    assert due == {
        "plain": NOW + timedelta(seconds=600),
        "cached": NOW + timedelta(seconds=7200),
        "ttl": NOW + timedelta(minutes=90),
    }


def test_failing_source_backs_off_to_a_day_and_is_never_dropped(tmp_path, archive):
    with LoopbackServer() as server:
        server.add("/down.xml", "oops", status=500)
        config = make_config(tmp_path, [{"name": "down", "url": server.url("/down.xml"), "interval": 300}])
        delays = []
        for round_ in range(12):
            now = NOW + timedelta(days=round_)
            report = fetch_all(config, archive, now=lambda now=now: now)
            assert report.sources[0].ok is False and "HTTP 500" in report.sources[0].error
            delays.append((archive.source_state("down").next_check - now).total_seconds())
        server.add("/down.xml", RSS.format(ttl=""), content_type="application/rss+xml")
        recovered = fetch_all(config, archive, now=lambda: NOW + timedelta(days=30))
    assert delays[0] <= 300 and delays[3] > delays[0] and max(delays) <= 86400 and delays[-1] >= 43200
    state = archive.source_state("down")
    assert recovered.sources[0].ok and state.consecutive_failures == 0 and state.last_error is None
    assert state.next_check == NOW + timedelta(days=30, seconds=300)


def test_retry_after_defers_the_next_check(tmp_path, archive):
    with LoopbackServer() as server:
        server.add("/limited.xml", "slow down", status=429, headers={"Retry-After": "7200"})
        config = make_config(tmp_path, [{"name": "limited", "url": server.url("/limited.xml"), "interval": 60}])
        report = fetch_all(config, archive, now=lambda: NOW)
    assert "429" in report.sources[0].error and "limited.xml" in report.sources[0].error
    assert archive.source_state("limited").next_check >= NOW + timedelta(seconds=7200)
    assert server.hits("/limited.xml") == 1  # a long Retry-After is not waited out in place


def test_policy_directly():
    source = SourceConfig(name="s", url="x", interval=1800)
    fetch = FetchConfig(max_backoff=3600)
    assert next_check_after_success(source, fetch, NOW, fresh_for=10**9) == NOW + timedelta(seconds=3600)
    later = next_check_after_failure(source, fetch, NOW, failures=20, retry_after=None)
    assert NOW + timedelta(seconds=1800) <= later <= NOW + timedelta(seconds=3600)


def test_a_slow_source_does_not_hold_up_the_others(tmp_path, archive):
    import time

    from .loopback import Reply

    fetched_meanwhile: list[int] = []

    def slow(_request):
        time.sleep(1.5)
        fetched_meanwhile.extend(server.hits(f"/ok{n}.xml") for n in range(4))
        return Reply(200, b"late")

    with LoopbackServer() as server:
        server.add("/slow.xml", handler=slow)
        for n in range(4):
            server.add(f"/ok{n}.xml", RSS.format(ttl="").replace("/a/1", f"/a/{n}"), content_type="application/rss+xml")
        sources = [{"name": "slow", "url": server.url("/slow.xml"), "timeout": 1}]
        sources += [{"name": f"ok{n}", "url": server.url(f"/ok{n}.xml")} for n in range(4)]
        order: list[str] = []
        config = make_config(tmp_path, sources, fetch={"retries": 0})
        fetch_all(config, archive, on_done=lambda r: order.append(r.name))
    # the others were downloaded while the slow one was still in flight; saving keeps the config's order
    assert fetched_meanwhile == [1, 1, 1, 1]
    assert order == ["slow", "ok0", "ok1", "ok2", "ok3"] and archive.count() == 4
