"""The whole ingest path against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from finews.model import BEIJING, Article
from finews.pipeline import fetch_all, ingest_articles, open_understanding
from finews.store import open_archive

from .conftest import make_config

FEED = """<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>
<link>http://x/</link><description>d</description>{items}</channel></rss>"""
ITEM = """<item><title>{title}</title><link>http://news.example.cn/a/{n}.html?utm_source=rss</link>
<guid>g{n}</guid><pubDate>2022-01-05 15:11:{n:02d}</pubDate>
<description><![CDATA[<p>{body}</p>]]></description></item>"""


class FeedServer:
    """Serves ``routes`` (path → (status, content-type, body)), with ETag support, counting requests."""

    def __init__(self) -> None:
        self.routes: dict[str, tuple[int, str, bytes]] = {}
        self.requests: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.requests.append(self.path)
                status, ctype, body = server.routes.get(self.path, (404, "text/plain", b"not found"))
                etag = f'"{hash(body) & 0xFFFFFFFF:x}"'
                if status == 200 and self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.end_headers()
                    return
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                if status == 200:
                    self.send_header("ETag", etag)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server() -> Iterator[FeedServer]:
    srv = FeedServer()
    yield srv
    srv.close()


def _feed(*items: tuple[int, str, str]) -> bytes:
    return FEED.format(items="".join(ITEM.format(n=n, title=t, body=b) for n, t, b in items)).encode()


def test_failing_sources_do_not_stop_the_others(server, tmp_path, archive):
    server.routes["/good.xml"] = (200, "application/rss+xml", _feed((1, "一", "正文一"), (2, "二", "正文二")))
    server.routes["/html.xml"] = (200, "text/html", b"<html><body>maintenance</body></html>")
    server.routes["/boom.xml"] = (500, "text/plain", b"oops")
    config = make_config(
        tmp_path,
        [
            {"name": "missing", "url": f"{server.url}/missing.xml"},
            {"name": "html", "url": f"{server.url}/html.xml"},
            {"name": "boom", "url": f"{server.url}/boom.xml"},
            {"name": "good", "url": f"{server.url}/good.xml"},
            {"name": "off", "url": f"{server.url}/good.xml", "enabled": False},
        ],
    )
    report = fetch_all(config, archive)
    by_name = {s.name: s for s in report.sources}
    assert set(by_name) == {"missing", "html", "boom", "good"}
    assert "404" in by_name["missing"].error and "/missing.xml" in by_name["missing"].error
    assert "not a feed" in by_name["html"].error
    assert "500" in by_name["boom"].error
    assert by_name["good"].ok and by_name["good"].added == 2
    assert archive.count() == 2
    state = archive.source_state("boom")
    assert state.consecutive_failures == 1 and "500" in state.last_error


def test_second_fetch_is_a_304_and_changed_items_update(server, tmp_path, archive):
    server.routes["/f.xml"] = (200, "application/rss+xml", _feed((1, "一", "正文一"), (2, "二", "正文二")))
    config = make_config(tmp_path, [{"name": "f", "url": f"{server.url}/f.xml"}])
    assert fetch_all(config, archive).added == 2
    second = fetch_all(config, archive).sources[0]
    assert second.not_modified and archive.count() == 2
    server.routes["/f.xml"] = (
        200,
        "application/rss+xml",
        _feed((1, "一", "更正"), (2, "二", "正文二"), (3, "三", "新")),
    )
    third = fetch_all(config, archive).sources[0]
    assert (third.added, third.updated, third.unchanged) == (1, 1, 1)
    assert archive.count() == 3
    assert archive.source_state("f").consecutive_failures == 0


def test_dates_without_zone_are_beijing_time(server, tmp_path, archive):
    server.routes["/f.xml"] = (200, "application/rss+xml", _feed((9, "一", "正文")))
    fetch_all(make_config(tmp_path, [{"name": "f", "url": f"{server.url}/f.xml"}]), archive)
    published = next(archive.iter_articles()).published
    assert published.isoformat() == "2022-01-05T15:11:09+08:00"


