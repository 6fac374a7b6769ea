"""Sites with no feed: a list page read with CSS selectors; each article page is fetched for its text.

The selectors live in finews.toml. A site redesign usually makes the item selector match nothing;
that is reported as an error naming the selector and the URL, never as "0 new items".
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urljoin

from selectolax.lexbor import LexborHTMLParser, LexborNode, SelectolaxError

from ..errors import ParseError
from ..model import Article, SourceState
from .base import Collected, Read, fetch_for

if TYPE_CHECKING:
    from ..config import HtmlListConfig, SourceConfig
    from ..fetch.client import Fetcher

_TIME_ATTRIBUTES = ("datetime", "data-time", "data-date", "title", "content")


class HtmlListSource:
    def __init__(self, config: SourceConfig) -> None:
        assert config.html is not None  # guaranteed by SourceConfig validation
        self.config = config
        self.html: HtmlListConfig = config.html

    def collect(self, fetcher: Fetcher, state: SourceState) -> Collected:
        response = fetch_for(self.config, fetcher, self.config.url, state, page=True)
        if response.not_modified:
            return Collected.answer(response)
        return Collected.answer(response, read=read_list_page(response.text(), response.url, self.config))


def parse_list_page(text: str, page_url: str, config: SourceConfig) -> list[Article]:
    """Articles named on a list page: URL, title and, when the selectors find them, time, summary, image."""
    return read_list_page(text, page_url, config).articles


def read_list_page(text: str, page_url: str, config: SourceConfig) -> Read:
    """The list page's articles, and the items without a followable link (counted, not silently lost)."""
    rules = config.html
    assert rules is not None
    try:
        tree = LexborHTMLParser(text)
        nodes = tree.css(rules.item)
    except SelectolaxError as exc:  # an invalid selector
        raise ParseError(f"{page_url}: bad item selector {rules.item!r}: {exc}") from None
    if not nodes:
        raise ParseError(f"{page_url}: item selector {rules.item!r} matched nothing (has the page changed?)")
    read = Read()
    articles = read.articles
    for node in nodes:
        link = node if rules.link in ("", ":self") else _first(node, rules.link)
        href = (link.attributes.get("href") or "").strip() if link is not None else ""
        if not href or href.startswith(("#", "javascript:")):
            read.skip(f"no link ({rules.link!r} with an href)")
            continue
        url = urljoin(page_url, href)
        title_node = _first(node, rules.title) if rules.title else link
        summary_node = _first(node, rules.summary) if rules.summary else None
        image_node = _first(node, rules.image) if rules.image else None
        articles.append(
            Article(
                source=config.name,
                url=url,
                title=_text(title_node),
                guid=url,
                # the page's date as written: extract parses it (see model.Article)
                published=_time(_first(node, rules.time)) if rules.time else None,  # type: ignore[arg-type]
                summary=_text(summary_node),
                image=_image(image_node, page_url),
            )
        )
    if not articles:
        raise ParseError(f"{page_url}: link selector {rules.link!r} found no link in {len(nodes)} items")
    return read


def _first(node: LexborNode, selector: str) -> LexborNode | None:
    try:
        return node.css_first(selector)
    except SelectolaxError:
        raise ParseError(f"bad selector {selector!r}") from None


def _text(node: LexborNode | None) -> str:
    return " ".join((node.text(separator=" ") or "").split()) if node is not None else ""


def _time(node: LexborNode | None) -> str | None:
    if node is None:
        return None
    for name in _TIME_ATTRIBUTES:
        value = node.attributes.get(name)
        if value and any(c.isdigit() for c in value):
            return value.strip()
    return _text(node) or None


def _image(node: LexborNode | None, base: str) -> str | None:
    if node is None:
        return None
    src = node.attributes.get("data-src") or node.attributes.get("src")
    return urljoin(base, src) if src else None
