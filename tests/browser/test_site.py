"""A reader in Chromium on the built site, as `finews serve` sends it: search, an article, the feeds."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from urllib.parse import urljoin

from .conftest import Session
from .desk import Desk

ATOM = "{http://www.w3.org/2005/Atom}"
MOVE = "阿里副总裁王刚离职加盟字节跳动"
RESULT = ".pagefind-ui__result-link"


def test_search_a_two_character_word_and_read_the_article(page, session: Session, news_desk: Desk) -> None:
    page.goto(f"{news_desk.url}/index.html")
    assert MOVE in page.locator("main").inner_text()
    # the header's search box leads to the search page, whose script asks Pagefind's index
    page.fill("input[name=q]", "离职")
    page.press("input[name=q]", "Enter")
    page.wait_for_url("**/search.html?q=*")
    page.wait_for_selector(RESULT)
    links = page.locator(RESULT)
    assert links.all_inner_texts() == [MOVE]  # beta's copy is linked to alpha's report, not a page of its own

    # typing a new query in the search page itself
    box = page.locator(".pagefind-ui__search-input")
    box.fill("茅台")
    page.locator(RESULT, has_text="茅台").first.wait_for()
    assert page.locator(RESULT, has_text="离职").count() == 0
    box.fill("离职")
    page.locator(RESULT, has_text=MOVE).first.wait_for()
    assert page.locator(RESULT).all_inner_texts() == [MOVE]
    page.locator(RESULT).first.click()
    page.wait_for_url("**/a/*.html")
    assert page.locator("article h1").inner_text() == MOVE
    assert "字节跳动" in page.locator("article .content").inner_text()
    also = page.locator("section.also a").all_inner_texts()
    assert also == [MOVE]  # beta's report of the same move, listed under "also reported"
    assert not session.guard.outbound and not session.guard.dialogs
    # no script error, nothing the policy refused (a 404 for /favicon.ico is no error of the site's)
    assert [e for e in session.guard.errors if not e.startswith("Failed to load resource")] == []


def test_feed_links_are_there_and_parse(page, news_desk: Desk) -> None:
    page.goto(f"{news_desk.url}/index.html")
    alternates = page.locator("link[rel=alternate]")
    found = {alternates.nth(i).get_attribute("type"): alternates.nth(i).get_attribute("href")
             for i in range(alternates.count())}  # fmt: skip
    assert set(found) == {"application/atom+xml", "application/rss+xml", "application/feed+json"}
    footer = page.locator("footer a").all_inner_texts()
    assert {"Atom", "RSS", "JSON Feed"} <= set(footer)
    titles = {}
    for kind, href in found.items():
        response = page.request.get(urljoin(page.url, href))
        assert response.ok, (href, response.status)
        body = response.body()
        if kind == "application/feed+json":
            titles[kind] = [item["title"] for item in json.loads(body)["items"]]
        elif kind == "application/atom+xml":
            titles[kind] = [e.findtext(f"{ATOM}title") for e in ET.fromstring(body).iter(f"{ATOM}entry")]
        else:
            titles[kind] = [i.findtext("title") for i in ET.fromstring(body).iter("item")]
    expected = ["腾讯控股季度业绩超预期", "贵州茅台发布年报 净利润创新高", MOVE]
    assert all(t == expected for t in titles.values()), titles
    # and the browser follows the footer's feed link to the same document
    page.click("footer >> text=Atom")
    page.wait_for_url("**/atom.xml")
    assert MOVE in page.content()