def test_timeouts_and_undecodable_bodies_fail_alone(server, tmp_path, archive):
    server.routes["/good.xml"] = (200, "application/rss+xml", _feed((1, "一", "正文一")))
    server.routes["/garbled.xml"] = (200, "application/xml", bytes(range(128, 256)) * 40 + b"\x00\x81\xff" * 50)
    config = make_config(
        tmp_path,
        [
            {"name": "garbled", "url": f"{server.url}/garbled.xml"},
            {"name": "dead", "url": "http://127.0.0.1:9/feed.xml", "timeout": 1},
            {"name": "good", "url": f"{server.url}/good.xml"},
        ],
    )
    started = time.monotonic()
    report = fetch_all(config, archive)
    by_name = {s.name: s for s in report.sources}
    assert "unknown encoding" in by_name["garbled"].error
    assert "cannot connect" in by_name["dead"].error and "127.0.0.1:9" in by_name["dead"].error
    assert by_name["good"].added == 1 and archive.count() == 1
    assert time.monotonic() - started < 5


POST = (
    "近日有用户分享了一起堪称RTX 40系列最惨烈的显卡损坏案例，其RTX 4080 Super显卡因短路故障，PCB板都被直接烧穿一个洞。"
    "据该用户描述，他在测试平台上安装这块显卡后，GPU几乎立即开始喷火，从拆机后的照片可见，短路发生的区域位于供电模块附近，"
    "周围的元件已经完全烧毁，维修已无可能。厂商表示将为该用户提供更换服务，并调查故障原因。"
)
SIGNED = POST + "编辑：小明"  # the channel's own rewordings of its post: each replaces it
RETOLD = POST.replace("几乎立即", "马上")


def _articles(archive) -> list[tuple[str, str]]:
    """(link, whole text) of every archived article, linked copies too."""
    return sorted((a.url, a.content_html or a.summary) for a in archive.iter_articles(linked=True))


def test_two_rewordings_of_an_earlier_post_in_one_batch_update_it_once(server, tmp_path, archive):
    server.routes["/f.xml"] = (200, "application/rss+xml", _feed((1, "显卡短路烧穿PCB", POST)))
    config = make_config(tmp_path, [{"name": "channel", "url": f"{server.url}/f.xml"}])
    assert fetch_all(config, archive).added == 1
    server.routes["/f.xml"] = (
        200,
        "application/rss+xml",
        _feed((2, "显卡短路烧穿PCB", SIGNED), (3, "显卡短路烧穿PCB", RETOLD)),
    )
    second = fetch_all(config, archive).sources[0]
    assert second.ok, second.error
    assert (second.added, second.updated) == (0, 2)  # as if they had come one by one
    [(url, text)] = _articles(archive)
    assert url.startswith("http://news.example.cn/a/3.html") and "马上" in text and "编辑" not in text
    hits = archive.search("喷火").hits
    assert [hit.article.url for hit in hits] == [url]


def test_an_item_and_its_rewording_in_one_batch_are_one_article(server, tmp_path, archive):
    server.routes["/f.xml"] = (
        200,
        "application/rss+xml",
        _feed((1, "显卡短路烧穿PCB", POST), (2, "显卡短路烧穿PCB", SIGNED)),
    )
    config = make_config(tmp_path, [{"name": "channel", "url": f"{server.url}/f.xml"}])
    report = fetch_all(config, archive).sources[0]
    assert report.ok, report.error
    assert (report.added, report.updated) == (1, 1)
    [(_url, text)] = _articles(archive)
    assert "编辑：小明" in text
    assert len(archive.search("喷火").hits) == 1


def test_a_batch_saves_what_its_items_saved_one_by_one_would(tmp_path):
    def items() -> list[Article]:
        published = datetime(2026, 3, 1, 9, 0, tzinfo=BEIJING)
        texts = [POST, SIGNED, "商务部发布出口管制公告，涉及部分稀土相关物项，自发布之日起正式实施。" * 3, RETOLD]
        return [
            Article(source="channel", url=f"https://weibo.example/c/{n}", title="显卡短路烧穿PCB", summary=text,
                    published=published + timedelta(minutes=n))
            for n, text in enumerate(texts)
        ]  # fmt: skip

    results = []
    for name, size in (("batch", 100), ("one-by-one", 1)):
        config = make_config(tmp_path / name)
        with open_archive(tmp_path / name / "archive.db") as archive:
            understanding = open_understanding(config, archive, datetime.now(BEIJING))
            ingest_articles(items(), archive, batch_size=size, understanding=understanding)
            results.append(_articles(archive))
    assert results[0] == results[1]
    assert len(results[0]) == 2  # the post (in its last wording) and the other news
