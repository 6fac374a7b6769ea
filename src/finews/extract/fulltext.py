"""Full text of an article page: site rules, then trafilatura and readability-lxml, and a choice between them.

Why two extractors: trafilatura is the better generalist, but on table-laid-out Chinese portals it often
falls back to most of the page (navigation, "related news", ads), while readability-lxml picks the one
densest block. Each fails differently, so agreement between them is the signal used to choose:

* readability's text is (almost) all inside trafilatura's and at least a quarter of it: trafilatura added
  boilerplate around the same article, so readability's tighter block wins;
* trafilatura's text is (almost) all inside readability's and readability's is over twice as long:
  trafilatura stopped early (a page split by a widget), so readability's fuller block wins;
* otherwise they disagree about what the article is, and trafilatura, right more often, is kept.

Containment is counted on 4-shingles of words for Latin script and of characters for CJK, the units the
quality scores in :mod:`finews.extract.evaluate` use.
"""

from __future__ import annotations

import copy
import html as htmllib
import logging
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

import lxml.etree
import trafilatura
from readability import Document
from selectolax.lexbor import LexborHTMLParser

from .clean import html_to_text
from .site_rules import SiteRule, apply_rule, load_rules, rule_for

log = logging.getLogger(__name__)

MIN_TEXT = 40  # non-space characters; less is a caption or an error page, not an article
MAX_HTML = 1_000_000  # characters handed to the extractors, once scripts and styles are out
# trafilatura spends ~0.4 ms per element: a 60,000-link page takes 25 s. Real article pages stay under
# a few thousand elements; past this bound only the (faster) readability pass runs.
MAX_ELEMENTS = 20_000
CONFIRMED = 0.9  # share of one candidate's shingles found in the other for it to count as "inside"
TIGHTER = 0.25  # readability at least this fraction of trafilatura's length to replace it
FULLER = 2.0  # readability at least this multiple of trafilatura's length to replace it
# Images belong in the article HTML; they cost trafilatura a little precision (aeb F1 0.967 → 0.961 in the
# full pipeline), since image-bearing blocks it would have dropped as boilerplate are then kept.
INCLUDE_IMAGES = True

# C0 controls other than tab/newline/CR are never page text, and lxml refuses strings holding NUL.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_SPACE = re.compile(r"\s+")
_MD_IMAGE = re.compile(r"!\[[^\]\n]*\]\([^)\s]*\)")
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3040-\u30ff\uac00-\ud7af"
_UNIT = re.compile(rf"[{_CJK}]|[^\W{_CJK}]+")
_HEAVY = "script:not([type='application/ld+json']), style, noscript, svg, template, iframe"
# Where publishers put the publication time; the raw value is returned, parsing is finews.extract.dates' job.
_DATE_SELECTORS = (
    "meta[property='article:published_time']",
    "meta[name='article:published_time']",
    "meta[itemprop='datePublished']",
    "meta[name='pubdate']",
    "meta[name='PubDate']",
    "meta[name='publishdate']",
    "meta[name='publish_date']",
    "meta[property='og:release_date']",
    "meta[name='dc.date']",
    "meta[name='DC.date.issued']",
    "time[datetime]",
)


# trafilatura rejects many CJK bylines as implausible names; the page's own author tags are trusted.
_AUTHOR_SELECTORS = ("meta[name='author']", "meta[property='article:author']", "meta[name='byline']")


@dataclass
class Extracted:
    html: str  # main content as HTML; still to be sanitized by finews.extract.clean
    text: str
    title: str | None
    author: str | None
    published: str | None  # as written on the page
    extractor: str  # "trafilatura" | "readability"


@dataclass
class _Candidate:
    extractor: str
    html: str
    text: str
    title: str | None = None
    author: str | None = None
    date: str | None = None


def extract_article(
    html: str, url: str | None = None, *, rules: Mapping[str, SiteRule] | None = None
) -> Extracted | None:
    """The main content of the page ``html`` (already decoded) fetched from ``url``; None if nothing article-like.

    ``rules`` defaults to the packaged site rules (:func:`finews.extract.site_rules.load_rules`).
    Never raises on bad input: junk, empty or pathological markup gives None or a best effort.
    """
    if not isinstance(html, str) or not html.strip():
        return None
    try:
        page = _prepare(html, url, load_rules() if rules is None else rules)
        if page is None:
            return None
        tree = LexborHTMLParser(page)
        traf = _trafilatura(page, url) if _elements(tree) <= MAX_ELEMENTS else None
        read = _readability(page, url)
        chosen = choose(traf, read)
        if chosen is None or _length(chosen.text) < MIN_TEXT:
            return None
        meta = traf or chosen
        return Extracted(
            html=chosen.html,
            text=chosen.text,
            title=meta.title or _title(tree),
            author=meta.author or _meta(tree, _AUTHOR_SELECTORS),
            published=_meta(tree, _DATE_SELECTORS) or meta.date,
            extractor=chosen.extractor,
        )
    except (RecursionError, MemoryError, ValueError, lxml.etree.LxmlError) as exc:
        log.warning("full-text extraction failed for %s: %s", url or "page", exc)
        return None


