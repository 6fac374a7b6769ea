"""Requests to the user's own network are refused unless a source is allowed to make them."""

from __future__ import annotations

import socket

import pytest

from finews.config import FetchConfig
from finews.errors import FetchError
from finews.fetch import Fetcher
from finews.fetch.addresses import check_public
from finews.pipeline import fetch_all

from ..conftest import make_config
from ..loopback import LoopbackServer

REFUSED = [
    "http://127.0.0.1/feed",
    "http://10.1.2.3/feed",
    "http://172.16.0.9/feed",
    "http://192.168.1.1/feed",
    "http://169.254.169.254/latest/meta-data/",
    "http://[::1]/feed",
    "http://[fd00::1]/feed",
    "http://[::ffff:127.0.0.1]/feed",
    "http://0.0.0.0/feed",
    "http://2130706433/feed",  # 127.0.0.1 written as one decimal number
    "http://localhost/feed",
]


@pytest.mark.parametrize("url", REFUSED)
def test_private_loopback_and_link_local_are_refused_by_default(url):
    with Fetcher(FetchConfig(retries=0, timeout=2)) as fetcher, pytest.raises(FetchError, match="refused") as info:
        fetcher.get(url)
    assert url.split("/")[2].strip("[]") in str(info.value) and "allow_private" in str(info.value)
    assert fetcher.requests == 1  # refused before any connection


def test_octal_forms_never_reach_the_network():
    with Fetcher(FetchConfig(retries=0, timeout=2)) as fetcher, pytest.raises(FetchError, match="invalid URL"):
        fetcher.get("http://0177.0.0.1/feed")  # httpx refuses the form the C resolver would read as 127.0.0.1


def test_a_name_that_resolves_inside_is_refused():
    def resolver(host: str, port: int) -> list[str]:
        return {"feeds.example.com": ["93.184.216.34"], "intranet.example.com": ["10.0.0.7"]}[host]

    check_public("http://feeds.example.com/", "feeds.example.com", 80, resolver)
    with pytest.raises(FetchError, match=r"intranet\.example\.com is 10\.0\.0\.7"):
        check_public("http://intranet.example.com/", "intranet.example.com", 80, resolver)


def test_redirect_to_a_private_address_is_refused_end_to_end():
    with LoopbackServer() as server:
        inside = server.url("/feed.xml").replace("127.0.0.1", "localhost")
        server.add("/go", status=302, headers={"Location": inside})
        server.add("/feed.xml", "<rss/>")

        def resolver(host: str, port: int) -> list[str]:
            # the test's resolver calls the first hop public; localhost stays what it is
            return ["93.184.216.34"] if host == "127.0.0.1" else ["127.0.0.1"]

        def connect(address: tuple[str, int], timeout: float | None) -> socket.socket:
            # the "public" answer is this test's server: connections go where the resolver said, never elsewhere
            assert address == ("93.184.216.34", server.port)
            return socket.create_connection(("127.0.0.1", server.port), timeout)

        fetcher = Fetcher(FetchConfig(retries=0), resolver=resolver, connect=connect)
        with fetcher, pytest.raises(FetchError, match=r"refused: localhost is 127\.0\.0\.1"):
            fetcher.get(server.url("/go"))
    assert server.hits("/go") == 1 and server.hits("/feed.xml") == 0


def test_one_source_may_be_allowed_its_own_network(tmp_path, archive):
    feed = '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><item><title>一</title>'
    feed += "<link>http://lan.example/1</link><description>正文</description></item></channel></rss>"
    with LoopbackServer() as server:
        server.add("/feed.xml", feed, content_type="application/rss+xml")
        config = make_config(
            tmp_path,
            [
                {"name": "lan", "url": server.url("/feed.xml"), "allow_private": True},
                {"name": "other", "url": server.url("/feed.xml")},
            ],
            fetch={"allow_private": False, "retries": 0},
        )
        report = fetch_all(config, archive)
    by_name = {s.name: s for s in report.sources}
    assert by_name["lan"].ok and by_name["lan"].added == 1
    assert not by_name["other"].ok and "refused" in by_name["other"].error
