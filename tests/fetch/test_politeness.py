"""Per-host limits, retries, Retry-After, robots.txt and proxies, against real loopback servers."""

from __future__ import annotations

import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest

from finews.config import FetchConfig
from finews.errors import FetchError
from finews.fetch import Fetcher
from finews.fetch.politeness import HostGate, backoff, max_age_seconds, retry_after_seconds

from ..loopback import LoopbackServer, Reply, Request


class FakeTime:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def config(**overrides: object) -> FetchConfig:
    return FetchConfig(**{"timeout": 5, "host_interval": 0, "retry_wait": 0.01, "allow_private": True, **overrides})


def test_gate_spaces_request_starts_per_host():
    fake = FakeTime()
    gate = HostGate(per_host=2, interval=1.5, clock=fake.clock, sleep=fake.sleep)
    for _ in range(3):
        with gate.slot("a.example"):
            pass
    with gate.slot("b.example"):  # another host does not wait for a.example
        pass
    assert fake.slept == [1.5, 1.5]


def test_gate_caps_requests_in_flight_per_host():
    in_flight, peak, lock = 0, 0, threading.Lock()

    def slow(_request: Request) -> Reply:
        nonlocal in_flight, peak
        with lock:
            in_flight += 1
            peak = max(peak, in_flight)
        time.sleep(0.1)
        with lock:
            in_flight -= 1
        return Reply(200, b"ok")

    with LoopbackServer() as server, Fetcher(config(per_host=2, workers=8)) as fetcher:
        server.add("/slow", handler=slow)
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(lambda _: fetcher.get(server.url("/slow")), range(8)))
    assert peak == 2 and server.hits("/slow") == 8


def test_transient_errors_are_retried_with_backoff():
    answers = iter([Reply(500, b"down"), Reply(503, b"busy"), Reply(200, b"up")])
    fake = FakeTime()
    with LoopbackServer() as server, Fetcher(config(retries=2, retry_wait=1.0), sleep=fake.sleep) as fetcher:
        server.add("/flaky", handler=lambda _r: next(answers))
        assert fetcher.get(server.url("/flaky")).content == b"up"
    assert server.hits("/flaky") == 3 and fetcher.requests == 3
    # equal jitter: the first wait is in [0.5, 1], the second in [1, 2]
    assert 0.5 <= fake.slept[0] <= 1.0 and 1.0 <= fake.slept[1] <= 2.0


def test_final_failure_and_client_errors_are_not_hammered():
    fake = FakeTime()
    with LoopbackServer() as server, Fetcher(config(retries=2), sleep=fake.sleep) as fetcher:
        server.add("/gone", b"no", status=404)
        server.add("/down", b"no", status=500)
        with pytest.raises(FetchError, match="HTTP 404"):
            fetcher.get(server.url("/gone"))
        with pytest.raises(FetchError, match="HTTP 500"):
            fetcher.get(server.url("/down"))
    assert server.hits("/gone") == 1 and server.hits("/down") == 3


def test_short_retry_after_is_waited_long_one_is_passed_on():
    answers = iter([Reply(429, b"slow down", {"Retry-After": "2"}), Reply(200, b"fine")])
    fake = FakeTime()
    with LoopbackServer() as server, Fetcher(config(retries=2), sleep=fake.sleep) as fetcher:
        server.add("/limited", handler=lambda _r: next(answers))
        server.add("/banned", b"later", status=429, headers={"Retry-After": "3600"})
        assert fetcher.get(server.url("/limited")).content == b"fine"
        assert fake.slept == [2.0]
        with pytest.raises(FetchError, match=r"HTTP 429.*retry after 3600s") as info:
            fetcher.get(server.url("/banned"))
    assert info.value.retry_after == 3600 and server.hits("/banned") == 1


def test_connection_refused_is_retried_then_reported():
    fake = FakeTime()
    with Fetcher(config(retries=2), sleep=fake.sleep) as fetcher, pytest.raises(FetchError, match="cannot connect"):
        fetcher.get("http://127.0.0.1:9/feed")
    assert fetcher.requests == 3 and len(fake.slept) == 2


