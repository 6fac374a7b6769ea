"""The live pages of `finews serve` (search, source health) and the security headers on every answer."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import html5lib
import httpx

from finews.web import create_app
from finews.web.live import relative, web_url
from finews.web.security import POLICY, script_hashes

from ..conftest import make_config
from .conftest import Served, serve
from .feeds import day_of


def _page(response: httpx.Response, status: int = 200):
    assert response.status_code == status, response.text[:500]
    assert response.headers["content-type"].startswith("text/html")
    # a strict parser: a template that writes broken markup fails here, not in a reader's browser
    return html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(response.text)


def _text(node) -> str:
    return "".join(node.itertext()).strip()


def test_live_search_shows_highlighted_hits_with_filters(served: Served) -> None:
    with served.client() as http:
        doc = _page(http.get("/live/search", params={"q": "离职"}))
        hits = doc.findall(".//li[@class='hit']")
        assert len(hits) == 1  # beta's copy is linked to alpha's report, not listed again
        assert _text(hits[0].find(".//*[@class='title']")) == "阿里副总裁王刚离职加盟字节跳动"
        assert [_text(m) for m in hits[0].iter("mark")] == ["离职"]
        assert "Alpha" in _text(hits[0].find(".//span[@class='meta']"))
        assert _text(doc.find(".//p[@class='total']/strong")) == "1"

        assert _total(http, q="茅台", ticker="600519.SH") == 1
        assert _total(http, q="茅台", ticker="00700.HK") == 0
        assert _total(http, q="离职", person="王刚", source="alpha") == 1
        assert _total(http, q="茅台", category="finance") == 1
        assert _total(http, q="茅台", until=day_of(0).isoformat()) == 0
        assert _total(http, q="茅台", since=day_of(1).isoformat(), until=day_of(1).isoformat()) == 1  # inclusive


def _total(http: httpx.Client, **params: str) -> int:
    doc = _page(http.get("/live/search", params=params))
    return int(_text(doc.find(".//p[@class='total']/strong")))


def test_live_search_keeps_the_form_and_says_what_is_wrong(served: Served) -> None:
    with served.client() as http:
        empty = _page(http.get("/live/search"))
        assert empty.find(".//p[@class='total']") is None and empty.find(".//input[@name='q']") is not None
        options = [o.get("value") for o in empty.findall(".//select[@name='source']/option")]
        assert options == ["", "alpha", "beta", "broken"]
        bad = _page(http.get("/live/search", params={"q": "茅台", "since": "yesterday"}), 422)
        assert "YYYY-MM-DD" in _text(bad.find(".//ul[@class='errors']"))
        assert bad.find(".//input[@name='since']").get("value") == "yesterday"
        assert http.get("/live/", follow_redirects=False).headers["location"] == "/live/search"


def test_live_search_escapes_what_the_reader_typed(served: Served) -> None:
    typed = '"><script>alert(1)</script><img src=x onerror=alert(2)>'
    with served.client() as http:
        response = http.get("/live/search", params={"q": typed, "category": typed})
    doc = _page(response)
    assert "<script>alert" not in response.text and "<img src=x" not in response.text
    assert doc.find(".//input[@name='q']").get("value") == typed
    assert doc.find(".//input[@name='category']").get("value") == typed
    assert not doc.findall(".//script") and not doc.findall(".//main//img")
    with served.client() as http:
        long = _page(http.get("/live/search", params={"q": "茅台" * 800}))  # cut to what is shown, not refused
    assert long.find(".//input[@name='q']").get("value") == "茅台" * 500


def test_live_search_pages_through_results(filled, monkeypatch) -> None:
    from finews.web import live

    monkeypatch.setattr(live, "PER_PAGE", 1)
    for url in serve(create_app(filled)):
        with httpx.Client(base_url=url, timeout=30) as http:
            first = _page(http.get("/live/search", params={"q": "增长", "source": "alpha"}))
            assert _text(first.find(".//p[@class='total']/strong")) == "2"  # 茅台's and 腾讯's reports
            nxt = first.find(".//a[@rel='next']").get("href")
            assert nxt == "/live/search?q=%E5%A2%9E%E9%95%BF&source=alpha&page=2"
            assert first.find(".//a[@rel='prev']") is None
            second = _page(http.get(nxt))
            assert len(second.findall(".//li[@class='hit']")) == 1
            assert second.find(".//a[@rel='next']") is None and second.find(".//a[@rel='prev']") is not None
            titles = {_text(d.find(".//li[@class='hit']/*[@class='title']")) for d in (first, second)}
            assert titles == {"贵州茅台发布年报 净利润创新高", "腾讯控股季度业绩超预期"}


def test_live_search_is_rate_limited_like_the_api(filled) -> None:
    config = filled.model_copy(update={"web": filled.web.model_copy(update={"search_per_minute": 1})})
    for url in serve(create_app(config)):
        with httpx.Client(base_url=url, timeout=30) as http:
            assert http.get("/live/search", params={"q": "离职"}).status_code == 200
            refused = http.get("/live/search", params={"q": "离职"})
            doc = _page(refused, 429)
            assert refused.headers["retry-after"] == "60" and "稍后" in _text(doc.find(".//ul[@class='errors']"))
            assert http.get("/live/search").status_code == 200  # the bare form costs no search


def test_sources_page_shows_health(served: Served) -> None:
    with served.client() as http:
        doc = _page(http.get("/live/sources"))
        api = {s["name"]: s for s in http.get("/api/sources").json()}
    rows = {row.get("id"): row for row in doc.findall(".//tbody/tr")}
    assert list(rows) == ["source-alpha", "source-beta", "source-broken"]
    alpha, broken = rows["source-alpha"], rows["source-broken"]
    assert alpha.get("class") == "source ok" and _text(alpha.find("td[@class='articles']")) == "3"
    assert re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d", _text(alpha.find("td[@class='last-success']")))
    assert _text(alpha.find("td[@class='failures']")) == "0"
    assert broken.get("class") == "source failing"
    assert _text(broken.find("td[@class='last-success']")) == "从未"
    failures = int(_text(broken.find("td[@class='failures']")))  # other tests may have fetched it again
    assert failures == api["broken"]["consecutive_failures"] >= 1 and "500" in _text(broken.find("td[@class='error']"))
    assert _text(broken.find("td[@class='next-check']/span")).endswith("后")  # backoff: due in the future
    assert "失败 1" in _text(doc.find(".//p[@class='summary']"))


def test_every_answer_carries_the_security_headers(served: Served) -> None:
    with served.client() as http:
        answers = [
            http.get("/"), http.get("/live/search", params={"q": "离职"}), http.get("/live/sources"),
            http.get("/live/static/live.css"), http.get("/api/articles"), http.get("/api/nothing-here"),
            http.get("/no-such-page.html"), http.get("/healthz"),
        ]  # fmt: skip
        docs = http.get("/api/docs")
    for answer in answers:
        headers = answer.headers
        assert headers["content-security-policy"] == POLICY, answer.url
        assert headers["x-content-type-options"] == "nosniff" and headers["referrer-policy"] == "no-referrer"
        assert headers["x-frame-options"] == "DENY"
    assert "script-src 'self' 'wasm-unsafe-eval';" in POLICY and "frame-ancestors 'none'" in POLICY
    assert "'unsafe-inline'" not in POLICY and "'unsafe-eval'" not in POLICY
    # the docs page's inline script is allowed by its hash, and only on that page
    hashes = script_hashes(docs.text)
    assert docs.status_code == 200 and len(hashes) == 1 and hashes[0] in docs.headers["content-security-policy"]
    assert hashes[0] not in POLICY


def test_script_hashes_are_the_browsers() -> None:
    # the digest a browser computes for <script>alert(1)</script> (CSP3, sha256 of the UTF-8 text)
    assert script_hashes("<script>alert(1)</script><script src=x.js></script>") == [
        "'sha256-bhHHL3z2vDgxUt0W3dWQOrprscmda2Y5pLsLg4GF+pI='"
    ]


def test_only_web_links_are_linked_and_times_read_relative() -> None:
    assert web_url("https://a.example.cn/x") == "https://a.example.cn/x"
    assert [web_url(u) for u in ("javascript:alert(1)", " data:text/html,x", "//evil", "", None)] == [None] * 5
    now = datetime(2024, 5, 1, 12, tzinfo=UTC)
    assert relative(now + timedelta(minutes=90), now) == "1 小时后"
    assert relative(now - timedelta(days=2, hours=1), now) == "2 天前"
    assert relative(now - timedelta(seconds=5), now) == "刚刚"


def test_the_builders_own_files_are_not_served(served: Served) -> None:
    site = served.config.site_dir
    (site / ".finews-state.db").write_bytes(b"state")
    (site / ".finews-journal").mkdir(exist_ok=True)
    (site / ".finews-journal" / "log").write_text("[]", encoding="utf-8")
    (site / "plain.html").write_text("<p>页</p>", encoding="utf-8")
    with served.client() as http:
        assert http.get("/plain.html").status_code == 200
        for path in ("/.finews-state.db", "/.finews-journal/log", "/%2efinews-state.db", "/a/../.finews-state.db"):
            assert http.get(path).status_code == 404, path


def _site_app(tmp_path: Path) -> tuple[Path, object]:
    config = make_config(tmp_path)
    return config.site_dir, create_app(config)


def test_before_the_first_build_every_site_page_says_to_run_finews_build(tmp_path, caplog) -> None:
    site, app = _site_app(tmp_path)
    with caplog.at_level(logging.WARNING, logger="finews.web"):
        for url in serve(app):
            with httpx.Client(base_url=url, timeout=30) as http:
                home, other, api = http.get("/"), http.get("/news/today.html"), http.get("/api/nothing-here")
    for answer in (home, other):
        doc = _page(answer, 404)
        assert "no site built yet: run finews build" in _text(doc.find(".//p[@class='nosite']"))
        assert answer.headers["content-security-policy"] == POLICY and answer.headers["x-frame-options"] == "DENY"
    assert api.status_code == 404 and api.headers["content-type"].startswith("application/problem+json")
    assert [r.getMessage() for r in caplog.records] == [
        f"no site built yet in {site}: run `finews build` (or `finews run`) to make its pages"
    ]


def test_unknown_pages_are_html_on_the_site_and_problems_under_api(tmp_path, caplog) -> None:
    site, app = _site_app(tmp_path)
    site.mkdir(parents=True, exist_ok=True)
    (site / "index.html").write_text("<!doctype html><title>首页</title><p>首页</p>", encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="finews.web"):
        for url in serve(app):
            with httpx.Client(base_url=url, timeout=30) as http:
                missing = http.get("/nonexistent/<b>x</b>")
                api = http.get("/api/nonexistent")
                posted = http.post("/")
                (site / "404.html").write_text(
                    "<!doctype html><title>找不到</title><p>本站的 404</p>", encoding="utf-8"
                )
                own = http.get("/nonexistent")
                hidden = http.get("/.finews-state.db")
    assert not caplog.records  # a built site: nothing to say when starting
    doc = _page(missing, 404)
    assert _text(doc.find(".//h1")) == "404 Not Found"
    assert _text(doc.find(".//p[@class='detail']/code")) == "/nonexistent/<b>x</b>"  # shown as text, not markup
    assert (
        missing.headers["content-security-policy"] == POLICY and missing.headers["x-content-type-options"] == "nosniff"
    )
    body = api.json()
    assert api.status_code == 404 and api.headers["content-type"].startswith("application/problem+json")
    assert body["status"] == 404 and body["instance"] == "/api/nonexistent"
    assert _text(_page(posted, 405).find(".//h1")) == "405 Method Not Allowed"
    for answer in (own, hidden):  # the built site's own 404 page, when it has one
        assert _text(_page(answer, 404).find(".//p")) == "本站的 404"
        assert answer.headers["content-security-policy"] == POLICY
