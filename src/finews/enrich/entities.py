"""Entity mentions in an article: listed companies (with tickers) and people, with character offsets.

Offsets index the plain text of one field of the article (``title`` or ``body``; ``summary`` when
there is no body), as :func:`article_fields` builds it, so a store can keep them and point back.

Confidence, for companies:

* 0.95: the source linked the span to a stock *and* the span is one of that company's names here;
* 0.9: a dictionary name or an explicit ticker (``600519.SH``, ``NYSE: BABA``);
* 0.75: the source linked the span to a stock we do not know, and the span is not an everyday word;
* 0.3: the source linked an everyday word (eastmoney links 机器人 to 新松, whose stock short name it
  is) or only part of a word (36kr's 音识 inside 语音识别). Such links are kept for what they are,
  a hint, and never reach :data:`CONFIDENT`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ..extract.clean import html_to_text
from ..model import Annotation, Article
from .lexicon import lexicon
from .people import find_people
from .tickers import company_index, find_text_tickers, market_of, normalize_em_code

CONFIDENT = 0.6  # below this a mention is a hint, not a fact to index
MAX_CHARS = 200_000  # a field longer than this is analysed up to here: time stays bounded on 1 MB pages


@dataclass(frozen=True)
class Mention:
    """One span of text that names a company or a person."""

    kind: str  # "company" | "person"
    text: str
    start: int
    end: int
    key: str  # ticker (600519.SH, 00700.HK, BABA) or normalized name
    confidence: float
    field: str = "body"  # "title" | "body" | "summary": what the offsets index
    source: str = "dictionary"  # "annotation" | "dictionary" | "ticker" | "pattern" | "pos"
    name: str = ""  # company: canonical name; person: full name
    market: str = ""  # SH, SZ, BJ, HK, US …
    role: str = ""  # person: title written before the name
    org: str = ""  # person: organization written before the title


def article_fields(article: Article) -> list[tuple[str, str]]:
    """The texts mentions index into: the title, then the body (or the summary when there is none)."""
    body = html_to_text(article.content_html) if article.content_html else ""
    fields = [("title", article.title or "")]
    fields.append(("body", body) if body.strip() else ("summary", article.summary or ""))
    return [(name, text[:MAX_CHARS]) for name, text in fields if text.strip()]


def extract_mentions(article: Article) -> list[Mention]:
    """Companies and people in ``article``, by field and offset; on overlaps the source's own links win."""
    links = _annotation_map(article.annotations)
    out: list[Mention] = []
    for field, text in article_fields(article):
        companies = find_companies(text, links, field)
        taken = bytearray(len(text) + 1)
        for m in companies:
            taken[m.start : m.end] = b"\x01" * (m.end - m.start)
        out.extend(companies)
        for hit in find_people(text):
            if any(taken[hit.start : hit.end]):
                continue
            source = "pattern" if hit.role else "pos"
            out.append(
                Mention(
                    "person",
                    hit.name,
                    hit.start,
                    hit.end,
                    hit.key,
                    hit.confidence,
                    field,
                    source,
                    hit.key,
                    "",
                    hit.role,
                    hit.org,
                )
            )
    order = {"title": 0, "body": 1, "summary": 1}
    return sorted(out, key=lambda m: (order[m.field], m.start, m.kind))


def _annotation_map(annotations: list[Annotation]) -> dict[str, tuple[str, str]]:
    """Anchor text → (ticker or company name, kind) from the source's own entity links."""
    links: dict[str, tuple[str, str]] = {}
    for a in annotations:
        text = (a.text or "").strip()
        if not text:
            continue
        if a.kind == "stock":
            ticker = normalize_em_code(a.code)
            if ticker:
                links.setdefault(text, (ticker, "stock"))
        elif a.kind == "company" and a.code:
            links.setdefault(text, (a.code.strip(), "company"))
    return links


