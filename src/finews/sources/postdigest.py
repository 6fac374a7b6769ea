"""Daily digest Markdown as an RSS aggregator wrote it: ``# 2021-1-10`` then one ``[title](link)`` per item.

Over its life the aggregator used three entry styles: ``### [title](link)`` followed by
the item's HTML, ``## [title](link)`` and `` [title](link)`` (leading space) followed by
``> 作者： X  拉取时间： Y`` and sometimes HTML; a file may switch style halfway. Titles may wrap over
several lines.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, tzinfo
from pathlib import PurePosixPath

from ..model import Article
from .postparse import markdown_html

_DAY = re.compile(r"^#{1,2}[ \t]+(\d{4})-(\d{1,2})-(\d{1,2})[ \t]*$")
_ENTRY = re.compile(r"^(### |## | )\[")
_TITLE_LINK = re.compile(r"^(?P<title>.*)\]\((?P<link>[^\s()]*(?:\([^\s()]*\)[^\s()]*)*)\)\s*$", re.S)
_BYLINE = re.compile(r"^>\s*作者[:：]\s*(?P<author>.*?)\s+拉取时间[:：]\s*(?P<time>.+?)\s*$", re.M)
_PATH_DATE = re.compile(r"(\d{4})/(?:(\d{1,2})-(\d{1,2})|(\d{2})(\d{2}))\.md$")
_MAX_TITLE_LINES = 8
# The aggregator wrote some characters as _x codes in later files ("Objective_sC", "J_d Cox", "<_bdiv>").
_CODES = {"_d2": "?", "_d": ".", "_s": "-", "_t": ":", "_b": "/", "_a": "'", "_0": "%", "_e": "="}
_CODE = re.compile("|".join(_CODES))  # longest first: "how_d2" is "how?", "_d_d_d" is "..."
_CODED_CHARS = frozenset(_CODES.values())


def parse_digest(text: str, rel: str, source: str, zone: tzinfo) -> Iterator[Article]:
    """Every entry of one digest file, in file order; the guid of a link-less entry is ``rel#n``."""
    day = _path_day(rel, zone)
    lines = text.splitlines()
    i, n = 0, 0
    while i < len(lines):
        day_match = _DAY.match(lines[i])
        if day_match:
            day = _day(*day_match.groups(), zone=zone) or day
            i += 1
            continue
        entry = _ENTRY.match(lines[i])
        if not entry:
            i += 1
            continue
        title, link, i = _heading(lines, i, len(entry.group(1)) + 1)
        start = i
        while i < len(lines) and not _DAY.match(lines[i]) and not _ENTRY.match(lines[i]):
            i += 1
        n += 1
        yield _entry(title, link, "\n".join(lines[start:i]), day, f"{rel}#{n}", source, zone)


def _heading(lines: list[str], i: int, skip: int) -> tuple[str, str, int]:
    """Title and link of the entry starting at ``lines[i]``, and the index after its heading."""
    text = lines[i][skip:]
    for extra in range(_MAX_TITLE_LINES):
        match = _TITLE_LINK.match(text)
        if match:
            return " ".join(match.group("title").split()), match.group("link"), i + extra + 1
        following = lines[i + extra + 1] if i + extra + 1 < len(lines) else ""
        if not following.strip() or _ENTRY.match(following) or _DAY.match(following):
            break
        text += "\n" + following
    return " ".join(lines[i][skip:].split()), "", i + 1  # never closed: keep the item, without a link


def _entry(title: str, link: str, body: str, day: datetime | None, guid: str, source: str, zone: tzinfo) -> Article:
    author, published = None, day
    byline = _BYLINE.search(body)
    if byline:
        name = byline.group("author").strip()
        author = name if name and name != "null" else None
        published = _pulled(byline.group("time"), zone) or day
        body = body[: byline.start()] + body[byline.end() :]
    body = "\n".join(line for line in body.strip().splitlines() if line.strip() != "[]").strip()
    if _coded(title):
        title = _CODE.sub(lambda m: _CODES[m.group()], title)
    if body and "<" in body and '="' not in body and ("<_b" in body or '_e"' in body):
        body = _CODE.sub(lambda m: _CODES[m.group()], body)
    content = body if body.startswith("<") else markdown_html(body)
    return Article(
        source=source,
        url=link,
        title=title,
        guid=link or guid,
        author=author,
        published=published,
        content_html=content,
    )


def _coded(title: str) -> bool:
    """Decode only titles that show the codes and none of the characters they stand for (a literal
    "snake_case" next to a real "." stays as it is)."""
    return bool(_CODE.search(title)) and not _CODED_CHARS.intersection(title)


def _pulled(text: str, zone: tzinfo) -> datetime | None:
    try:
        pulled = datetime.fromisoformat(text.strip())  # "2021-01-23 21:43:36"; strptime is 10× slower
    except ValueError:
        return None
    return pulled.replace(tzinfo=zone) if pulled.tzinfo is None else pulled.astimezone(zone)


def _day(year: str, month: str, day: str, *, zone: tzinfo) -> datetime | None:
    try:
        return datetime(int(year), int(month), int(day), tzinfo=zone)
    except ValueError:
        return None


def _path_day(rel: str, zone: tzinfo) -> datetime | None:
    match = _PATH_DATE.search(str(PurePosixPath(rel)))
    if not match:
        return None
    year, month, day, mm, dd = match.groups()
    return _day(year, month or mm, day or dd, zone=zone)
