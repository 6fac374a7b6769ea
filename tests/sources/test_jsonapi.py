"""JSON API sources against a real server on 127.0.0.1 speaking eastmoney's field names."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar
from urllib.parse import parse_qs, urlsplit

import pytest

from finews.errors import ConfigError
from finews.pipeline import fetch_all
from finews.publish import build_site, export_posts
from finews.sources.jsonapi import lookup

from ..conftest import make_config
from ..loopback import LoopbackServer

RECORDS = [
    {
        "id": "202201052237118816",
        "infoCode": "202201052237118816",
        "title": "又一大牛出走！阿里副总裁王刚离职创业",
        "digest": "【又一大牛出走！】据媒体报道，近日，阿里巴巴副总裁王刚已离职。",
        "url_w": "http://hk.eastmoney.com/news/1797,202201052237118816.html",
        "showtime": "2022-01-05 15:11:39",
        "mediaName": "猎云网",
    },
    {
        "id": "202201051111111111",
        "infoCode": "202201051111111111",
        "title": "第二条快讯",
        "digest": "【第二条】没有详情的快讯。",
        "url_w": "http://finance.eastmoney.com/a/202201051111111111.html",
        "showtime": "2022-01-05 14:00:00",
        "mediaName": "东方财富",
    },
]
DETAIL_HTML = "<p>\u3000\u3000王刚离职后，将在清洁<a class='keytip' data-code='0,300024'>机器人</a>领域创业。</p>"
DETAIL = {"data": {"content": DETAIL_HTML}}


class Api(BaseHTTPRequestHandler):
    hits: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        Api.hits.append(self.path)
        parts = urlsplit(self.path)
        query = parse_qs(parts.query)
        if parts.path == "/list":
            body = {"data": {"list": RECORDS}}
        elif parts.path == "/jsonp":
            body = None
            payload = f"jQuery123({json.dumps({'records': RECORDS[:1]})});"
        elif parts.path == "/paged":
            page = int(query.get("page_index", ["1"])[0])
            body = {"records": RECORDS[page - 1 : page]}
        elif parts.path == "/detail" and query.get("code") == [RECORDS[0]["infoCode"]]:
            body = DETAIL
        elif parts.path == "/renamed":
            body = {"data": {"items": RECORDS}}
        else:
            self.send_response(404)
            self.end_headers()
            return
        data = (payload if body is None else json.dumps(body, ensure_ascii=False)).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def api() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Api)
    threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def _source(url: str, **api: object) -> dict:
    return {"name": "emnews", "type": "json", "url": url, "api": {"preset": "eastmoney-rolling", **api}}


def test_eastmoney_rolling_preset_with_detail(api, tmp_path, archive):
    config = make_config(tmp_path, [_source(f"{api}/list", detail_url=f"{api}/detail?code={{infoCode}}")])
    report = fetch_all(config, archive)
    assert report.sources[0].ok and report.added == 2, report.sources[0].error
    first, second = sorted(archive.iter_articles(), key=lambda a: a.guid)
    assert second.summary == "据媒体报道，近日，阿里巴巴副总裁王刚已离职。"  # 【…】 lead dropped
    assert "在清洁机器人领域创业" in second.content_markdown and "\u3000" not in second.content_html
    assert second.published.isoformat() == "2022-01-05T15:11:39+08:00"
    assert second.categories == ["猎云网"] and second.slug == "202201052237118816"
    # no detail for the second record: the list's own digest makes its body
    assert first.content_html == "<p>没有详情的快讯。</p>"


def test_jsonp_and_pagination(api, tmp_path, archive):
    config = make_config(
        tmp_path,
        [
            {**_source(f"{api}/jsonp"), "name": "jsonp"},
            {**_source(f"{api}/paged", pages=2, page_param="page_index"), "name": "paged"},
        ],
    )
    report = fetch_all(config, archive)
    assert [s.found for s in report.sources] == [1, 2]
    assert any("page_index=2" in hit for hit in Api.hits)


def test_a_path_matching_nothing_is_an_error_not_zero_items(api, tmp_path, archive):
    report = fetch_all(make_config(tmp_path, [_source(f"{api}/renamed")]), archive)
    error = report.sources[0].error
    assert not report.sources[0].ok and "matches no list" in error and "/renamed" in error


def test_config_errors():
    with pytest.raises(ConfigError, match=r"needs an \[sources\.api\] table"):
        make_config(Path("."), [{"name": "a", "type": "json", "url": "x"}])
    with pytest.raises(ConfigError, match="unknown preset 'nope'"):
        make_config(Path("."), [_source("x", preset="nope")])


def test_lookup_paths():
    data = {"a": {"b": [{"c": 1}]}, "d": ""}
    assert lookup(data, "a.b.0.c") == 1
    assert lookup(data, "x|d|a.b.0.c") == 1
    assert lookup(data, "a.z") is None


KR36 = {
    "code": 0,
    "data": {
        "items": [
            {
                "id": 1706215,
                "title": "阿里巴巴副总裁贾扬清离职",
                "description": "36氪获悉，阿里巴巴集团副总裁贾扬清已于近日离职。",
                "published_at": "2023-03-20 10:05:00",
            }
        ]
    },
}
GATEWAY = {
    "data": {
        "itemList": [
            {
                "itemId": 2791,
                "templateMaterial": {
                    "widgetTitle": "百度副总裁离职",
                    "widgetContent": "据悉，百度集团副总裁已离职。",
                    "publishTime": 1653000000000,
                },
            }
        ]
    }
}
MEDIA = {
    "data": {
        "nodeList": [
            {"infocode": "AN1", "title": "券商快讯", "showtime": "2022-01-05 09:00:00", "from": "证券时报",
             "url_w": "http://finance.eastmoney.com/a/AN1.html", "digest": "【快讯】正文"},
            {"infocode": "AN2", "title": "财经要闻", "showtime": "2022-01-05 09:30:00", "from": "新浪财经",
             "url_w": "http://finance.eastmoney.com/a/AN2.html", "digest": "正文二"},
        ]
    }
}  # fmt: skip


def test_kr36_newsflash_preset_both_shapes(tmp_path, archive):
    with LoopbackServer() as server:
        server.add("/newsflash", json.dumps(KR36, ensure_ascii=False), content_type="application/json")
        server.add("/gateway", json.dumps(GATEWAY, ensure_ascii=False), content_type="application/json")
        sources = [
            {"name": name, "type": "json", "url": server.url(path), "api": {"preset": "kr36-newsflash"}}
            for name, path in (("kr36", "/newsflash"), ("kr36gw", "/gateway"))
        ]
        report = fetch_all(make_config(tmp_path, sources), archive)
    assert all(s.ok for s in report.sources), [s.error for s in report.sources]
    by_url = {a.url: a for a in archive.iter_articles()}
    first = by_url["https://36kr.com/newsflashes/1706215"]
    assert first.title == "阿里巴巴副总裁贾扬清离职" and first.published.isoformat() == "2023-03-20T10:05:00+08:00"
    second = by_url["https://36kr.com/newsflashes/2791"]
    assert second.title == "百度副总裁离职" and second.summary == "据悉，百度集团副总裁已离职。"
    assert second.published == datetime(2022, 5, 19, 22, 40, tzinfo=UTC)


def test_media_list_files_each_outlet_under_its_pinyin(tmp_path, archive):
    with LoopbackServer() as server:
        server.add("/media", json.dumps(MEDIA, ensure_ascii=False), content_type="application/json")
        source = {"name": "emmedia", "type": "json", "url": server.url("/media"), "api": {"preset": "eastmoney-media"}}
        config = make_config(tmp_path, [source])
        assert fetch_all(config, archive).added == 2
    export_posts(archive.iter_articles(), "jekyll", tmp_path / "blog", config)
    posts = {p.read_text(encoding="utf-8") for p in (tmp_path / "blog" / "_posts").glob("*.md")}
    assert any(
        "categories: zhengquanshibao" in p and "tags: 证券时报新闻" in p and "[返回证券时报]" in p for p in posts
    )
    assert any("categories: xinlangcaijing" in p and "tags: 新浪财经新闻" in p for p in posts)
    build_site(archive.iter_articles(), config, tmp_path / "site")
    assert (tmp_path / "site/category/xinlangcaijing/index.html").read_text(encoding="utf-8").count("新浪财经") >= 1


def _serve_json(server: LoopbackServer, path: str, body: object) -> str:
    server.add(path, json.dumps(body, ensure_ascii=False), content_type="application/json")
    return server.url(path)


def test_an_empty_list_today_is_zero_new_not_an_error(tmp_path, archive):
    with LoopbackServer() as server:
        url = _serve_json(server, "/quiet", {"data": {"list": []}})
        report = fetch_all(make_config(tmp_path, [_source(url)]), archive)
    source = report.sources[0]
    assert source.ok, source.error
    assert (source.found, source.added) == (0, 0) and source.summary.startswith("0 items: 0 new")
    assert archive.source_state("emnews").consecutive_failures == 0  # not backed off


def test_items_missing_a_mapped_field_are_counted_and_named(tmp_path, archive):
    linkless = [{**record, "id": f"x{n}"} for n, record in enumerate(RECORDS)]
    for record in linkless:
        del record["url_w"]
    undated = {**RECORDS[0], "id": "undated", "url_w": "http://finance.eastmoney.com/a/undated.html"}
    del undated["showtime"]
    with LoopbackServer() as server:
        url = _serve_json(server, "/partial", {"data": {"list": [*RECORDS, *linkless, undated]}})
        report = fetch_all(make_config(tmp_path, [_source(url)]), archive)
    source = report.sources[0]
    assert source.ok and source.added == 2 and source.found == 5
    assert source.skipped == 3
    assert source.skip_reasons == {"no 'url_w|url|uniqueUrl'": 2, "no 'showtime|showTime'": 1}
    assert "5 items: 2 new" in source.summary and "3 skipped: 2 no 'url_w|url|uniqueUrl'; 1 no" in source.summary
    assert {a.url for a in archive.iter_articles()} == {r["url_w"] for r in RECORDS}


def test_one_reason_reads_after_the_count(tmp_path, archive):
    linkless = {**RECORDS[0], "id": "linkless"}
    del linkless["url_w"]
    with LoopbackServer() as server:
        url = _serve_json(server, "/one", {"data": {"list": [*RECORDS, linkless]}})
        report = fetch_all(make_config(tmp_path, [_source(url)]), archive)
    assert report.sources[0].summary == "3 items: 2 new, 0 updated, 0 unchanged, 1 skipped: no 'url_w|url|uniqueUrl'"


def test_every_item_missing_a_field_is_an_error_naming_it(tmp_path, archive):
    renamed = [{**{k: v for k, v in record.items() if k != "url_w"}, "link": record["url_w"]} for record in RECORDS]
    with LoopbackServer() as server:
        url = _serve_json(server, "/renamed-field", {"data": {"list": renamed}})
        report = fetch_all(make_config(tmp_path, [_source(url)]), archive)
    source = report.sources[0]
    assert not source.ok and "/renamed-field" in source.error
    assert "none of the 2 items has 'url_w|url|uniqueUrl'" in source.error
    assert archive.count() == 0 and archive.source_state("emnews").consecutive_failures == 1