ROBOTS = "User-agent: *\nDisallow: /private/\n"
# a group naming finews replaces the * group for it
ROBOTS_NAMED = "User-agent: finews\nDisallow: /no-finews/\n\nUser-agent: *\nDisallow: /\n"


def test_robots_txt_applies_to_pages_not_to_feeds():
    with LoopbackServer() as server, Fetcher(config()) as fetcher:
        server.add("/robots.txt", ROBOTS)
        for path in ("/private/a.html", "/public/c.html"):
            server.add(path, "<p>page</p>", content_type="text/html")
        with pytest.raises(FetchError, match=r"robots\.txt"):
            fetcher.get(server.url("/private/a.html"), page=True)
        assert fetcher.get(server.url("/public/c.html"), page=True).status == 200
        assert fetcher.get(server.url("/private/a.html")).status == 200  # a feed the user chose
        assert server.hits("/robots.txt") == 1  # cached per host
        assert server.hits("/private/a.html") == 1


def test_robots_group_for_our_agent():
    with LoopbackServer() as server, Fetcher(config()) as fetcher:
        server.add("/robots.txt", ROBOTS_NAMED)
        server.add("/news/a.html", "<p>x</p>", content_type="text/html")
        assert fetcher.get(server.url("/news/a.html"), page=True).status == 200
        with pytest.raises(FetchError, match=r"robots\.txt"):
            fetcher.get(server.url("/no-finews/b.html"), page=True)


@pytest.mark.parametrize(("status", "allowed"), [(404, True), (500, False)])
def test_missing_robots_allows_unreachable_robots_forbids(status, allowed):
    with LoopbackServer() as server, Fetcher(config(retries=0)) as fetcher:
        server.add("/robots.txt", "x", status=status)
        server.add("/page.html", "<p>x</p>", content_type="text/html")
        if allowed:
            assert fetcher.get(server.url("/page.html"), page=True).status == 200
        else:
            with pytest.raises(FetchError, match=r"robots\.txt"):
                fetcher.get(server.url("/page.html"), page=True)


def test_robots_can_be_turned_off():
    with LoopbackServer() as server, Fetcher(config(robots=False)) as fetcher:
        server.add("/robots.txt", ROBOTS)
        server.add("/private/a.html", "<p>x</p>")
        assert fetcher.get(server.url("/private/a.html"), page=True).status == 200
        assert server.hits("/robots.txt") == 0


def test_requests_go_through_the_sources_proxy():
    with LoopbackServer() as proxy, Fetcher(config()) as fetcher:
        proxy.add("/feed.xml", "<rss/>", content_type="application/rss+xml")
        response = fetcher.get("http://news.example.invalid/feed.xml", proxy=proxy.url())
        assert response.content == b"<rss/>"
        assert proxy.requests[0].path == "http://news.example.invalid/feed.xml"  # absolute-form: a proxy request
        with pytest.raises(FetchError, match="cannot connect"):
            fetcher.get("http://news.example.invalid/feed.xml", proxy="http://127.0.0.1:9", timeout=2)


def test_cache_hints():
    assert max_age_seconds("public, max-age=600") == 600
    assert max_age_seconds('s-maxage="60", max-age=30') is not None
    assert max_age_seconds("no-cache") is None
    now = datetime(2022, 1, 5, tzinfo=UTC)
    assert retry_after_seconds("120") == 120
    assert retry_after_seconds("Wed, 05 Jan 2022 00:10:00 GMT", now) == 600
    assert retry_after_seconds("soon") is None


def test_backoff_grows_and_is_capped():
    rng = random.Random(7)
    delays = [backoff(n, 60, 86400, rng) for n in range(20)]
    assert 30 <= delays[0] <= 60
    assert all(d <= 86400 for d in delays) and delays[-1] >= 43200
    assert timedelta(seconds=max(delays)) <= timedelta(days=1)
