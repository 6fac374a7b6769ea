"""Feeds that carry the XSS corpus (tests/data/xss_vectors.txt) in every field a feed item has.

Each article takes a handful of vectors and puts them, raw, in its title, author, summary, content
(bare, inside paragraphs, inside image ``src``/``alt``/``title`` attributes), lead image and
categories. A JSON Feed source carries them as plain strings; an RSS source carries the same items
XML-escaped (so the parser hands over the same text), which the archive links to the JSON
source's reports, so their titles and links show again under "also reported by". A few items
also have a ``javascript:``/``data:`` link.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from finews.model import BEIJING

CORPUS = Path(__file__).resolve().parent.parent / "data" / "xss_vectors.txt"
PER_ARTICLE = 8
# Han characters for each article's own text: distinct bodies keep near-duplicate detection from
# merging the articles whose vectors were all stripped.
_HAN = [chr(c) for c in range(0x4E00, 0x9FA6)]  # CJK Unified Ideographs
LINKS = ("javascript:alert(1)", " javascript:window.__xss=1", "data:text/html,<script>alert(1)</script>")
REPRINT = "<p>本文由合作媒体转载。</p>"
COMPANY = "贵州茅台(600519.SH)发布公告，王刚离职。"  # an entity page and a talent move list the vector titles too


def load_vectors(path: Path = CORPUS) -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line.strip() and not line.startswith("# ")]


@dataclass
class Item:
    n: int
    title: str
    author: str
    summary: str
    content: str
    image: str
    tags: list[str]
    url: str
    published: str


def _body(n: int) -> str:
    rng = random.Random(n)
    text = "".join(rng.choice(_HAN) for _ in range(160))
    return f"<p>第{n}篇测试稿件。{text[:80]}离职{text[80:]}。</p>"


def items(vectors: list[str], base: str, *, links: bool = False, day0: datetime | None = None) -> list[Item]:
    """Articles carrying every vector in every field; ``base`` is the loopback address of their pages.

    With ``links``, the first articles' links are ``javascript:``/``data:`` URLs instead.
    """
    day0 = day0 or datetime.now(BEIJING).replace(microsecond=0) - timedelta(days=3)
    out = []
    chunks = [vectors[i : i + PER_ARTICLE] for i in range(0, len(vectors), PER_ARTICLE)]
    for n, chunk in enumerate(chunks, 1):
        content = [_body(n), COMPANY if n % 5 == 1 else ""]
        content += ["".join(chunk)]
        content += [f"<p>{v}</p>" for v in chunk]
        content += [f'<p><img src="{v}"><img src="/i/{n}.png" alt="{v}" title=\'{v}\'></p>' for v in chunk]
        url = LINKS[n - 1] if links and n <= len(LINKS) else f"{base}/a/{n}.html"
        out.append(
            Item(
                n=n, title=f"第{n}篇 离职 " + " ".join(chunk), author=" ".join(chunk[:3]), summary="".join(chunk),
                content="".join(content), image=chunk[0], tags=[*chunk, f"测试{n}"], url=url,
                published=(day0 + timedelta(hours=n)).isoformat(),
            )
        )  # fmt: skip
    return out


def json_feed(articles: list[Item], title: str) -> bytes:
    return json.dumps(
        {
            "version": "https://jsonfeed.org/version/1.1",
            "title": title,
            "items": [
                {
                    "id": f"xss-{a.n}", "url": a.url, "title": a.title, "summary": a.summary,
                    "content_html": a.content, "image": a.image, "tags": a.tags, "authors": [{"name": a.author}],
                    "date_published": a.published,
                }
                for a in articles
            ],
        },
        ensure_ascii=False,
    ).encode("utf-8")  # fmt: skip


def rss_feed(articles: list[Item], title: str) -> bytes:
    """The same items as RSS, each body one paragraph longer: a reprint, linked to the first report."""
    entries = "".join(
        f"<item><title>{escape(a.title)}</title><link>{escape(a.url.replace('/a/', '/reprint/'))}</link>"
        f"<guid>rss-{a.n}</guid><dc:creator>{escape(a.author)}</dc:creator><pubDate>{escape(a.published)}</pubDate>"
        + "".join(f"<category>{escape(t)}</category>" for t in a.tags)
        + f"<description>{escape(a.summary)}</description>"
        + f"<content:encoded>{escape(a.content + REPRINT)}</content:encoded>"
        f'<media:content url={quoteattr(a.image)} medium="image"/></item>'
        for a in articles
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"'
        ' xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:media="http://search.yahoo.com/mrss/">'
        f"<channel><title>{escape(title)}</title><link>http://127.0.0.1/</link><description>x</description>"
        f"{entries}</channel></rss>"
    ).encode()