def find_companies(text: str, links: dict[str, tuple[str, str]] | None = None, field: str = "body") -> list[Mention]:
    """Company mentions in ``text``: linked spans, dictionary names and written tickers."""
    index = company_index()
    links = links or {}
    out: list[Mention] = []
    used = bytearray(len(text) + 1)

    def add(m: Mention) -> None:
        if not any(used[m.start : m.end]):
            out.append(m)
            used[m.start : m.end] = b"\x01" * (m.end - m.start)

    for anchor, (code, kind) in sorted(links.items(), key=lambda kv: -len(kv[0])):
        for match in re.finditer(re.escape(anchor), text):
            add(_linked(text, match.start(), match.end(), anchor, code, kind, field))
    for start, end, company in index.find(text):
        if end - start <= 3 and not text[start].isascii() and _splits_word(text, start, end):
            continue  # 伊利 inside 伊利诺伊大学
        if _in_address(text, start, end) or _BYTES_BEFORE.match(text, max(0, start - 1)):
            continue  # https://weibo.com/…, 数兆字节: a host name and a unit, not the company
        # a unit (达摩院, 抖音) is keyed and named as the company it belongs to: one company, one page
        owner = index.owner(company)
        ticker = owner.tickers[0] if owner.tickers else ""
        add(Mention("company", text[start:end], start, end, owner.key, 0.9, field, "dictionary",
                    owner.name, market_of(ticker) if ticker else ""))  # fmt: skip
    for hit in find_text_tickers(text):
        listed = index.by_ticker.get(hit.ticker)
        listed_owner = index.owner(listed) if listed else None
        add(Mention("company", text[hit.start : hit.end], hit.start, hit.end,
                    listed_owner.key if listed_owner else hit.ticker, hit.confidence, field, "ticker",
                    listed_owner.name if listed_owner else "", market_of(hit.ticker)))  # fmt: skip
    return sorted(out, key=lambda m: m.start)


def _linked(text: str, start: int, end: int, anchor: str, code: str, kind: str, field: str) -> Mention:
    index = company_index()
    if kind == "stock":
        company = index.by_ticker.get(code)
        names = {company.name, *company.aliases} if company else set()
        if anchor in names:
            confidence = 0.95
        elif (company and anchor in company.generic) or _everyday_word(anchor) or _splits_word(text, start, end):
            confidence = 0.3
        else:
            confidence = 0.75
        owner = index.owner(company) if company else None
        return Mention("company", anchor, start, end, owner.key if owner else code, confidence, field,
                       "annotation", owner.name if owner else "", market_of(code))  # fmt: skip
    company = index.lookup(code)
    owner = index.owner(company) if company else None
    confidence = 0.3 if _splits_word(text, start, end) or _everyday_word(anchor) else (0.9 if company else 0.75)
    return Mention("company", anchor, start, end, owner.key if owner else code, confidence, field, "annotation",
                   owner.name if owner else code)  # fmt: skip


_BYTES_BEFORE = re.compile(r"[千兆吉太拍百万]字节")


def _in_address(text: str, start: int, end: int) -> bool:
    """A Latin name inside a web or mail address (baijiahao.baidu.com, weibo.com/…)."""
    if not text[start].isascii():
        return False
    return (start > 0 and text[start - 1] in "./@") or (
        end < len(text) - 1 and text[end] == "." and text[end + 1].isalpha()
    )


def _everyday_word(word: str) -> bool:
    """A word jieba's dictionary knows as a common noun, verb or adjective (机器人, 平安, 蚂蚁)."""
    if company_index().by_alias.get(word) is not None:
        return False
    tag = lexicon().tag(word)
    return tag is not None and tag[0] in "nvad" and tag not in ("nr", "ns", "nt", "nz", "nrt", "nrfg")


def _splits_word(text: str, start: int, end: int) -> bool:
    """True when the span starts or ends inside a word (音识 in 语音识别): a link on a fragment names nothing."""
    lo, hi = max(0, start - 6), min(len(text), end + 6)
    bounds = _word_bounds(text[lo:hi])
    return start - lo not in bounds or end - lo not in bounds


@lru_cache(maxsize=4096)
def _word_bounds(window: str) -> frozenset[int]:
    # dictionary words only: the HMM's guesses at unknown words cost more than they tell about a fragment
    bounds, offset = {0}, 0
    for word in lexicon().cut(window, hmm=False):
        offset += len(word)
        bounds.add(offset)
    return frozenset(bounds)
