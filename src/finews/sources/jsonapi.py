"""Declarative JSON web APIs: a list URL, where the items are, which field is what, optional detail.

No Python per site: eastmoney's rolling news is the ``eastmoney-rolling`` preset, and any other
API is a few lines of finews.toml.
"""

from __future__ import annotations

import json
import re
from html import escape
from typing import TYPE_CHECKING, Any

from ..errors import FetchError, ParseError
from ..model import Article, SourceState
from .base import Collected, Read, fetch_for

if TYPE_CHECKING:
    from ..config import JsonApiConfig, SourceConfig
    from ..fetch.client import Fetcher

# eastmoney digests open with a 【headline】 lead that repeats the title.
_LEAD = re.compile(r"^\s*【[^】]{0,200}】\s*")
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][\w.|]*)\}")


def lookup(data: Any, path: str) -> Any:
    """The value at a dotted ``path`` (``data.list``, ``result.0.title``); ``a|b`` tries ``a`` then ``b``."""
    for alternative in path.split("|"):
        value: Any = data
        for part in alternative.strip().split("."):
            if isinstance(value, dict):
                value = value.get(part)
            elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
                value = value[int(part)]
            else:
                value = None
            if value is None:
                break
        if value not in (None, ""):
            return value
    return None


class JsonApiSource:
    def __init__(self, config: SourceConfig) -> None:
        self.config = config
        assert config.api is not None  # guaranteed by SourceConfig validation
        self.api: JsonApiConfig = config.api

    def collect(self, fetcher: Fetcher, state: SourceState) -> Collected:
        api = self.api
        first = fetch_for(self.config, fetcher, self._page_url(api.page_start), state)
        if first.not_modified:
            return Collected.answer(first)
        records = self._records(first.text(), first.url)
        for page in range(api.page_start + 1, api.page_start + api.pages):
            more = fetch_for(self.config, fetcher, self._page_url(page))
            records += self._records(more.text(), more.url)
        read = Read()
        for record in records:
            self._read(record, fetcher, read)
        if records and not read.articles:
            # every item lacking the same field means the API renamed it; "0 new" would hide that
            raise ParseError(_none_usable(first.url, len(records), read.skipped))
        return Collected.answer(first, read=read)

    def _page_url(self, page: int) -> str:
        if self.api.pages <= 1 and "{page}" not in self.config.url:
            return self.config.url
        if "{page}" in self.config.url:
            return self.config.url.replace("{page}", str(page))
        joiner = "&" if "?" in self.config.url else "?"
        return f"{self.config.url}{joiner}{self.api.page_param}={page}"

    def _records(self, text: str, url: str) -> list[Any]:
        try:
            data = json.loads(_strip_jsonp(text))
        except json.JSONDecodeError as exc:
            raise ParseError(f"{url}: not JSON ({exc})") from None
        items = _list_at(data, self.api.items)
        if items is None:
            # a path that matches nothing means the API changed shape; "0 new items" would hide it.
            # An empty list is an API with no news right now: 0 new, not an error.
            raise ParseError(f"{url}: items path {self.api.items!r} matches no list")
        return items

    def _read(self, record: Any, fetcher: Fetcher, read: Read) -> None:
        """The record's article into ``read``, or the field it lacks among its skipped reasons."""
        api = self.api
        if not isinstance(record, dict):
            read.skip("not an object")
            return
        missing = [f"no {path!r}" for path in (api.title, api.time) if path and lookup(record, path) is None]
        if not self._url(record):
            missing.insert(0, self._no_url())
        if missing:
            read.skip(", ".join(missing))
            return
        read.articles.append(self._article(record, fetcher))

    def _url(self, record: dict) -> str:
        api = self.api
        found = lookup(record, api.url) if api.url else None
        if found is not None:
            return str(found)
        return (fill_template(api.url_template, record) or "") if api.url_template else ""

    def _no_url(self) -> str:
        names = [self.api.url, *_PLACEHOLDER.findall(self.api.url_template)]
        return "no " + " nor ".join(repr(name) for name in names if name)

    def _article(self, record: dict, fetcher: Fetcher) -> Article:
        api = self.api

        def field(path: str | None) -> Any:
            return lookup(record, path) if path else None

        summary = str(field(api.summary) or "")
        if api.strip_lead:
            summary = _LEAD.sub("", summary)
        content = str(field(api.content) or "")
        url = self._url(record)
        if api.detail_url:
            content = self._detail(record, fetcher) or content
        media = field(api.media)
        categories = [str(media)] if media else []
        identifier = field(api.id)
        return Article(
            source=self.config.name,
            url=url,
            title=str(field(api.title) or ""),
            guid=str(identifier) if identifier is not None else None,
            author=str(field(api.author) or media or "") or None,
            published=field(api.time),
            categories=categories,
            summary=summary,
            content_html=_unindent(content) if content else _paragraphs(summary),
            image=field(api.image) or None,
        )

    def _detail(self, record: dict, fetcher: Fetcher) -> str:
        assert self.api.detail_url is not None
        url = fill_template(self.api.detail_url, record)
        if url is None:
            return ""
        api = self.api
        try:
            response = fetch_for(self.config, fetcher, url)
            detail = json.loads(_strip_jsonp(response.text()))
        except (FetchError, ParseError, json.JSONDecodeError):
            return ""  # the list's own fields still make an article; the next check retries
        return str(lookup(detail, api.detail_content) or "")


def _list_at(data: Any, path: str) -> list[Any] | None:
    """The list at ``path``, an empty one included; None when the path holds no list."""
    value = lookup(data, path)
    return value if isinstance(value, list) else None


def _none_usable(url: str, total: int, skipped: dict[str, int]) -> str:
    if len(skipped) == 1 and next(iter(skipped)).startswith("no "):
        return f"{url}: none of the {total} items has {next(iter(skipped)).removeprefix('no ')} (has the API changed?)"
    reasons = "; ".join(f"{count} {reason}" for reason, count in skipped.items())
    return f"{url}: none of the {total} items is usable ({reasons})"


def fill_template(template: str, record: dict) -> str | None:
    """``https://36kr.com/newsflashes/{id|itemId}`` with the record's values; None if one is missing."""
    values = {}
    for name in _PLACEHOLDER.findall(template):
        value = lookup(record, name)
        if value is None:
            return None
        values[name] = str(value)
    return _PLACEHOLDER.sub(lambda m: values[m.group(1)], template)


def _strip_jsonp(text: str) -> str:
    """``callback({...});`` → ``{...}``: several Chinese APIs answer JSONP even without a callback."""
    stripped = text.strip()
    if stripped[:1] in "{[":
        return stripped
    match = re.match(r"^[\w$.]+\s*\((.*)\)\s*;?\s*$", stripped, re.S)
    return match.group(1) if match else stripped


def _unindent(html: str) -> str:
    return html.replace("\u3000\u3000", "")


def _paragraphs(text: str) -> str:
    return f"<p>{escape(text)}</p>" if text else ""