def choose(traf: _Candidate | None, read: _Candidate | None) -> _Candidate | None:
    """Pick between the two candidates by their agreement (see the module docstring)."""
    if traf is None or not traf.text.strip():
        return read if read is not None and read.text.strip() else None
    if read is None or not read.text.strip():
        return traf
    ratio = _length(read.text) / max(1, _length(traf.text))
    if TIGHTER <= ratio < 1 and containment(read.text, traf.text) >= CONFIRMED:
        return read
    if ratio >= FULLER and containment(traf.text, read.text) >= CONFIRMED:
        return read
    return traf


def containment(part: str, whole: str) -> float:
    """Share of ``part``'s 4-shingles (counted with repeats) that also occur in ``whole``."""
    mine, theirs = _shingles(part), _shingles(whole)
    total = sum(mine.values())
    return sum((mine & theirs).values()) / total if total else 0.0


def _shingles(text: str, n: int = 4) -> Counter:
    units = _UNIT.findall(text)
    return Counter(tuple(units[i : i + n]) for i in range(max(1, len(units) - n + 1)) if units[i : i + n])


def _length(text: str) -> int:
    return len(_SPACE.sub("", text))


def _prepare(html: str, url: str | None, rules: Mapping[str, SiteRule]) -> str | None:
    html = _CONTROL.sub("", html)
    if len(html) > MAX_HTML:
        # Scripts, styles and inline SVG make most of a huge page; drop them before cutting the rest.
        tree = LexborHTMLParser(html)
        for node in tree.css(_HEAVY):
            node.decompose()
        html = (tree.html or "")[:MAX_HTML]
    if (rule := rule_for(url, rules)) is not None:
        html = apply_rule(html, rule)
    return html if html.strip() else None


def _elements(tree: LexborHTMLParser) -> int:
    return sum(1 for _ in tree.root.traverse(include_text=False)) if tree.root is not None else 0


def _trafilatura(page: str, url: str | None) -> _Candidate | None:
    try:
        doc = trafilatura.bare_extraction(
            page,
            url=url,
            include_comments=False,
            include_tables=True,
            include_images=INCLUDE_IMAGES,
            with_metadata=True,
        )
    except (RecursionError, ValueError, TypeError, lxml.etree.LxmlError) as exc:
        log.debug("trafilatura failed on %s: %s", url, exc)
        return None
    if doc is None or isinstance(doc, dict) or getattr(doc, "body", None) is None:  # a dict only with as_dict
        return None
    # doc.text spells images as Markdown with their URLs; those are not text.
    text = _MD_IMAGE.sub("", doc.text or "")
    fragment = _body_html(doc.body, text)
    return _Candidate("trafilatura", fragment, text, doc.title, doc.author, doc.date)


def _body_html(body: lxml.etree._Element, text: str) -> str:
    try:
        from trafilatura.htmlprocessing import convert_to_html
    except ImportError:  # moved in some trafilatura release: plain paragraphs still carry the text
        return "".join(f"<p>{htmllib.escape(line)}</p>" for line in text.splitlines() if line.strip())
    root = convert_to_html(copy.deepcopy(body))
    inner = root.find("body")
    parts = [
        lxml.etree.tostring(child, encoding="unicode", method="html")
        for child in (inner if inner is not None else root)
    ]
    return "".join(parts).strip()


def _readability(page: str, url: str | None) -> _Candidate | None:
    try:
        # No url: making links absolute costs as much as the extraction, and finews.extract.clean does it later.
        fragment = Document(page).summary(html_partial=True)
    except Exception as exc:  # readability raises its own Unparseable and whatever lxml raised inside
        log.debug("readability failed on %s: %s", url, exc)
        return None
    text = html_to_text(fragment)
    return _Candidate("readability", fragment, text)


def _title(tree: LexborHTMLParser) -> str | None:
    node = tree.css_first("title")
    return " ".join(node.text().split()) or None if node is not None else None


def _meta(tree: LexborHTMLParser, selectors: tuple[str, ...]) -> str | None:
    """The first non-empty ``content``/``datetime`` value among ``selectors``, as written."""
    for selector in selectors:
        for node in tree.css(selector):
            value = (node.attributes.get("content") or node.attributes.get("datetime") or "").strip()
            if value and not value.startswith(("http://", "https://")):
                return value
    return None


__all__ = ["Extracted", "choose", "containment", "extract_article"]
