"""The JSON API of `finews serve`, over HTTP against a real server and a pipeline-filled archive."""

from __future__ import annotations

import gzip
import hmac
import re
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest

from finews.config import Config, flags
from finews.pipeline import fetch_all
from finews.store import open_archive
from finews.web import create_app

from ..conftest import make_config
from ..loopback import LoopbackServer
from .conftest import TOKEN, Served, serve
from .feeds import ALPHA, day_of, feed

PROBLEM = "application/problem+json"


def _problem(response: httpx.Response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    assert body["status"] == status and body["title"] and body["type"] == "about:blank"
    assert isinstance(body["detail"], str)
    return body


def test_articles_are_newest_first_without_linked_reports(served: Served) -> None:
    with served.client() as http:
        page = http.get("/api/articles").json()
        assert page["total"] == 3 and page["page"] == 1
        titles = [a["title"] for a in page["items"]]
        assert titles == ["腾讯控股季度业绩超预期", "贵州茅台发布年报 净利润创新高", "阿里副总裁王刚离职加盟字节跳动"]
        assert all(a["source"] == "alpha" for a in page["items"])  # beta's copy is linked, not listed
        assert page["items"][0]["published"] == f"{day_of(2).isoformat()}T10:00:00+08:00"
        second = http.get("/api/articles", params={"per_page": 2, "page": 2}).json()
        assert [a["id"] for a in second["items"]] == [page["items"][2]["id"]]
        assert http.get("/api/articles", params={"category": "finance"}).json()["total"] == 1
        assert http.get("/api/articles", params={"source": "beta"}).json()["total"] == 0
        window = {"since": day_of(1).isoformat(), "until": day_of(2).isoformat()}  # Beijing dates
        assert [a["title"] for a in http.get("/api/articles", params=window).json()["items"]] == [titles[1]]


def test_article_has_mentions_and_also_reported(served: Served) -> None:
    with served.client() as http:
        first = http.get("/api/articles", params={"source": "alpha", "per_page": 100}).json()["items"][-1]
        article = http.get(f"/api/articles/{first['id']}").json()
    assert article["title"] == "阿里副总裁王刚离职加盟字节跳动" and article["duplicate_of"] is None
    assert "<p>" in article["content_html"] and article["categories"] == ["tech"]
    assert article["story_id"] is not None
    assert [r["source"] for r in article["also_reported"]] == ["beta"]
    keys = {(m["kind"], m["key"]) for m in article["mentions"]}
    assert {("company", "BABA"), ("person", "王刚")} <= keys
    assert all(m["confidence"] >= 0.6 for m in article["mentions"])


def test_search_hits_have_snippets_and_filters(served: Served) -> None:
    with served.client() as http:
        found = http.get("/api/search", params={"q": "茅台"}).json()
        assert found["total"] == 1 and "<mark>茅台</mark>" in found["items"][0]["snippet"]
        assert http.get("/api/search", params={"q": "离职", "source": "alpha", "ticker": "BABA"}).json()["total"] == 1
        assert http.get("/api/search", params={"q": "离职", "source": "alpha", "person": "王刚"}).json()["total"] == 1
        assert http.get("/api/search", params={"q": "茅台", "category": "finance"}).json()["total"] == 1
        assert http.get("/api/search", params={"q": "茅台", "until": day_of(-1).isoformat()}).json()["total"] == 0
        assert http.get("/api/search", params={"q": "茅台", "ticker": "00700.HK"}).json()["total"] == 0


def test_search_leaves_out_linked_reports(served: Served) -> None:
    with served.client() as http:
        found = http.get("/api/search", params={"q": "离职"}).json()
    assert [hit["article"]["source"] for hit in found["items"]] == ["alpha"]


@pytest.mark.parametrize(
    "query", ['"', "NEAR(茅台", "茅台 AND OR NOT", "*", ")(", "title:茅台", "^", "'; DROP TABLE x"]
)
def test_fts_syntax_never_errors(served: Served, query: str) -> None:
    with served.client() as http:
        response = http.get("/api/search", params={"q": query})
    assert response.status_code == 200, response.text


def test_sources_report_health_and_counts(served: Served) -> None:
    with served.client() as http:
        sources = {s["name"]: s for s in http.get("/api/sources").json()}
    assert list(sources) == ["alpha", "beta", "broken"]
    assert sources["alpha"]["articles"] == 3 and sources["beta"]["articles"] == 1
    assert sources["alpha"]["last_success"] and sources["alpha"]["consecutive_failures"] == 0
    broken = sources["broken"]
    assert broken["last_success"] is None and broken["consecutive_failures"] == 1
    assert "500" in broken["last_error"] and broken["next_check"]


def test_stories_entities_and_events(served: Served) -> None:
    with served.client() as http:
        stories = http.get("/api/stories").json()
        assert stories["total"] == 3  # beta's copy joined alpha's story
        biggest = stories["items"][0]
        assert biggest["size"] == 2 and {m["source"] for m in biggest["members"]} == {"alpha", "beta"}
        assert http.get(f"/api/stories/{biggest['id']}").json()["members"] == biggest["members"]
        recent = http.get("/api/stories", params={"sort": "recent"}).json()["items"]
        assert [s["last_at"] for s in recent] == sorted((s["last_at"] for s in recent), reverse=True)

        companies = http.get("/api/entities", params={"kind": "company"}).json()["items"]
        assert {"BABA", "600519.SH", "00700.HK"} <= {e["key"] for e in companies}
        assert all(e["kind"] == "company" and e["mentions"] >= e["articles"] >= 1 for e in companies)
        people = http.get("/api/entities", params={"kind": "person"}).json()["items"]
        assert "王刚" in {e["key"] for e in people}
        about = http.get("/api/entities/600519.SH/articles").json()
        assert [a["title"] for a in about["items"]] == ["贵州茅台发布年报 净利润创新高"]
        assert http.get("/api/entities/no-such-key/articles").json()["total"] == 0
        # a dual listing is one company: its Hong Kong ticker finds what its US ticker finds
        alibaba = http.get("/api/entities/BABA/articles").json()
        assert alibaba["total"] >= 1 and http.get("/api/entities/09988.HK/articles").json() == alibaba

        events = http.get("/api/events").json()["items"]
    move = next(e for e in events if e["person"] == "王刚")
    assert (
        move["org_key"] == "阿里巴巴"
        and move["destination"] == "字节跳动"
        and move["when"] == f"{day_of(0).year - 1}-08"
    )
    assert len(move["reports"]) == 2


@pytest.mark.parametrize(
    "path", ["/api/articles/999999", "/api/stories/999999", "/api/articles/99999999999999999999999"]
)
def test_unknown_ids_are_404_problems(served: Served, path: str) -> None:
    with served.client() as http:
        _problem(http.get(path), 404)


def test_bad_parameters_and_unknown_endpoints_are_problems(served: Served) -> None:
    with served.client() as http:
        body = _problem(http.get("/api/articles", params={"per_page": 101}), 422)
        assert "per_page" in body["detail"] and body["errors"][0]["loc"] == ["query", "per_page"]
        _problem(http.get("/api/articles/abc"), 422)
        _problem(http.get("/api/search"), 422)
        _problem(http.get("/api/entities", params={"kind": "planet"}), 422)
        _problem(http.get("/api/nothing/here"), 404)
        _problem(http.delete("/api/articles"), 405)
        assert http.get("/healthz").text == "ok"  # the site keeps its plain answers


@pytest.mark.parametrize("path", ["/api/articles", "/api/search", "/api/stories", "/api/entities", "/api/events"])
def test_huge_pages_are_empty(served: Served, path: str) -> None:
    with served.client() as http:
        page = http.get(path, params={"page": 10**30, "per_page": 100, "q": "茅台"})
    assert page.status_code == 200 and page.json()["items"] == [] and page.json()["total"] >= 1


def test_etag_and_304(served: Served) -> None:
    with served.client() as http:
        first = http.get("/api/articles")
        etag = first.headers["etag"]
        assert etag.startswith('W/"') and first.headers["cache-control"] == "no-cache"
        again = http.get("/api/articles", headers={"If-None-Match": etag})
        assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
        listed = http.get("/api/articles", headers={"If-None-Match": f'"other", {etag.removeprefix("W/")}'})
        assert listed.status_code == 304
        assert http.get("/api/articles", headers={"If-None-Match": '"stale"'}).status_code == 200
        assert http.get("/api/articles?per_page=1").headers["etag"] != etag


def test_gzip(served: Served) -> None:
    with served.client() as http:
        request = http.build_request("GET", "/api/articles", headers={"Accept-Encoding": "gzip"})
        raw = http.send(request, stream=True)
        body = raw.read()  # httpx decodes; the header says what came over the wire
        wire = raw.headers
        raw.close()
        plain = http.get("/api/articles", headers={"Accept-Encoding": "identity"})
    assert wire["content-encoding"] == "gzip" and "accept-encoding" in wire["vary"].lower()
    assert body == plain.content and "content-encoding" not in plain.headers
    assert gzip.compress(plain.content)  # the plain answer is the same JSON
    assert wire["etag"] == plain.headers["etag"]


def test_openapi_and_docs(served: Served) -> None:
    with served.client() as http:
        schema = http.get("/api/openapi.json").json()
        docs = http.get("/api/docs")
        # Swagger UI comes from the app itself: no other host is named, and its files are there
        sources = [s for s in re.findall(r'(?:src|href)="([^"]+)"', docs.text) if s != "data:,"]
        assets = [http.get(source) for source in sources]
    assert docs.status_code == 200 and "swagger" in docs.text.lower()
    assert len(sources) == 2 and all(s.startswith("/api/docs-files/") for s in sources), sources
    assert all(a.status_code == 200 and len(a.content) > 500 for a in assets)
    assert "https:" not in docs.headers["content-security-policy"].split("img-src")[0]
    paths = schema["paths"]
    for path in ("/api/articles", "/api/articles/{article_id}", "/api/search", "/api/sources", "/api/stories",
                 "/api/stories/{story_id}", "/api/entities", "/api/entities/{key}/articles", "/api/events",
                 "/api/sources/{name}/fetch", "/api/sources/{name}/disable", "/api/sources/{name}/enable"):  # fmt: skip
        assert path in paths, path
    assert PROBLEM in paths["/api/articles/{article_id}"]["get"]["responses"]["404"]["content"]


ADMIN = ["/api/sources/alpha/fetch", "/api/sources/alpha/disable", "/api/sources/alpha/enable"]


@pytest.mark.parametrize("path", ADMIN)
def test_admin_refused_without_a_configured_token(tokenless: Served, path: str) -> None:
    with tokenless.client() as http:
        _problem(http.post(path, headers={"Authorization": f"Bearer {TOKEN}"}), 403)
        _problem(http.post(path), 403)


@pytest.mark.parametrize("path", ADMIN)
def test_admin_needs_the_right_token(served: Served, path: str) -> None:
    with served.client() as http:
        missing = http.post(path)
        _problem(missing, 401)
        assert missing.headers["www-authenticate"] == "Bearer"
        _problem(http.post(path, headers={"Authorization": f"Bearer {TOKEN}x"}), 401)
        _problem(http.post(path, headers={"Authorization": f"Bearer {TOKEN[:-1]}"}), 401)
        _problem(http.post(path, headers={"Authorization": f"Basic {TOKEN}"}), 401)
    assert not flags.disabled_sources(served.config)


def test_token_is_compared_in_constant_time(served: Served, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple[bytes, bytes]] = []

    def spy(a: bytes, b: bytes) -> bool:
        seen.append((a, b))
        return a == b  # the real comparison stays hmac's; this only records that it is the one asked

    monkeypatch.setattr(hmac, "compare_digest", spy)
    with served.client() as http:
        _problem(http.post("/api/sources/nope/disable", headers={"Authorization": "Bearer guess"}), 401)
    assert seen == [(b"guess", TOKEN.encode())]


def test_admin_fetch_disable_enable(served: Served) -> None:
    auth = {"Authorization": f"Bearer {TOKEN}"}
    with served.client(headers=auth) as http:
        report = http.post("/api/sources/alpha/fetch").json()
        assert report["ok"] and report["name"] == "alpha" and report["summary"]
        failed = http.post("/api/sources/broken/fetch").json()
        assert not failed["ok"] and "500" in failed["error"]
        _problem(http.post("/api/sources/nope/fetch"), 404)
        _problem(http.post("/api/sources/nope/disable"), 404)

        flag = http.post("/api/sources/beta/disable").json()
        assert flag == {"name": "beta", "enabled": True, "disabled_by_admin": True}
        assert flags.disabled_sources(served.config) == {"beta"}
        assert "beta" not in {s.name for s in flags.active_sources(served.config)}
        listed = {s["name"]: s for s in http.get("/api/sources").json()}
        assert listed["beta"]["disabled_by_admin"] and not listed["alpha"]["disabled_by_admin"]
        assert http.post("/api/sources/beta/enable").json()["disabled_by_admin"] is False
    assert flags.disabled_sources(served.config) == set()
    assert {s.name for s in flags.active_sources(served.config)} == {s.name for s in served.config.sources if s.enabled}


OFFSET_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+08:00$")


def _date_time_fields(schema: dict) -> set[str]:
    """Every property the OpenAPI document calls a date-time, in any schema."""
    names = set()
    for model in schema["components"]["schemas"].values():
        for name, prop in model.get("properties", {}).items():
            if any(option.get("format") == "date-time" for option in [prop, *prop.get("anyOf", [])]):
                names.add(name)
    return names


def _times(value: object, names: set[str], found: dict[str, list[str]]) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            if key in names and isinstance(item, str):  # FetchResult's "updated" is a count, not a time
                found.setdefault(key, []).append(item)
            else:
                _times(item, names, found)
    elif isinstance(value, list):
        for item in value:
            _times(item, names, found)


def test_every_time_of_every_endpoint_is_beijing_time_with_its_offset(served: Served) -> None:
    found: dict[str, list[str]] = {}
    with served.client(headers={"Authorization": f"Bearer {TOKEN}"}) as http:
        schema = http.get("/api/openapi.json").json()
        names = _date_time_fields(schema)
        article = http.get("/api/articles").json()["items"][-1]
        story = http.get("/api/stories").json()["items"][0]
        answers = [
            http.get("/api/articles"), http.get(f"/api/articles/{article['id']}"),
            http.get("/api/search", params={"q": "茅台"}), http.get("/api/sources"), http.get("/api/stories"),
            http.get(f"/api/stories/{story['id']}"), http.get("/api/entities"),
            http.get("/api/entities/600519.SH/articles"), http.get("/api/events"), http.post("/api/sources/beta/fetch"),
        ]  # fmt: skip
    for answer in answers:
        assert answer.status_code == 200, answer.text
        _times(answer.json(), names, found)
    assert {"published", "updated", "last_checked", "last_success", "next_check", "first_at", "last_at"} <= names
    assert "Beijing time" in schema["info"]["description"] and "+08:00" in schema["info"]["description"]
    assert set(found) == names - {"updated"}, names - set(found)  # each was seen with a value
    wrong = [(name, value) for name, values in found.items() for value in values if not OFFSET_TIME.match(value)]
    assert not wrong


ATOM = """<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>
<id>urn:t</id><updated>2024-05-19T10:06:03Z</updated><entry><title>更正后的快讯</title><id>urn:e1</id>
<link href="http://atom.example.cn/1"/><published>2024-05-19T09:00:00-04:00</published>
<updated>2024-05-19T10:06:03Z</updated><content type="html">&lt;p&gt;更正后的正文。&lt;/p&gt;</content>
</entry></feed>"""


def test_times_from_other_zones_are_written_in_beijing_time(tmp_path, feeds) -> None:
    feeds.add("/atom.xml", ATOM, content_type="application/atom+xml")
    config = make_config(tmp_path, [{"name": "atom", "url": feeds.url("/atom.xml")}])
    with open_archive(config.database_path) as archive:
        fetch_all(config, archive)
    for url in serve(create_app(config)):
        with httpx.Client(base_url=url, timeout=30) as http:
            listed = http.get("/api/articles").json()["items"][0]
            article = http.get(f"/api/articles/{listed['id']}").json()
    assert article["published"] == listed["published"] == "2024-05-19T21:00:00+08:00"
    assert article["updated"] == "2024-05-19T18:06:03+08:00"


def _credentialed(tmp_path: Path, feeds: LoopbackServer) -> tuple[Config, str]:
    feeds.add("/private.xml", status=500)
    secret = feeds.url("/private.xml?token=k3y-in-query").replace("http://", "http://reader:pa55word@")
    config = make_config(tmp_path, [{"name": "private", "url": secret}])
    with open_archive(config.database_path) as archive:
        fetch_all(config, archive)
    return config, secret


def test_source_urls_lose_credentials_and_query_unless_the_admin_asks(tmp_path, feeds) -> None:
    config, secret = _credentialed(tmp_path, feeds)
    public = feeds.url("/private.xml")
    for url in serve(create_app(config, admin_token=TOKEN)):
        with httpx.Client(base_url=url, timeout=30) as http:
            anonymous = http.get("/api/sources").json()[0]
            guessed = http.get("/api/sources", headers={"Authorization": "Bearer guess"}).json()[0]
            admin = http.get("/api/sources", headers={"Authorization": f"Bearer {TOKEN}"}).json()[0]
            page = http.get("/live/sources").text
    for shown in (anonymous, guessed):
        assert shown["url"] == public
        assert public in shown["last_error"] and "500" in shown["last_error"]
        assert "pa55word" not in str(shown) and "reader" not in str(shown) and "k3y-in-query" not in str(shown)
    assert admin["url"] == secret and "k3y-in-query" in admin["last_error"]
    assert "pa55word" not in page and "k3y-in-query" not in page and public in page


def test_a_shortened_interval_shows_in_the_next_check(tmp_path, feeds) -> None:
    feeds.add("/hourly.xml", feed("hourly", "hourly.example.cn", ALPHA[:1]), content_type="application/rss+xml")
    source = {"name": "hourly", "url": feeds.url("/hourly.xml"), "interval": 3600}
    config = make_config(tmp_path, [source])
    with open_archive(config.database_path) as archive:
        fetch_all(config, archive)
        checked = archive.source_state("hourly").last_checked
    shortened = make_config(tmp_path, [{**source, "interval": 60}])
    for url in serve(create_app(shortened)):
        with httpx.Client(base_url=url, timeout=30) as http:
            shown = http.get("/api/sources").json()[0]
    assert datetime.fromisoformat(shown["next_check"]) == checked + timedelta(seconds=60)
