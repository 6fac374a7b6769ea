"""The live pages of `finews serve` in Chromium: search with filters, a hit to its article, source health."""

from __future__ import annotations

from .conftest import Session
from .desk import Desk

MOVE = "阿里副总裁王刚离职加盟字节跳动"


def test_live_search_with_a_filter_and_follow_a_hit(page, session: Session, news_desk: Desk) -> None:
    page.goto(f"{news_desk.url}/live/search")
    page.fill("#q", "离职")
    page.select_option("select[name=source]", "alpha")
    page.click("form.search button[type=submit]")
    page.wait_for_url("**/live/search?q=*")
    assert page.locator(".total strong").inner_text() == "1"
    hit = page.locator("li.hit")
    assert hit.locator("mark").all_inner_texts() == ["离职"]
    assert page.locator("#q").input_value() == "离职"  # the form keeps what was asked
    assert page.locator("select[name=source]").input_value() == "alpha"

    page.fill("#q", "茅台")
    page.fill("input[name=ticker]", "00700.HK")  # 茅台 is not Tencent: nothing
    page.press("#q", "Enter")
    page.wait_for_url("**ticker=00700.HK*")
    assert page.locator(".total strong").inner_text() == "0" and page.locator("li.hit").count() == 0

    page.goto(f"{news_desk.url}/live/search?q=%E7%A6%BB%E8%81%8C")
    page.click("li.hit a.title")
    page.wait_for_url("**/a/*.html")  # the static site's page of that article
    assert page.locator("article h1").inner_text() == MOVE
    assert not session.guard.outbound and not session.guard.dialogs


def test_sources_page_shows_health(page, session: Session, news_desk: Desk) -> None:
    response = page.goto(f"{news_desk.url}/live/sources")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    rows = page.locator("tbody tr")
    assert rows.count() == 3
    broken = page.locator("#source-broken")
    assert broken.get_attribute("class") == "source failing"
    assert "500" in broken.locator(".error").inner_text()
    assert broken.locator(".next-check .meta").inner_text().endswith("后")
    alpha = page.locator("#source-alpha")
    assert alpha.locator(".status").inner_text() == "正常" and alpha.locator(".articles").inner_text() == "3"
    # styled by its own stylesheet despite the policy: a failing source stands out in red
    color = broken.locator(".status").evaluate("el => getComputedStyle(el).color")
    assert color == "rgb(179, 38, 30)"
    page.click("nav >> text=实时搜索")
    page.wait_for_url("**/live/search")
    assert page.locator("#q").is_visible()
    assert not session.guard.outbound and not session.guard.dialogs


def test_api_docs_render_offline(page, session: Session, news_desk: Desk) -> None:
    response = page.goto(f"{news_desk.url}/api/docs")
    assert "cdn" not in response.headers["content-security-policy"]
    # Swagger UI draws the API's operations from the app's own bundle and schema
    page.locator(".opblock-summary-path", has_text="/api/articles").first.wait_for()
    assert page.locator(".opblock").count() >= 10
    assert not session.guard.outbound and not session.guard.dialogs
