"""The fetcher against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import gzip
import sys
import threading
import time
import tracemalloc
import zlib
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar
from urllib.parse import parse_qs, urlsplit

import brotli
import pytest

from finews.config import FetchConfig
from finews.errors import AddressRefused, BodyTooLarge, FetchConnectError, FetchError, HTTPStatusError
from finews.fetch import Fetcher

GBK_TEXT = '<?xml version="1.0"?><rss><channel><title>财经新闻：朱镕基与王喆</title></channel></rss>'


def _brotli_bomb(megabytes: int) -> bytes:
    packer = brotli.Compressor(quality=5)
    return b"".join(packer.process(b"\0" * (1 << 20)) for _ in range(megabytes)) + packer.finish()


BROTLI_BOMB = _brotli_bomb(64)  # about 100 bytes on the wire
TRICKLE_BYTES = 400  # at 20 bytes a second: 20 s to send whole
TRICKLED: list[tuple[str, int]] = []  # (path, bytes sent before the client hung up)


class Handler(BaseHTTPRequestHandler):
    seen: ClassVar[list[dict[str, str]]] = []
    hits: ClassVar[Counter[str]] = Counter()  # requests per ?key=, for the routes that fail a few times

    def do_GET(self) -> None:
        Handler.seen.append(dict(self.headers.items()))
        route = getattr(self, "route_" + self.path.strip("/").split("?")[0].replace("-", "_"), None)
        if route is None:
            self.reply(404, b"missing")
        else:
            route()

    def reply(self, status: int, body: bytes, ctype: str = "text/plain", **headers: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.end_headers()
        self.wfile.write(body)

    def route_feed(self) -> None:
        if self.headers.get("If-None-Match") == '"v1"' or self.headers.get("If-Modified-Since"):
            self.send_response(304)
            self.end_headers()
            return
        self.reply(200, b"<rss/>", "application/rss+xml", ETag='"v1"', Last_Modified="Wed, 05 Jan 2022 07:11:39 GMT")

    def route_fresh(self) -> None:  # a 304 that renews the validators
        self.send_response(304)
        self.send_header("ETag", '"v2"')
        self.end_headers()

    def route_boom(self) -> None:
        self.reply(500, b"error")

    def route_slow(self) -> None:
        time.sleep(1.5)
        self.reply(200, b"late")

    def route_loop(self) -> None:
        self.send_response(302)
        self.send_header("Location", "/loop")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def route_hop(self) -> None:
        self.send_response(301)
        self.send_header("Location", "/feed")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def route_gbk_header(self) -> None:
        self.reply(200, GBK_TEXT.encode("gbk"), "application/xml; charset=gbk")

    def route_gb2312_decl(self) -> None:
        body = GBK_TEXT.replace('<?xml version="1.0"?>', '<?xml version="1.0" encoding="gb2312"?>')
        self.reply(200, body.encode("gb18030"), "application/xml")

    def route_gbk_lying(self) -> None:  # says utf-8, is GBK: the declaration must not win
        self.reply(200, GBK_TEXT.encode("gbk"), "text/xml; charset=utf-8")

    def route_gbk_bare(self) -> None:  # no charset anywhere: detection must find GBK
        self.reply(200, GBK_TEXT.encode("gbk"), "application/xml")

    def route_big(self) -> None:
        self.reply(200, b"x" * 50_000)

    def route_big_chunked(self) -> None:
        self.send_response(200)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for _ in range(100):
            self.wfile.write(b"400\r\n" + b"y" * 1024 + b"\r\n")
        self.wfile.write(b"0\r\n\r\n")

    def route_gzip(self) -> None:
        self.reply(200, gzip.compress("压缩的内容".encode()), "text/plain; charset=utf-8", Content_Encoding="gzip")

    def route_brotli(self) -> None:
        self.reply(200, brotli.compress("布罗特利".encode()), "text/plain; charset=utf-8", Content_Encoding="br")

    def route_deflate(self) -> None:  # zlib-wrapped, as the RFC says
        self.reply(200, zlib.compress("压缩".encode()), "text/plain; charset=utf-8", Content_Encoding="deflate")

    def route_raw_deflate(self) -> None:  # headerless, as some servers send it
        packer = zlib.compressobj(wbits=-zlib.MAX_WBITS)
        body = packer.compress("压缩".encode()) + packer.flush()
        self.reply(200, body, "text/plain; charset=utf-8", Content_Encoding="deflate")

    def route_gzip_bomb(self) -> None:
        self.reply(200, gzip.compress(b"\0" * 5_000_000), "text/plain", Content_Encoding="gzip")

    def route_brotli_bomb(self) -> None:
        self.reply(200, BROTLI_BOMB, "text/plain", Content_Encoding="br")

    def failing(self) -> bool:
        """Count this request under its ?key=; true while fewer than ?fail= requests came before it."""
        query = parse_qs(urlsplit(self.path).query)
        key = query["key"][0]
        Handler.hits[key] += 1
        return Handler.hits[key] <= int(query.get("fail", ["1"])[0])

    def route_status(self) -> None:  # /status?key=K&code=503&fail=1: answers `code` to the first `fail` requests
        code = int(parse_qs(urlsplit(self.path).query)["code"][0])
        if self.failing():
            self.reply(code, b"not now")
        else:
            self.reply(200, b"<rss/>", "application/rss+xml")

    def route_drop(self) -> None:  # hangs up without an answer on the first `fail` requests
        if self.failing():
            self.close_connection = True
            return
        self.reply(200, b"<rss/>", "application/rss+xml")

    def route_stall(self) -> None:  # the first `fail` requests wait past the 0.4 s timeout, then answer
        if self.failing():
            time.sleep(1.0)
        self.reply(200, b"<rss/>", "application/rss+xml")

    def route_large(self) -> None:  # always too large for a 20 kB cap, counted
        self.failing()
        self.reply(200, b"x" * 50_000)

    def route_zstd(self) -> None:
        self.reply(200, b"\x28\xb5\x2f\xfd", "text/plain", Content_Encoding="zstd")

    # Slow servers, each wait shorter than the tests' timeout (0.4 s), the whole far longer than 3 × it.
    def route_trickle_body(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml")
        self.send_header("Content-Length", str(TRICKLE_BYTES))
        self.end_headers()
        self.trickle(b"<" * TRICKLE_BYTES)

    def route_trickle_headers(self) -> None:
        self.wfile.write(b"HTTP/1.1 200 OK\r\n")
        self.trickle(b"X-Padding: " + b"p" * TRICKLE_BYTES + b"\r\nContent-Length: 0\r\n\r\n")

    def route_slow_hops(self) -> None:  # /slow-hops?n=5 waits, then redirects to n=4 ... then answers
        hops = int(self.path.partition("n=")[2] or 0)
        time.sleep(0.3)
        if hops:
            self.send_response(302)
            self.send_header("Location", f"/slow-hops?n={hops - 1}")
            self.send_header("Content-Length", "0")
            self.end_headers()
        else:
            self.reply(200, b"arrived")

    def trickle(self, data: bytes) -> None:
        sent = 0
        try:
            for index in range(len(data)):
                self.wfile.write(data[index : index + 1])
                self.wfile.flush()
                sent += 1
                time.sleep(0.05)
        except OSError:
            pass  # the client hung up: what the deadline tests want
        finally:
            TRICKLED.append((self.path, sent))
            self.close_connection = True

    def log_message(self, *args: object) -> None:
        pass


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):  # the client hanging up is what tests want
            super().handle_error(request, client_address)


@pytest.fixture(scope="module")
def base() -> Iterator[str]:
    httpd = QuietServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def fetcher(tmp_path) -> Iterator[Fetcher]:
    with Fetcher(
        FetchConfig(timeout=5, max_bytes=20_000, max_redirects=3, host_interval=0, retries=0, allow_private=True),
        base_dir=tmp_path,
    ) as f:
        yield f


def test_conditional_get_then_304(base, fetcher):
    first = fetcher.get(f"{base}/feed")
    assert first.status == 200 and first.etag == '"v1"' and first.last_modified
    Handler.seen.clear()
    second = fetcher.get(f"{base}/feed", etag=first.etag, last_modified=first.last_modified)
    assert second.not_modified and second.content == b""
    assert Handler.seen[0]["If-None-Match"] == '"v1"' and Handler.seen[0]["If-Modified-Since"] == first.last_modified
    assert (second.etag, second.last_modified) == (first.etag, first.last_modified)


def test_304_with_fresh_validators(base, fetcher):
    response = fetcher.get(f"{base}/fresh", etag='"v1"', last_modified="Wed, 05 Jan 2022 07:11:39 GMT")
    assert response.not_modified and response.etag == '"v2"'
    assert response.last_modified == "Wed, 05 Jan 2022 07:11:39 GMT"


def test_user_agent_and_encodings_sent(base, fetcher):
    Handler.seen.clear()
    fetcher.get(f"{base}/feed")
    assert Handler.seen[0]["User-Agent"].startswith("finews/")
    assert "br" in Handler.seen[0]["Accept-Encoding"] and "gzip" in Handler.seen[0]["Accept-Encoding"]


@pytest.mark.parametrize(("path", "cause"), [("/missing", "HTTP 404"), ("/boom", "HTTP 500")])
def test_http_errors_name_url_and_status(base, fetcher, path, cause):
    with pytest.raises(FetchError, match=cause) as info:
        fetcher.get(base + path)
    assert base + path in str(info.value) and info.value.status == int(cause[-3:])


def test_timeout(base, fetcher):
    started = time.monotonic()
    with pytest.raises(FetchError, match=r"timed out after 0.3s"):
        fetcher.get(f"{base}/slow", timeout=0.3)
    assert time.monotonic() - started < 1.4


def test_redirects_capped_and_followed(base, fetcher):
    with pytest.raises(FetchError, match="too many redirects"):
        fetcher.get(f"{base}/loop")
    assert fetcher.get(f"{base}/hop").url == f"{base}/feed"


@pytest.mark.parametrize("path", ["/gbk-header", "/gb2312-decl", "/gbk-lying", "/gbk-bare"])
def test_chinese_charsets(base, fetcher, path):
    response = fetcher.get(base + path)
    assert "财经新闻：朱镕基与王喆" in response.text()
    assert response.encoding == "gb18030"


@pytest.mark.parametrize("path", ["/big", "/big-chunked", "/gzip-bomb", "/brotli-bomb"])
def test_size_cap(base, fetcher, path):
    with pytest.raises(FetchError, match="body larger than 20000 bytes"):
        fetcher.get(base + path)


def test_compression_bomb_is_never_inflated_whole(base, fetcher):
    tracemalloc.start()
    try:
        with pytest.raises(FetchError, match="body larger"):
            fetcher.get(f"{base}/brotli-bomb")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8 * 1024 * 1024  # the bomb holds 64 MB


@pytest.mark.parametrize(
    ("path", "text"),
    [("/gzip", "压缩的内容"), ("/brotli", "布罗特利"), ("/deflate", "压缩"), ("/raw-deflate", "压缩")],
)
def test_compressed_bodies(base, fetcher, path, text):
    assert fetcher.get(base + path).text() == text


def test_files_and_relative_paths(tmp_path, fetcher):
    (tmp_path / "feed.xml").write_bytes(GBK_TEXT.encode("gbk"))
    assert "王喆" in fetcher.get("feed.xml").text()
    assert "王喆" in fetcher.get((tmp_path / "feed.xml").as_uri()).text()
    with pytest.raises(FetchError, match="no such file"):
        fetcher.get("nope.xml")
    (tmp_path / "huge.xml").write_bytes(b"z" * 30_000)
    with pytest.raises(FetchError, match="body larger"):
        fetcher.get("huge.xml")


def test_unsupported_content_encoding(base, fetcher):
    with pytest.raises(FetchError, match="unsupported content encoding 'zstd'"):
        fetcher.get(f"{base}/zstd")


def test_unsupported_scheme(fetcher):
    with pytest.raises(FetchError, match="unsupported URL scheme 'ftp'"):
        fetcher.get("ftp://example.cn/feed")


@pytest.mark.parametrize("url", ["http://[::1/feed", "http://127.0.0.1:port/feed", "http://a..b/feed"])
def test_invalid_urls_are_fetch_errors(fetcher, url):
    with pytest.raises(FetchError, match="invalid URL"):
        fetcher.get(url)


def test_connection_refused_is_a_fetch_error(fetcher):
    with pytest.raises(FetchError, match=r"127\.0\.0\.1:9"):
        fetcher.get("http://127.0.0.1:9/feed", timeout=2)


@pytest.fixture
def patient() -> Iterator[Fetcher]:
    """Short waits, retries on: a request cut at its deadline must not be tried again."""
    config = FetchConfig(timeout=0.4, retries=2, retry_wait=0, host_interval=0, max_redirects=10, allow_private=True)
    with Fetcher(config) as f:
        yield f


def _sent_before_hanging_up(path: str) -> int:
    for _ in range(200):  # the server thread notices the hang-up at its next write
        done = [sent for seen, sent in TRICKLED if seen == path]
        if done:
            return done[0]
        time.sleep(0.05)
    raise AssertionError(f"the server is still sending {path}")


@pytest.mark.parametrize("path", ["/trickle-body", "/trickle-headers"])
def test_a_trickling_server_is_cut_at_the_deadline(base, patient, path):
    TRICKLED.clear()
    Handler.seen.clear()
    with pytest.raises(FetchError, match=r"too slow: not done within 1\.2s \(3 × timeout\)"):
        patient.get(base + path)
    assert _sent_before_hanging_up(path) < TRICKLE_BYTES  # the client hung up; it did not read on
    assert len(Handler.seen) == 1  # and did not try again


def test_the_deadline_covers_every_redirect(base, patient):
    assert patient.get(f"{base}/slow-hops?n=1").content == b"arrived"  # two answers, 0.3 s each: in time
    with pytest.raises(FetchError, match="too slow"):
        patient.get(f"{base}/slow-hops?n=8")  # each hop within its timeout, the nine of them not


@pytest.mark.parametrize("code", [429, 500, 502, 503, 504])
def test_a_transient_http_status_is_tried_again(base, patient, code):
    key = f"transient-{code}"
    assert patient.get(f"{base}/status?key={key}&code={code}").content == b"<rss/>"
    assert Handler.hits[key] == 2


@pytest.mark.parametrize("code", [400, 401, 403, 404, 410, 501])
def test_a_permanent_http_status_is_not_tried_again(base, patient, code):
    key = f"permanent-{code}"
    with pytest.raises(HTTPStatusError) as info:
        patient.get(f"{base}/status?key={key}&code={code}")
    assert info.value.status == code and not info.value.transient
    assert Handler.hits[key] == 1


def test_retries_stop_at_the_configured_number(base, patient):
    with pytest.raises(HTTPStatusError) as info:
        patient.get(f"{base}/status?key=always&code=503&fail=10")
    assert info.value.transient and info.value.status == 503
    assert Handler.hits["always"] == 3  # the request and its two retries


def test_a_lost_connection_is_tried_again(base, patient):
    assert patient.get(f"{base}/drop?key=dropped").content == b"<rss/>"
    assert Handler.hits["dropped"] == 2


def test_a_timeout_is_tried_again(base, patient):
    assert patient.get(f"{base}/stall?key=stalled").content == b"<rss/>"
    assert Handler.hits["stalled"] == 2


def test_a_refused_connection_is_transient(patient):
    with pytest.raises(FetchConnectError, match="cannot connect") as info:
        patient.get("http://127.0.0.1:9/feed")
    assert info.value.transient
    assert patient.requests == 3  # tried again, as a server restarting would want


def test_a_body_over_the_cap_is_not_tried_again(base, patient):
    with pytest.raises(BodyTooLarge) as info:
        patient.get(f"{base}/large?key=large", max_bytes=20_000)
    assert not info.value.transient
    assert Handler.hits["large"] == 1


def test_a_private_address_is_refused_once_not_retried():
    config = FetchConfig(retries=2, retry_wait=0, host_interval=0, allow_private=False)
    with Fetcher(config) as fetcher, pytest.raises(AddressRefused, match="allow_private") as info:
        fetcher.get("http://10.1.2.3/feed")
    assert not info.value.transient and info.value.url == "http://10.1.2.3/feed"
    assert fetcher.requests == 1


def test_allow_private_is_per_request_not_per_thread(base):
    """A request allowed on the LAN leaves no permission behind for the next one, in the same thread."""
    config = FetchConfig(retries=0, host_interval=0, allow_private=False)
    with Fetcher(config) as fetcher:
        assert fetcher.get(f"{base}/feed", allow_private=True).status == 200
        with pytest.raises(AddressRefused):
            fetcher.get(f"{base}/feed")
